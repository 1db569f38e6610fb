#include "vm/kernel_modules.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "base/error.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

// The guest kernel's module tree, if one is installed: the newest
// /lib/modules entry that has a modules.dep.
std::optional<fs::path> some_module_tree() {
  std::optional<fs::path> best;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/lib/modules", ec))
    if (fs::exists(e.path() / "modules.dep") && fs::exists(e.path() / "kernel/drivers/block/virtio_blk.ko"))
      if (!best || e.path() > *best) best = e.path();
  return best;
}

std::vector<std::string> names(const std::vector<fs::path>& v) {
  std::vector<std::string> out;
  for (const auto& p : v) out.push_back(module_name(p.string()));
  return out;
}

TEST(KernelModules, NamesAreNormalised) {
  EXPECT_EQ(module_name("kernel/drivers/block/virtio_blk.ko"), "virtio_blk");
  EXPECT_EQ(module_name("kernel/fs/foo-bar.ko.xz"), "foo_bar");
  EXPECT_EQ(module_name("virtio-mmio"), "virtio_mmio");
}

TEST(KernelModules, RealTreeOrdersVirtioDependenciesFirst) {
  auto tree = some_module_tree();
  if (!tree) GTEST_SKIP() << "no kernel module tree with virtio_blk under /lib/modules (install linux-image-cloud-amd64)";
  auto idx = ModuleIndex::load(*tree);
  auto order = names(idx.load_order({"virtio_mmio", "virtio_blk", "virtio_console", "loop"}));
  auto pos = [&](const std::string& n) {
    auto it = std::find(order.begin(), order.end(), n);
    return it == order.end() ? -1 : static_cast<int>(it - order.begin());
  };
  // Whatever is a module must come after what it needs.
  if (pos("virtio_ring") >= 0 && pos("virtio") >= 0) {
    EXPECT_LT(pos("virtio_ring"), pos("virtio"));
  }
  if (pos("virtio") >= 0) {
    EXPECT_LT(pos("virtio"), pos("virtio_mmio"));
    EXPECT_LT(pos("virtio"), pos("virtio_blk"));
  }
  for (const char* n : {"virtio_mmio", "virtio_blk", "virtio_console"}) EXPECT_GE(pos(n), 0) << n;
  // No duplicates, and every file exists.
  std::set<std::string> uniq(order.begin(), order.end());
  EXPECT_EQ(uniq.size(), order.size());
  for (const auto& p : idx.load_order({"virtio_blk"})) EXPECT_TRUE(fs::exists(p)) << p;
  // ext4 is built into the Debian cloud kernel: nothing to load.
  if (idx.builtin("ext4")) {
    EXPECT_TRUE(idx.load_order({"ext4"}).empty());
  }
  EXPECT_THROW(idx.load_order({"no_such_module_xyz"}), EnvironmentError);
}

TEST(KernelModules, MadeUpTreeOrdersAndDetectsCycles) {
  auto idx = ModuleIndex::parse("/m",
                                "kernel/c.ko: kernel/b.ko kernel/a.ko\n"
                                "kernel/b.ko: kernel/a.ko\n"
                                "kernel/a.ko:\n"
                                "kernel/x.ko: kernel/y.ko\n"
                                "kernel/y.ko: kernel/x.ko\n",
                                "kernel/fs/ext4/ext4.ko\n");
  EXPECT_EQ(names(idx.load_order({"c", "a"})), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(idx.load_order({"a"})[0], fs::path("/m/kernel/a.ko"));
  EXPECT_TRUE(idx.load_order({"ext4"}).empty());
  EXPECT_THROW(idx.load_order({"x"}), EnvironmentError);
}

}  // namespace
}  // namespace harness
