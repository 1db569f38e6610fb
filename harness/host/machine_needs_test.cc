#include "host/machine_needs.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>

#include "base/error.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using testing::has;

namespace fs = std::filesystem;


// PATH set to one folder for the test's lifetime.
class PathIs {
 public:
  explicit PathIs(const fs::path& dir) : old_(getenv("PATH") ? getenv("PATH") : "") {
    setenv("PATH", dir.c_str(), 1);
  }
  ~PathIs() { setenv("PATH", old_.c_str(), 1); }

 private:
  std::string old_;
};

TEST(MachineNeeds, MkfsIsFoundInPath) {
  testing::TempDir tmp;
  fs::path mkfs = tmp.path() / "mkfs.harnesstestfs";
  std::ofstream(mkfs) << "#!/bin/sh\nexit 0\n";
  fs::permissions(mkfs, fs::perms::owner_all);
  PathIs path(tmp.path());
  EXPECT_EQ(need_mkfs("harnesstestfs"), mkfs);
}

TEST(MachineNeeds, AMissingMkfsSaysWhatNeedsItAndWhatToInstall) {
  testing::TempDir tmp;
  PathIs path(tmp.path());
  try {
    need_mkfs("harnessnofs", "the VM scratch disk");
    FAIL() << "found mkfs.harnessnofs";
  } catch (const EnvironmentError& e) {
    EXPECT_EQ(std::string(e.what()),
              "mkfs.harnessnofs not found (the VM scratch disk is harnessnofs): install e2fsprogs "
              "(apt-get install -y e2fsprogs)");
  }
  try {
    need_mkfs("harnessnofs");
    FAIL() << "found mkfs.harnessnofs";
  } catch (const EnvironmentError& e) {
    EXPECT_TRUE(has(e.what(), "mkfs.harnessnofs not found: install e2fsprogs")) << e.what();
  }
  // A file of that name that is not executable is not a program.
  std::ofstream(tmp.path() / "mkfs.harnessnofs") << "#!/bin/sh\n";
  fs::permissions(tmp.path() / "mkfs.harnessnofs", fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_THROW(need_mkfs("harnessnofs"), EnvironmentError);
}

TEST(MachineNeeds, LoopControlEitherUsableOrTheMessageSaysWhatToDo) {
  // Whether this machine has a usable /dev/loop-control depends on it (and
  // on root); what the check says in each case does not.
  bool usable = access("/dev/loop-control", R_OK | W_OK) == 0;
  try {
    need_loop_control("image building", "use --backend vm");
    EXPECT_TRUE(usable) << "no error although /dev/loop-control is not usable";
  } catch (const EnvironmentError& e) {
    EXPECT_FALSE(usable) << e.what();
    EXPECT_TRUE(has(e.what(), "/dev/loop-control is not usable (image building): ")) << e.what();
    EXPECT_TRUE(has(e.what(), "; load the loop module (modprobe loop), run as root, or use --backend vm")) << e.what();
  }
}

}  // namespace
}  // namespace harness
