#include "base/private_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "testing/test_support.h"

namespace harness {
namespace {

using testing::TempDir;

mode_t mode_of(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(stat(p.c_str(), &st), 0);
  return st.st_mode & 07777;
}

TEST(PrivateDir, IsCreated0700WhateverTheUmask) {
  TempDir tmp;
  mode_t old = umask(0);
  ensure_private_dir(tmp.path() / "a" / "cache", "the cache");
  umask(old);
  EXPECT_EQ(mode_of(tmp.path() / "a" / "cache"), 0700u);
}

TEST(PrivateDir, AnExistingFolderOthersCouldReadOrWriteIsMadePrivate) {
  TempDir tmp;
  for (mode_t m : {0755, 0777, 01777}) {
    auto d = tmp.path() / std::to_string(m);
    std::filesystem::create_directory(d);
    chmod(d.c_str(), m);
    ensure_private_dir(d, "the cache");
    EXPECT_EQ(mode_of(d), 0700u) << std::oct << m;
  }
}

TEST(PrivateDir, SaysWhyAFolderIsNotOursAlone) {
  struct stat st {};
  st.st_uid = geteuid();
  st.st_mode = S_IFDIR | 0755;
  EXPECT_FALSE(why_not_ours_alone(st));
  st.st_mode = S_IFDIR | 0775;
  EXPECT_NE(why_not_ours_alone(st).value_or("").find("writable"), std::string::npos);
  st.st_uid = geteuid() + 1;
  EXPECT_NE(why_not_ours_alone(st).value_or("").find("owned by uid"), std::string::npos);
}

namespace fs = std::filesystem;

TEST(PrivateDir, SaysWhoCouldRenameWhatAFolderHolds) {
  struct stat st {};
  st.st_uid = 0;
  st.st_mode = S_IFDIR | 0755;
  EXPECT_FALSE(why_others_could_rename_in(st, std::nullopt));
  st.st_mode = S_IFDIR | 01777;  // /tmp: sticky, nobody renames what is not theirs
  EXPECT_FALSE(why_others_could_rename_in(st, std::nullopt));
  st.st_mode = S_IFDIR | 0777;
  EXPECT_NE(why_others_could_rename_in(st, std::nullopt).value_or("").find("without the sticky bit"), std::string::npos);
  st.st_mode = S_IFDIR | 0755;
  st.st_uid = 4242;
  EXPECT_NE(why_others_could_rename_in(st, std::nullopt).value_or("").find("owned by uid 4242"), std::string::npos);
  EXPECT_FALSE(why_others_could_rename_in(st, 4242)) << "the user who ran sudo owns their checkout";
  st.st_mode = S_IFDIR | 01777;
  EXPECT_TRUE(why_others_could_rename_in(st, std::nullopt)) << "a sticky folder's owner still renames anything";
}

TEST(PrivateDir, FindsTheFirstParentOthersCouldRenameIn) {
  testing::TempDir tmp;  // mkdtemp: ours, 0700
  EXPECT_FALSE(untrusted_parent(tmp.path() / "a" / "run")) << "missing folders are made by us";
  fs::create_directories(tmp.path() / "open" / "deeper");
  fs::permissions(tmp.path() / "open", fs::perms::all);  // 0777, not sticky
  auto why = untrusted_parent(tmp.path() / "open" / "deeper" / "run");
  ASSERT_TRUE(why);
  EXPECT_EQ(why->rfind((tmp.path() / "open").string() + ": writable by", 0), 0u) << *why;
}

// issue 26: stat() followed a link in a sticky folder to a root-owned
// folder and called the way safe; its owner could point it elsewhere.
TEST(PrivateDir, ALinkOnTheWayIsNeverTrusted) {
  testing::TempDir tmp;
  fs::create_directories(tmp.path() / "rootowned");
  fs::create_directory_symlink(tmp.path() / "rootowned", tmp.path() / "link");
  auto why = untrusted_parent(tmp.path() / "link" / "run");
  ASSERT_TRUE(why);
  EXPECT_EQ(why->rfind((tmp.path() / "link").string() + ": a symbolic link", 0), 0u) << *why;
  EXPECT_THROW(open_trusted_parent(tmp.path() / "link" / "run", "a run directory"), EnvironmentError);
  EXPECT_THROW(ensure_private_dir(tmp.path() / "link" / "cache", "the cache"), EnvironmentError);
  EXPECT_TRUE(fs::is_empty(tmp.path() / "rootowned"));
}

TEST(PrivateDir, OpensTheParentItChecked) {
  testing::TempDir tmp;
  ScopedFd parent = open_trusted_parent(tmp.path() / "a" / "b" / "run", "a run directory");
  ASSERT_TRUE(parent.is_open());
  struct stat via_fd {}, via_path {};
  ASSERT_EQ(fstat(parent.get(), &via_fd), 0);
  ASSERT_EQ(stat((tmp.path() / "a" / "b").c_str(), &via_path), 0);
  EXPECT_EQ(via_fd.st_ino, via_path.st_ino);
  EXPECT_FALSE(fs::exists(tmp.path() / "a" / "b" / "run")) << "the leaf is the caller's to make";
}

}  // namespace
}  // namespace harness
