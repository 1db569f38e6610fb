#include "host/mount.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fmt/format.h>

#include <fstream>

#include "base/error.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

// What needs no successful mount: the mount table lookups, and the errors
// of a mount that cannot happen. Real loop mounts are the integration
// tests' (root).

TEST(Mount, AFolderThatIsNoMountPointHasNoSource) {
  testing::TempDir tmp;
  fs::create_directories(tmp.path() / "mnt");
  EXPECT_EQ(mount_source(tmp.path() / "mnt"), "");
  EXPECT_EQ(mount_source(tmp.path() / "missing"), "");
}

TEST(Mount, ProcIsMountedFromProc) {
  // Every environment the harness runs in has /proc (it reads mountinfo).
  EXPECT_EQ(mount_source("/proc"), "proc");
  EXPECT_NE(mount_source("/"), "");
}

TEST(Mount, AnImageThatCannotBeMountedNamesImageTargetAndReason) {
  testing::TempDir tmp;
  fs::path image = tmp.path() / "missing.img", target = tmp.path() / "mnt";
  fs::create_directories(target);
  // Without root libmount refuses (its restricted mode); as root there is
  // no such image to attach. Either way an
  // Error that says which image, where, and why, and nothing is mounted.
  try {
    Mount m = Mount::loop_mount(image, target, "loop,ro", "ext4");
    FAIL() << "mounted an image that does not exist";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_EQ(what.rfind(fmt::format("{}: cannot loop-mount at {}: ", image.string(), target.string()), 0), 0u)
        << what;
    EXPECT_GT(what.size(), image.string().size() + target.string().size() + 30) << "a reason follows: " << what;
    EXPECT_TRUE(e.kind() == ErrorKind::environment || e.kind() == ErrorKind::runtime) << what;
    if (geteuid() != 0) {
      EXPECT_EQ(e.kind(), ErrorKind::environment) << "a user is told what to do: " << what;
      EXPECT_NE(what.find("run the harness as root"), std::string::npos) << what;
    }
  }
  EXPECT_EQ(mount_source(target), "");
}

TEST(Mount, ADeviceMountTakesABlockDeviceOntoARealFolder) {
  testing::TempDir tmp;
  fs::path file = tmp.path() / "not-a-device", target = tmp.path() / "mnt", link = tmp.path() / "link";
  std::ofstream(file) << "x";
  fs::create_directories(target);
  fs::create_directory_symlink(target, link);
  try {
    Mount m = Mount::device_mount(file, target, "rw", "ext4");
    FAIL() << "mounted a regular file as a device";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("not a block device"), std::string::npos) << e.what();
  }
  // /dev/null is no block device either; a block device is needed to get
  // to the mountpoint check, so look for one that exists.
  fs::path dev;
  for (const char* d : {"/dev/loop0", "/dev/vda", "/dev/sda", "/dev/nvme0n1"})
    if (fs::is_block_file(d)) {
      dev = d;
      break;
    }
  if (dev.empty()) return;  // no block device node here: the first check is what can be seen
  try {
    Mount m = Mount::device_mount(dev, link, "rw", "ext4");
    FAIL() << "mounted through a link";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("not a directory (a link?)"), std::string::npos) << e.what();
  }
  EXPECT_EQ(mount_source(target), "");
}

}  // namespace
}  // namespace harness
