#include "base/program_lookup.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>

#include "testing/test_support.h"

namespace harness {
namespace {

using testing::has;

namespace fs = std::filesystem;
using ::harness::testing::TempDir;

fs::path write_file(const fs::path& p, const std::string& text, mode_t mode) {
  std::ofstream(p) << text;
  chmod(p.c_str(), mode);
  return p;
}


TEST(ProgramLookup, AnAbsolutePathThatDoesNotExistIsENOENTAndNeverBlamesPath) {
  auto r = lookup_program("/nonexistent/dir/install.sh");
  EXPECT_FALSE(r.found());
  EXPECT_EQ(r.err, ENOENT);
  EXPECT_EQ(r.why, "/nonexistent/dir/install.sh does not exist (ENOENT)");
  EXPECT_FALSE(has(r.why, "PATH")) << r.why;
}

TEST(ProgramLookup, AFileWithoutExecuteBitsIsEACCES) {
  TempDir tmp;
  auto p = write_file(tmp.path() / "install.sh", "#!/bin/sh\n", 0644);
  auto r = lookup_program(p.string());
  EXPECT_EQ(r.err, EACCES) << r.why;
  EXPECT_TRUE(has(r.why, "is not executable (EACCES)")) << r.why;
}

TEST(ProgramLookup, ADirectoryIsEACCES) {
  TempDir tmp;
  auto r = lookup_program(tmp.path().string());
  EXPECT_EQ(r.err, EACCES) << r.why;
  EXPECT_TRUE(has(r.why, "is a directory")) << r.why;
}

TEST(ProgramLookup, AnExecutableTextFileWithoutShebangIsENOEXEC) {
  TempDir tmp;
  auto p = write_file(tmp.path() / "install.sh", "cp a b\n", 0755);
  auto r = lookup_program(p.string());
  EXPECT_EQ(r.err, ENOEXEC) << r.why;
  EXPECT_TRUE(has(r.why, "(ENOEXEC)")) << r.why;
}

TEST(ProgramLookup, ScriptsAndElfBinariesAreFound) {
  TempDir tmp;
  auto p = write_file(tmp.path() / "install.sh", "#!/bin/sh\nexit 0\n", 0755);
  auto r = lookup_program(p.string());
  EXPECT_TRUE(r.found()) << r.why;
  EXPECT_EQ(r.path, p);
  auto sh = lookup_program("/bin/sh");
  EXPECT_TRUE(sh.found()) << sh.why;
}

TEST(ProgramLookup, ABareNameIsSearchedInPathAndSbin) {
  auto r = lookup_program("sh");
  ASSERT_TRUE(r.found()) << r.why;
  EXPECT_EQ(r.path.filename(), "sh");
  auto mkfs = lookup_program("mkfs.ext4");  // in /sbin, often outside a user's PATH
  EXPECT_TRUE(mkfs.found()) << mkfs.why;
  auto missing = lookup_program("no-such-program-harness");
  EXPECT_EQ(missing.err, ENOENT);
  EXPECT_TRUE(has(missing.why, "no-such-program-harness was not found in PATH (")) << missing.why;
}

TEST(ProgramLookup, ABareNamePassesOverAnUnusableFileInPathAsExecvpDoes) {
  TempDir tmp;
  fs::create_directories(tmp.path() / "a");
  fs::create_directories(tmp.path() / "b");
  write_file(tmp.path() / "a" / "tool", "#!/bin/sh\n", 0644);
  auto good = write_file(tmp.path() / "b" / "tool", "#!/bin/sh\n", 0755);
  std::string old = std::getenv("PATH") ? std::getenv("PATH") : "";
  setenv("PATH", ((tmp.path() / "a").string() + ":" + (tmp.path() / "b").string()).c_str(), 1);
  auto r = lookup_program("tool");
  setenv("PATH", ((tmp.path() / "a").string()).c_str(), 1);
  auto only_bad = lookup_program("tool");
  setenv("PATH", old.c_str(), 1);
  EXPECT_TRUE(r.found()) << r.why;
  EXPECT_EQ(r.path, good);
  EXPECT_EQ(only_bad.err, EACCES) << only_bad.why;
}

}  // namespace
}  // namespace harness
