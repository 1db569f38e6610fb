#include "vm/vm_cache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "base/error.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

void write(const fs::path& p, const std::string& s) { std::ofstream(p) << s; }

TEST(VmCache, IsCreatedPrivateWithItsParents) {
  TempDir t;
  VmCache c(t.path() / "runs" / ".cache");
  EXPECT_EQ(mode_of(c.dir()), 0700u);
  EXPECT_EQ(c.path("x"), t.path() / "runs" / ".cache" / "x");
}

TEST(VmCache, AnExistingFolderOfOursIsTightened) {
  TempDir t;
  fs::path d = t.path() / ".cache";
  ASSERT_EQ(mkdir(d.c_str(), 0755), 0);
  VmCache c(d);
  EXPECT_EQ(mode_of(d), 0700u);
}

TEST(VmCache, AFolderOfAnotherUserIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give a folder away";
  TempDir t;
  fs::path d = t.path() / ".cache";
  ASSERT_EQ(mkdir(d.c_str(), 0700), 0);
  ASSERT_EQ(chown(d.c_str(), 65534, 65534), 0);
  try {
    VmCache c(d);
    FAIL() << "accepted a cache folder owned by uid 65534";
  } catch (const EnvironmentError& e) {
    EXPECT_NE(std::string(e.what()).find("owned by uid 65534"), std::string::npos) << e.what();
  }
}

TEST(VmCache, AFileInTheWayIsRefused) {
  TempDir t;
  write(t.path() / "f", "x");
  EXPECT_THROW(VmCache(t.path() / "f"), EnvironmentError);
}

// --out /tmp/x put the cache at /tmp/.cache, which anyone could make
// first (issue 26): beside runs in a folder others may write to, the
// default is a root-private place instead.
TEST(VmCache, TheDefaultIsBesideTheRunsOnlyWhenTheirFolderIsOursAlone) {
  TempDir tmp;
  fs::create_directories(tmp.path() / "runs");
  EXPECT_EQ(default_vm_cache_dir(tmp.path() / "runs"), tmp.path() / "runs" / ".cache");
  fs::create_directories(tmp.path() / "shared");
  chmod((tmp.path() / "shared").c_str(), 01777);
  EXPECT_EQ(default_vm_cache_dir(tmp.path() / "shared"), fs::path(kSharedVmCacheDir));
  fs::create_directory_symlink(tmp.path() / "runs", tmp.path() / "link");
  EXPECT_EQ(default_vm_cache_dir(tmp.path() / "link"), fs::path(kSharedVmCacheDir)) << "a link is not ours alone";
}

TEST(VmCache, AnUncommittedFileLeavesNothing) {
  TempDir t;
  VmCache c(t.path() / "c");
  {
    CacheFile f(c.path("a"));
    write(f.temp(), "half");
    EXPECT_NE(f.temp(), f.final_path());
    EXPECT_EQ(f.temp().parent_path(), c.dir());  // beside it: the rename stays on one filesystem
  }
  EXPECT_TRUE(fs::is_empty(c.dir()));
}

TEST(VmCache, CommitReplacesOrKeepsTheExistingFile) {
  TempDir t;
  VmCache c(t.path() / "c");
  write(c.path("a"), "old");
  {
    CacheFile f(c.path("a"));
    write(f.temp(), "new");
    EXPECT_FALSE(f.commit(CacheFile::Commit::keep_existing));
  }
  EXPECT_EQ(testing::slurp(c.path("a")), "old");
  {
    CacheFile f(c.path("a"));
    write(f.temp(), "new");
    EXPECT_TRUE(f.commit());
  }
  EXPECT_EQ(testing::slurp(c.path("a")), "new");
  EXPECT_EQ(std::distance(fs::directory_iterator(c.dir()), fs::directory_iterator()), 1);
}

TEST(VmCache, CommitWithoutATemporaryFailsWithTheName) {
  TempDir t;
  VmCache c(t.path() / "c");
  CacheFile f(c.path("a"));
  try {
    f.commit();
    FAIL();
  } catch (const EnvironmentError& e) {
    EXPECT_NE(std::string(e.what()).find("/c/a: cannot move into the VM cache"), std::string::npos) << e.what();
  }
}

TEST(VmCache, TemporariesOfTwoThreadsDiffer) {
  TempDir t;
  VmCache c(t.path() / "c");
  CacheFile a(c.path("x"));
  fs::path other;
  std::thread([&] { other = CacheFile(c.path("x")).temp(); }).join();
  EXPECT_NE(a.temp(), other);
}

TEST(VmCache, PruneKeepsTheNewestOfAPrefix) {
  TempDir t;
  VmCache c(t.path() / "c");
  auto now = fs::file_time_type::clock::now();
  for (int i = 0; i < 4; ++i) {
    write(c.path("initramfs-" + std::to_string(i)), "x");
    fs::last_write_time(c.path("initramfs-" + std::to_string(i)), now - std::chrono::hours(10 - i));
  }
  write(c.path("initramfs-9.tmp.1.2"), "being written");
  write(c.path("agent-1"), "x");
  c.prune("initramfs-", 2);
  EXPECT_FALSE(fs::exists(c.path("initramfs-0")));
  EXPECT_FALSE(fs::exists(c.path("initramfs-1")));
  EXPECT_TRUE(fs::exists(c.path("initramfs-2")));
  EXPECT_TRUE(fs::exists(c.path("initramfs-3")));
  EXPECT_TRUE(fs::exists(c.path("initramfs-9.tmp.1.2")));
  EXPECT_TRUE(fs::exists(c.path("agent-1")));
}

}  // namespace
}  // namespace harness
