#include "vm/guest_artifacts.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "base/child.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

std::string written(const Initramfs& ir) {
  std::ostringstream os;
  ir.write(os);
  return os.str();
}

size_t files_named(const fs::path& dir, const std::string& prefix) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind(prefix, 0) == 0) ++n;
  return n;
}

TEST(GuestArtifacts, AnInitramfsIsWrittenOnceAndFoundAgain) {
  testing::TempDir tmp;
  VmCache cache(tmp.path() / "cache");
  Initramfs ir;
  ir.add_bytes("/init", "#!/bin/sh\n", 0755);
  bool hit = true;
  fs::path first = ensure_initramfs(ir, cache, hit);
  EXPECT_FALSE(hit);
  EXPECT_EQ(first.parent_path(), cache.dir());
  EXPECT_EQ(first.filename().string().rfind("initramfs-", 0), 0u) << first;
  EXPECT_EQ(testing::slurp(first), written(ir)) << "the archive itself";
  fs::path again = ensure_initramfs(ir, cache, hit);
  EXPECT_TRUE(hit);
  EXPECT_EQ(again, first);
  // Other contents, another file.
  ir.add_bytes("/etc/motd", "hello\n");
  fs::path other = ensure_initramfs(ir, cache, hit);
  EXPECT_FALSE(hit);
  EXPECT_NE(other, first);
  EXPECT_EQ(files_named(cache.dir(), "initramfs-"), 2u) << "no temporaries left beside them";
}

TEST(GuestArtifacts, OnlyTheEightMostRecentInitramfsAreKept) {
  testing::TempDir tmp;
  VmCache cache(tmp.path() / "cache");
  bool hit = false;
  for (int i = 0; i < 10; ++i) {
    Initramfs ir;
    ir.add_bytes("/n", std::to_string(i));
    ensure_initramfs(ir, cache, hit);
  }
  EXPECT_EQ(files_named(cache.dir(), "initramfs-"), 8u);
}

TEST(GuestArtifacts, AnAgentThatCannotBeStrippedIsUsedAsItIs) {
  testing::TempDir tmp;
  VmCache cache(tmp.path() / "cache");
  EXPECT_EQ(stripped_agent(tmp.path() / "missing", cache), tmp.path() / "missing");
  fs::path text = tmp.path() / "not-elf";
  std::ofstream(text) << "no ELF here";
  EXPECT_EQ(stripped_agent(text, cache), text) << "objcopy refuses it (or is not installed)";
  EXPECT_EQ(files_named(cache.dir(), "agent-"), 0u);
}

TEST(GuestArtifacts, AStrippedAgentIsCachedPerBinary) {
  if (!find_program("objcopy")) GTEST_SKIP() << "no objcopy (binutils) here: the agent is used unstripped";
  testing::TempDir tmp;
  VmCache cache(tmp.path() / "cache");
  fs::path exe = tmp.path() / "agent";
  fs::copy_file(std::string(TESTPROGS_DIR) + "/exit_n", exe);
  fs::path stripped = stripped_agent(exe, cache);
  EXPECT_NE(stripped, exe);
  EXPECT_EQ(stripped.parent_path(), cache.dir());
  EXPECT_TRUE(fs::is_regular_file(stripped));
  EXPECT_EQ(stripped_agent(exe, cache), stripped) << "found again, not made again";
  // Another binary is another entry.
  fs::path other = tmp.path() / "agent2";
  fs::copy_file(std::string(TESTPROGS_DIR) + "/sleep_ms", other);
  fs::path stripped_other = stripped_agent(other, cache);
  EXPECT_NE(stripped_other, stripped);
  EXPECT_NE(stripped_other, other);
}

}  // namespace
}  // namespace harness
