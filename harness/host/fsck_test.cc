#include "host/fsck.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/child.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

TEST(Fsck, ACleanFilesystemIsCleanAndGarbageIsNotAFilesystem) {
  auto mkfs = find_program("mkfs.ext4");
  ASSERT_TRUE(mkfs && find_program("e2fsck")) << "e2fsprogs is a runtime dependency (ci/deps.sh)";
  testing::TempDir tmp;
  fs::path img = tmp.path() / "fs.img";
  std::ofstream(img).close();
  fs::resize_file(img, 8 << 20);
  ChildOptions o;
  o.timeout = std::chrono::milliseconds(60000);
  ASSERT_TRUE(run_child({mkfs->string(), "-q", "-F", img.string()}, o).succeeded());
  EXPECT_EQ(e2fsck_repair(img), 0);

  fs::path junk = tmp.path() / "junk.img";
  std::ofstream(junk) << std::string(1 << 16, 'x');
  int rc = e2fsck_repair(junk);
  EXPECT_GE(rc, 4) << "no superblock: errors left";
  EXPECT_EQ(fsck_outcome(rc), "errors left (exit " + std::to_string(rc) + ")");
}

TEST(Fsck, OutcomesInWords) {
  EXPECT_EQ(fsck_outcome(0), "clean");
  EXPECT_EQ(fsck_outcome(1), "repaired");
  EXPECT_EQ(fsck_outcome(2), "repaired");
  EXPECT_EQ(fsck_outcome(8), "errors left (exit 8)");
}

}  // namespace
}  // namespace harness
