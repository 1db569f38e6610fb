#include "host/scenario_images.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "base/child.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using testing::slurp;
using testing::TempDir;

Scenario two_images_and_a_copy() {
  return parse_scenario(R"({
    "name": "t", "description": "d", "timeout_s": 10,
    "images": [{"name": "a", "size_mib": 4, "files": [{"from": "/etc/hostname", "to": "h"}]},
               {"name": "b", "size_mib": 4, "files": [{"from": "/etc/hostname", "to": "h"}]}],
    "copies": [{"from": "images/a.img", "to": "backup.img"}],
    "workload": {"argv": ["/bin/true"], "iterations": 1},
    "expect": [{"classes": ["abnormal"], "at_most": 0}]
  })", "/tmp/t.json");
}

void write(const fs::path& p, const std::string& s) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << s;
}

TEST(ScenarioImages, WithoutPrebuiltFilesEverythingIsMadeHere) {
  if (!find_program("mkfs.ext4")) GTEST_SKIP() << "mkfs.ext4 is not installed (e2fsprogs)";
  TempDir t;
  RunDir run(t.path() / "run");
  std::vector<std::string> seen;
  make_images_and_copies(two_images_and_a_copy(), run, std::nullopt,
                         [&](const BuiltImage& b) { seen.push_back(b.path); });
  EXPECT_EQ(seen, (std::vector<std::string>{"images/a.img", "images/b.img"}));
  EXPECT_EQ(fs::file_size(run.absolute("images/a.img")), 4u << 20);
  EXPECT_EQ(slurp(run.absolute("backup.img")), slurp(run.absolute("images/a.img")));
}

// What the host made is moved in, not made again; what it did not make is
// made here, from what is now in place.
TEST(ScenarioImages, PrebuiltFilesAreMovedInAndTheRestIsMade) {
  if (!find_program("mkfs.ext4")) GTEST_SKIP() << "mkfs.ext4 is not installed (e2fsprogs)";
  TempDir t;
  RunDir run(t.path() / "run");
  fs::path pre = t.path() / "prebuilt";
  write(pre / "images" / "a.img", "made on the host");
  std::vector<BuiltImage> seen;
  make_images_and_copies(two_images_and_a_copy(), run, pre, [&](const BuiltImage& b) { seen.push_back(b); });
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].size_bytes, 4u << 20);  // as the scenario says, like a built one
  EXPECT_EQ(seen[0].fs, "ext4");
  EXPECT_EQ(slurp(run.absolute("images/a.img")), "made on the host");
  EXPECT_FALSE(fs::exists(pre / "images" / "a.img"));
  EXPECT_EQ(fs::file_size(run.absolute("images/b.img")), 4u << 20);  // built here
  EXPECT_EQ(slurp(run.absolute("backup.img")), "made on the host");   // copied here, from the adopted image
}

TEST(ScenarioImages, APrebuiltCopyIsTakenToo) {
  TempDir t;
  RunDir run(t.path() / "run");
  fs::path pre = t.path() / "prebuilt";
  write(pre / "images" / "a.img", "a");
  write(pre / "images" / "b.img", "b");
  write(pre / "backup.img", "copy made on the host");
  make_images_and_copies(two_images_and_a_copy(), run, pre);
  EXPECT_EQ(slurp(run.absolute("backup.img")), "copy made on the host");
  EXPECT_EQ(slurp(run.absolute("images/b.img")), "b");
}

// Only regular files: a symlink in the prebuilt tree is not followed out
// of it, and the image is built as usual.
TEST(ScenarioImages, ASymlinkInThePrebuiltTreeIsIgnored) {
  if (!find_program("mkfs.ext4")) GTEST_SKIP() << "mkfs.ext4 is not installed (e2fsprogs)";
  TempDir t;
  RunDir run(t.path() / "run");
  fs::path pre = t.path() / "prebuilt";
  fs::create_directories(pre / "images");
  fs::create_symlink("/etc/hostname", pre / "images" / "a.img");
  make_images_and_copies(two_images_and_a_copy(), run, pre);
  EXPECT_EQ(fs::file_size(run.absolute("images/a.img")), 4u << 20);
  EXPECT_TRUE(fs::is_symlink(pre / "images" / "a.img"));
}

}  // namespace
}  // namespace harness
