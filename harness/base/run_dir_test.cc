#include "base/run_dir.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fmt/format.h>
#include <fstream>

#include "base/error.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

class RunDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/harness-rundir-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(RunDirTest, CreatesWorkAndMarkerAndRemovesWork) {
  {
    RunDir d(root_ / "run");
    EXPECT_TRUE(fs::is_directory(d.work()));
    EXPECT_TRUE(fs::exists(d.path() / "harness-run.json"));
    d.make_dirs("a/b/c");
    ScopedFd f = d.open("a/b/c/file", O_WRONLY | O_CREAT);
    EXPECT_TRUE(f.is_open());
  }
  EXPECT_FALSE(fs::exists(root_ / "run" / "work"));
  EXPECT_FALSE(fs::exists(root_ / "run" / "harness-run.json"));
  EXPECT_TRUE(fs::exists(root_ / "run"));
}

TEST_F(RunDirTest, RefusesANonEmptyDirectory) {
  fs::create_directories(root_ / "used");
  { std::ofstream(root_ / "used" / "x") << "x"; }
  EXPECT_THROW(RunDir(root_ / "used"), EnvironmentError);
}

TEST_F(RunDirTest, RefusesAnExistingFolderOthersMayWriteTo) {
  // In a shared parent such as /tmp, a folder someone else can write to
  // lets them swap what the run writes for a symlink.
  for (mode_t mode : {0777, 0775, 0757, 01777}) {
    fs::path d = root_ / fmt::format("open-{:o}", mode);
    fs::create_directories(d);
    ASSERT_EQ(chmod(d.c_str(), mode), 0);
    try {
      RunDir r(d);
      ADD_FAILURE() << fmt::format("accepted a run folder of mode {:o}", mode);
    } catch (const EnvironmentError& e) {
      EXPECT_NE(std::string(e.what()).find("writable"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(fs::is_empty(d));
  }
}

TEST_F(RunDirTest, ANewRunFolderIsNotGroupOrWorldWritableWhateverTheUmask) {
  mode_t old = umask(0);
  {
    RunDir d(root_ / "run");
    struct stat st {};
    ASSERT_EQ(stat(d.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 022, 0u) << std::oct << st.st_mode;
    ASSERT_EQ(stat(d.work().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 022, 0u) << std::oct << st.st_mode;
  }
  umask(old);
}

TEST_F(RunDirTest, RefusesEscapes) {
  RunDir d(root_ / "run");
  { std::ofstream(root_ / "outside") << "secret"; }
  EXPECT_THROW(d.open("../outside", O_WRONLY | O_TRUNC), SystemError);
  EXPECT_THROW(d.open("/etc/passwd", O_RDONLY), SystemError);
  EXPECT_THROW(d.absolute("../outside"), RuntimeError);
  // A planted symlink, pointing outside, is refused too.
  fs::create_symlink(root_ / "outside", d.work() / "link.img");
  try {
    d.open("link.img", O_WRONLY | O_TRUNC);
    FAIL() << "followed a symlink";
  } catch (const SystemError& e) {
    EXPECT_EQ(e.err(), ELOOP);
  }
  fs::create_directory_symlink(root_, d.work() / "dirlink");
  EXPECT_THROW(d.open("dirlink/outside", O_WRONLY | O_TRUNC), SystemError);
  EXPECT_THROW(d.make_dirs("dirlink/x"), Error);
  std::ifstream in(root_ / "outside");
  std::string s;
  in >> s;
  EXPECT_EQ(s, "secret");
}

TEST_F(RunDirTest, AtomicWriteLeavesNoTempFile) {
  RunDir d(root_ / "run");
  d.write_file_atomic("report.json", "{}\n");
  d.write_file_atomic("report.json", "{\"a\":1}\n");
  int files = 0;
  for (const auto& e : fs::directory_iterator(d.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 3);  // work/, marker, report.json
}

// The path of a run folder may come to name something else (issue 26: a
// link above it repointed mid-run); work/ is removed beneath the folder's
// descriptor, and the report written there, never through the path.
TEST_F(RunDirTest, WorkAndFilesGoBeneathTheDescriptorNotThroughThePath) {
  fs::path run = root_ / "run", moved = root_ / "moved";
  {
    RunDir d(run);
    fs::rename(run, moved);
    fs::create_directories(run / "work");
    std::ofstream(run / "work" / "precious") << "x";
    d.write_file_atomic("report.json", "{}\n");
  }
  EXPECT_TRUE(fs::exists(run / "work" / "precious")) << "removed through the path";
  EXPECT_FALSE(fs::exists(run / "report.json"));
  EXPECT_TRUE(fs::exists(moved / "report.json"));
  EXPECT_FALSE(fs::exists(moved / "work"));
}

// Every folder made for a run is 0755 whatever the umask, and a link on
// the way is refused before anything is made.
TEST_F(RunDirTest, ParentsAreMadeWithoutTheUmaskAndNeverThroughALink) {
  mode_t old = umask(0);
  { RunDir d(root_ / "a" / "b" / "run"); }
  umask(old);
  struct stat st {};
  ASSERT_EQ(stat((root_ / "a").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(stat((root_ / "a" / "b").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  fs::create_directories(root_ / "elsewhere");
  fs::create_directory_symlink(root_ / "elsewhere", root_ / "link");
  EXPECT_THROW(RunDir(root_ / "link" / "run"), EnvironmentError);
  EXPECT_TRUE(fs::is_empty(root_ / "elsewhere"));
}

TEST_F(RunDirTest, RemoveTreeDoesNotCrossMountPoints) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to mount a tmpfs";
  fs::create_directories(root_ / "t" / "m");
  ASSERT_EQ(system(("mount -t tmpfs none " + (root_ / "t" / "m").string()).c_str()), 0);
  { std::ofstream(root_ / "t" / "m" / "keep") << "x"; }
  { std::ofstream(root_ / "t" / "gone") << "x"; }
  remove_tree_one_fs_at(AT_FDCWD, (root_ / "t").string());
  EXPECT_TRUE(fs::exists(root_ / "t" / "m" / "keep"));
  EXPECT_FALSE(fs::exists(root_ / "t" / "gone"));
  ASSERT_EQ(system(("umount " + (root_ / "t" / "m").string()).c_str()), 0);
}

}  // namespace
}  // namespace harness
