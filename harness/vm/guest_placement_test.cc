#include "vm/guest_placement.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "base/error.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

void put_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// The tree logic, with files copied instead of bind-mounted (that needs
// root and a mount namespace; the VM integration tests run the real one).
TEST(GuestPlacement, MirrorsTheBundleAndLeavesWhatExistsAlone) {
  testing::TempDir tmp;
  fs::path bundle = tmp.path() / "bundle", root = tmp.path() / "root";
  put_file(bundle / "usr/bin/rsync", "rsync");
  put_file(bundle / "usr/lib/libc.so.6", "the bundle's libc");
  put_file(bundle / "srv/gate/deploy.sh", "#!/bin/sh\n");
  fs::create_symlink("usr/bin", bundle / "bin");
  fs::create_directories(bundle / "srv/empty");
  put_file(root / "usr/lib/libc.so.6", "the initramfs's libc");
  std::vector<fs::path> placed;
  size_t n = place_bundle(bundle, root, [&](const fs::path& from, const fs::path& to) {
    EXPECT_TRUE(fs::is_regular_file(to)) << "an empty file to bind over is made first: " << to;
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
    placed.push_back(to.lexically_relative(root));
  });
  EXPECT_EQ(n, 2u);
  std::sort(placed.begin(), placed.end());
  EXPECT_EQ(placed, (std::vector<fs::path>{"srv/gate/deploy.sh", "usr/bin/rsync"}));
  EXPECT_EQ(testing::slurp(root / "usr/bin/rsync"), "rsync");
  EXPECT_EQ(testing::slurp(root / "bin/rsync"), "rsync");  // through the link, as on a usrmerge host
  EXPECT_EQ(fs::read_symlink(root / "bin"), "usr/bin");
  EXPECT_TRUE(fs::is_directory(root / "srv/empty"));
  EXPECT_EQ(testing::slurp(root / "usr/lib/libc.so.6"), "the initramfs's libc");
}

TEST(GuestPlacement, AFailureNamesThePath) {
  testing::TempDir tmp;
  put_file(tmp.path() / "bundle/x/tool", "t");
  try {
    place_bundle(tmp.path() / "bundle", tmp.path() / "root",
                 [](const fs::path&, const fs::path&) { throw std::runtime_error("never reached"); });
    FAIL() << "the root's x/ cannot be made: its parent is missing";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("/root/x: cannot make the folder"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace harness
