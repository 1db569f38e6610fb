#include "vm/kernel_boot.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "testing/test_support.h"
#include "vm/bzimage.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::optional<fs::path> installed_lz4_bzimage() {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/boot", ec)) {
    std::string f = e.path().filename().string();
    if (f.rfind("vmlinuz-", 0) == 0 && f.find("cloud-amd64") != std::string::npos &&
        access(e.path().c_str(), R_OK) == 0)
      return e.path();
  }
  return std::nullopt;
}

// The installed kernel, booted once into a fresh cache.
class InstalledKernel : public ::testing::Test {
 protected:
  void SetUp() override {
    auto found = installed_lz4_bzimage();
    if (!found) GTEST_SKIP() << "no readable /boot/vmlinuz-*-cloud-amd64 (install linux-image-cloud-amd64, run as root)";
    bz = *found;
    first = choose_kernel_boot(bz, cache);
    ASSERT_EQ(first.form, KernelForm::pvh_vmlinux) << first.why;
  }
  TempDir t;
  VmCache cache{t.path() / "cache"};
  fs::path bz;
  KernelBoot first;
};

TEST_F(InstalledKernel, BootsAsPvhExtractedOnceIntoTheCache) {
  EXPECT_EQ(first.image.parent_path(), cache.dir());
  EXPECT_EQ(first.image.filename().string(), "vmlinux-" + first.key);
  EXPECT_EQ(first.key.size(), 24u);
  EXPECT_NE(first.why.find("extracted into"), std::string::npos) << first.why;
  EXPECT_NO_THROW(pvh_entry_point(testing::slurp(first.image)));
  // Nothing half-written is left beside it.
  EXPECT_EQ(std::distance(fs::directory_iterator(cache.dir()), fs::directory_iterator()), 1);

  KernelBoot again = choose_kernel_boot(bz, cache);
  EXPECT_EQ(again.form, KernelForm::pvh_vmlinux);
  EXPECT_EQ(again.image, first.image);
  EXPECT_NE(again.why.find("from the VM cache"), std::string::npos) << again.why;
}

TEST(KernelBoot, AKernelThatCannotBeExtractedBootsAsBzImageSayingWhy) {
  TempDir t;
  VmCache cache(t.path() / "cache");
  fs::path fake = t.path() / "vmlinuz-fake";
  std::ofstream(fake) << "this is not a kernel image at all, and it is long enough to be read";
  KernelBoot b = choose_kernel_boot(fake, cache);
  EXPECT_EQ(b.form, KernelForm::bzimage);
  EXPECT_EQ(b.image, fake);
  EXPECT_NE(b.why.find("not a bzImage"), std::string::npos) << b.why;
  EXPECT_TRUE(fs::is_empty(cache.dir()));

  KernelBoot missing = choose_kernel_boot(t.path() / "none", cache);
  EXPECT_EQ(missing.form, KernelForm::bzimage);
  EXPECT_NE(missing.why.find("/none"), std::string::npos) << missing.why;
}

TEST_F(InstalledKernel, ARefusedVmlinuxIsRememberedOnlyWhenAsked) {
  const KernelBoot& pvh = first;

  KernelBoot once = fall_back_to_bzimage(pvh, cache, "the guest hung", false);
  EXPECT_EQ(once.form, KernelForm::bzimage);
  EXPECT_EQ(once.image, bz);
  EXPECT_NE(once.why.find("the guest hung"), std::string::npos);
  EXPECT_EQ(choose_kernel_boot(bz, cache).form, KernelForm::pvh_vmlinux);

  fall_back_to_bzimage(pvh, cache, "qemu: Error loading uncompressed kernel", true);
  KernelBoot later = choose_kernel_boot(bz, cache);
  EXPECT_EQ(later.form, KernelForm::bzimage);
  EXPECT_EQ(later.image, bz);
  EXPECT_NE(later.why.find("an earlier PVH boot"), std::string::npos) << later.why;
  EXPECT_NE(later.why.find("Error loading uncompressed kernel"), std::string::npos) << later.why;
}

TEST(KernelBoot, FastBootWordsAreKernelParameters) {
  std::string w(kFastBootCmdline);
  for (const char* must : {"mitigations=off", "pci=off", "8250.nr_uarts=1", "cryptomgr.notests", "random.trust_cpu=on"})
    EXPECT_NE(w.find(must), std::string::npos) << must;
  EXPECT_EQ(w.find("--"), std::string::npos);  // nothing after it would reach the kernel
}

TEST(KernelBoot, CommandLineKeepsInitWordsLast) {
  std::string c = guest_kernel_cmdline({"harness.marker=abc", "", "tsc=reliable"}, "guest-init");
  EXPECT_EQ(c.rfind("console=ttyS0 quiet loglevel=1 panic=-1 mitigations=off", 0), 0u) << c;
  EXPECT_NE(c.find(" harness.marker=abc tsc=reliable -- guest-init"), std::string::npos) << c;
  EXPECT_EQ(c.find("  "), std::string::npos) << c;  // an empty word adds nothing
  EXPECT_EQ(guest_kernel_cmdline({}, "").find("--"), std::string::npos);
}

}  // namespace
}  // namespace harness
