#include "host/installed_files.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace harness {
namespace {

namespace fs = std::filesystem;

class InstalledFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/harness-installed-files-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(InstalledFilesTest, ReadsSizeDigestsAndHead) {
  RunDir dir(root_ / "run");
  dir.make_dirs("opt");
  std::ofstream(dir.work() / "opt/VERSION") << "abc";
  FileState f = read_file_state(dir, "opt/VERSION", "after faults");
  EXPECT_EQ(f.moment, "after faults");
  EXPECT_EQ(f.path, "opt/VERSION");
  EXPECT_TRUE(f.exists);
  EXPECT_EQ(f.size, 3u);
  EXPECT_EQ(f.head, "abc");
  EXPECT_EQ(f.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(f.md5, "900150983cd24fb0d6963f7d28e17f72");
}

TEST_F(InstalledFilesTest, KeepsOnlyTheFirst256BytesAsTheHead) {
  RunDir dir(root_ / "run");
  std::ofstream(dir.work() / "big") << std::string(1000, 'x');
  FileState f = read_file_state(dir, "big", "end");
  EXPECT_EQ(f.size, 1000u);
  EXPECT_EQ(f.head, std::string(256, 'x'));
}

TEST_F(InstalledFilesTest, AMissingFileIsAStateWithoutAnError) {
  RunDir dir(root_ / "run");
  FileState f = read_file_state(dir, "nothing/here", "end");
  EXPECT_FALSE(f.exists);
  EXPECT_EQ(f.size, 0u);
  EXPECT_TRUE(f.head.empty());
}

TEST_F(InstalledFilesTest, ADirectoryIsNotARegularFileAndSaysSo) {
  RunDir dir(root_ / "run");
  dir.make_dirs("opt/stack");
  FileState f = read_file_state(dir, "opt/stack", "end");
  EXPECT_FALSE(f.exists);
  EXPECT_FALSE(f.head.empty());
}

}  // namespace
}  // namespace harness
