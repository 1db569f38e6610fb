#include "vm/guest_tools.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/error.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using testing::has;

namespace fs = std::filesystem;


fs::path script(const fs::path& p, const std::string& body) {
  std::ofstream(p) << "#!/bin/sh\n" << body;
  fs::permissions(p, fs::perms::owner_all);
  return p;
}

TEST(GuestTools, AnExplicitKernelThatCannotBeReadSaysSo) {
  testing::TempDir tmp;
  try {
    find_guest_kernel(tmp.path() / "vmlinuz-none");
    FAIL() << "found a kernel that does not exist";
  } catch (const EnvironmentError& e) {
    EXPECT_TRUE(has(e.what(), (tmp.path() / "vmlinuz-none").string() + ": cannot read the guest kernel")) << e.what();
    EXPECT_TRUE(has(e.what(), "(ENOENT)")) << e.what();
  }
}

TEST(GuestTools, AnExplicitKernelNeedsItsModuleTree) {
  testing::TempDir tmp;
  // Not a bzImage, so the release comes from the name; no such modules.
  fs::path image = tmp.path() / "vmlinuz-0.0.0-harness-test";
  std::ofstream(image) << "not a kernel";
  try {
    find_guest_kernel(image);
    FAIL() << "accepted a kernel without modules";
  } catch (const EnvironmentError& e) {
    EXPECT_TRUE(has(e.what(), image.string() + ": no module tree for it under /lib/modules")) << e.what();
  }
}

TEST(GuestTools, BusyboxAppletsAreItsListRememberedPerBinary) {
  testing::TempDir tmp;
  fs::path bb = script(tmp.path() / "busybox", "[ \"$1\" = --list ] || exit 1\nprintf 'sh\\n\\nmount\\ncat\\n'\n");
  EXPECT_EQ(busybox_applets(bb), (std::vector<std::string>{"sh", "mount", "cat"}));
  // Asked once per binary: a changed binary is not asked again.
  script(bb, "printf 'other\\n'\n");
  EXPECT_EQ(busybox_applets(bb), (std::vector<std::string>{"sh", "mount", "cat"}));
  fs::path other = script(tmp.path() / "busybox2", "printf 'other\\n'\n");
  EXPECT_EQ(busybox_applets(other), (std::vector<std::string>{"other"}));
}

TEST(GuestTools, ABusyboxThatCannotRunIsAnEnvironmentError) {
  testing::TempDir tmp;
  EXPECT_THROW(busybox_applets(tmp.path() / "no-busybox"), EnvironmentError);
}

TEST(GuestTools, AStaticBusyboxIsOneWithoutAnInterpreter) {
  // Whether this machine has one depends on it; what is found must be one.
  if (auto bb = find_static_busybox()) {
    EXPECT_TRUE(fs::exists(*bb)) << *bb;
    EXPECT_FALSE(busybox_applets(*bb).empty()) << *bb;
  } else {
    GTEST_SKIP() << "no static busybox here (apt-get install busybox-static)";
  }
}

}  // namespace
}  // namespace harness
