#include "core/host_path_policy.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <gtest/gtest.h>

#include "base/error.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

void write(const fs::path& p, mode_t mode) {
  std::ofstream(p) << "x";
  ::chmod(p.c_str(), mode);
}

struct HostPathPolicyTest : ::testing::Test {
  TempDir t;
  fs::path scen = t.path() / "scenario";
  fs::path allowed = t.path() / "allowed";
  fs::path libs = t.path() / "lib";
  fs::path elsewhere = t.path() / "elsewhere";
  HostPathPolicy policy{{allowed}, {libs}};
  void SetUp() override {
    ::chmod(t.path().c_str(), 0711);  // everyone reaches what is public in it
    for (const auto& d : {scen, allowed, libs, elsewhere}) fs::create_directories(d);
    write(scen / "payload.bin", 0644);
    write(allowed / "tool", 0755);
    write(libs / "libc.so.6", 0644);
    write(libs / "secret.so", 0600);
    write(elsewhere / "file", 0644);
  }
};

TEST_F(HostPathPolicyTest, TheScenariosOwnFolderAndTheOperatorsFoldersHoldAnything) {
  EXPECT_FALSE(policy.refusal(scen / "payload.bin", HostUse::data, scen));
  EXPECT_FALSE(policy.refusal(allowed / "tool", HostUse::program, scen));
  EXPECT_FALSE(policy.refusal(allowed / "tool", HostUse::data, scen));
}

TEST_F(HostPathPolicyTest, AnyOtherFileIsRefusedAndTheMessageSaysWhatToDo) {
  auto why = policy.refusal(elsewhere / "file", HostUse::data, scen);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("--allow-host-path"), std::string::npos) << *why;
  EXPECT_NE(why->find(scen.string()), std::string::npos) << *why;
  EXPECT_TRUE(policy.refusal("/etc/shadow", HostUse::data, scen));
  EXPECT_TRUE(policy.refusal("/etc/shadow", HostUse::program, scen));
  EXPECT_TRUE(policy.refusal("/etc/shadow", HostUse::library, scen));
}

TEST_F(HostPathPolicyTest, DotDotAndLinksAreJudgedByWhereTheyLead) {
  EXPECT_TRUE(policy.refusal(scen / ".." / "elsewhere" / "file", HostUse::data, scen));
  fs::create_symlink(elsewhere / "file", scen / "link");
  auto why = policy.refusal(scen / "link", HostUse::data, scen);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("not the scenario's to name"), std::string::npos) << *why;
  fs::create_symlink("/etc", scen / "etc");
  EXPECT_TRUE(policy.refusal(scen / "etc" / "shadow", HostUse::data, scen));
}

TEST_F(HostPathPolicyTest, StandardProgramFoldersGiveExecutablesOnly) {
  EXPECT_FALSE(policy.refusal("/bin/sh", HostUse::program, scen));
  EXPECT_FALSE(policy.refusal("/usr/bin/env", HostUse::program, scen));
  EXPECT_FALSE(policy.refusal("/bin/sleep", HostUse::data, scen)) << "copied into an image, as scenarios/ do";
  EXPECT_TRUE(policy.refusal("/bin/sh", HostUse::library, scen));
}

TEST_F(HostPathPolicyTest, LibraryFoldersGiveWhatEveryoneMayReadAndNoData) {
  EXPECT_FALSE(policy.refusal(libs / "libc.so.6", HostUse::library, scen));
  EXPECT_TRUE(policy.refusal(libs / "secret.so", HostUse::library, scen));
  EXPECT_TRUE(policy.refusal(libs / "libc.so.6", HostUse::data, scen));
  // A program there must be one everyone may run.
  EXPECT_TRUE(policy.refusal(libs / "libc.so.6", HostUse::program, scen));
}

TEST_F(HostPathPolicyTest, AlsoAllowingWidensACopyOnly) {
  HostPathPolicy wider = policy.also_allowing(elsewhere);
  EXPECT_FALSE(wider.refusal(elsewhere / "file", HostUse::data, scen));
  EXPECT_TRUE(policy.refusal(elsewhere / "file", HostUse::data, scen));
}

TEST_F(HostPathPolicyTest, AScenarioInTheRootFolderDoesNotMakeTheMachineItsFolder) {
  EXPECT_TRUE(policy.refusal("/etc/shadow", HostUse::data, "/"));
  EXPECT_TRUE(policy.refusal(elsewhere / "file", HostUse::data, "/"));
}

// A link that leads nowhere yet is judged by nothing: whoever makes its
// target later (a link to /etc/shadow, in a folder they may write to)
// chooses what is read. Refused, and so is a missing file.
TEST_F(HostPathPolicyTest, ALinkThatLeadsNowhereIsRefused) {
  fs::create_symlink(elsewhere / "not-yet", scen / "dangling");
  fs::create_symlink(elsewhere / "file", scen / "there");
  auto dangling = policy.refusal(scen / "dangling", HostUse::data, scen);
  auto there = policy.refusal(scen / "there", HostUse::data, scen);
  ASSERT_TRUE(dangling && there);
  // The same answer whether the target exists: no oracle of the host.
  EXPECT_EQ(dangling->substr((scen / "dangling").string().size()), there->substr((scen / "there").string().size()));
  EXPECT_NE(dangling->find("not the scenario's to name"), std::string::npos) << *dangling;
  auto missing = policy.refusal(scen / "missing", HostUse::data, scen);
  ASSERT_TRUE(missing);
  EXPECT_NE(missing->find("does not exist beneath the scenario's folder"), std::string::npos) << *missing;
}

// Where a path leads must be for no one else to change before it is
// read: a link on the way through a folder others may write in is.
TEST_F(HostPathPolicyTest, APathThroughAFolderOthersMayWriteInIsRefused) {
  const fs::path shared = t.path() / "shared";
  const fs::path mine = shared / "scen";
  fs::create_directories(mine);
  write(mine / "f", 0644);
  EXPECT_FALSE(policy.refusal(mine / "f", HostUse::data, mine)) << "0755: only root writes in it";
  ::chmod(shared.c_str(), 0777);
  auto why = policy.refusal(mine / "f", HostUse::data, mine);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("could be made to lead elsewhere"), std::string::npos) << *why;
  // Sticky (as /tmp), the entry must still be a trusted user's.
  ::chmod(shared.c_str(), 01777);
  EXPECT_FALSE(policy.refusal(mine / "f", HostUse::data, mine)) << "root's folder in a sticky folder";
  if (geteuid() == 0) {
    ASSERT_EQ(::chown(mine.c_str(), 65534, 65534), 0);
    why = policy.refusal(mine / "f", HostUse::data, mine);
    ASSERT_TRUE(why);
    EXPECT_NE(why->find("could be made to lead elsewhere"), std::string::npos) << *why;
  }
  // A link that leads through a folder outside every folder it may be
  // named from is refused, whoever may write there.
  fs::create_directories(t.path() / "hopdir");
  fs::create_symlink(scen / "payload.bin", t.path() / "hopdir" / "hop");
  fs::create_symlink(t.path() / "hopdir" / "hop", scen / "via-outside");
  EXPECT_TRUE(policy.refusal(scen / "via-outside", HostUse::data, scen));
}

// /tmp is no scenario's own folder: anyone may add a file to it that a
// later run would bring in.
TEST_F(HostPathPolicyTest, AFolderOthersMayWriteInIsNoScenariosOwnFolder) {
  ::chmod(scen.c_str(), 01777);
  auto why = policy.refusal(scen / "payload.bin", HostUse::data, scen);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("writable by its group or by others (mode 1777)"), std::string::npos) << *why;
  ::chmod(allowed.c_str(), 0775);
  EXPECT_TRUE(policy.refusal(allowed / "tool", HostUse::program, scen)) << "an allowed folder alike";
}

// Beneath the scenario's folder: no folder others may write to (a sticky
// one takes their hard link to a root-only file), no hidden name (a
// checkout's .git/config holds a CI token), no file with another hard link.
TEST_F(HostPathPolicyTest, BeneathItsFolderNothingHiddenSharedOrHardLinked) {
  fs::create_directories(scen / "sub" / ".git");
  write(scen / "sub" / ".git" / "config", 0644);
  write(scen / "sub" / "ok", 0644);
  EXPECT_FALSE(policy.refusal(scen / "sub" / "ok", HostUse::data, scen));
  auto hidden = policy.refusal(scen / "sub" / ".git" / "config", HostUse::data, scen);
  ASSERT_TRUE(hidden);
  EXPECT_NE(hidden->find("is hidden"), std::string::npos) << *hidden;
  fs::create_hard_link(scen / "sub" / "ok", scen / "sub" / "twin");
  auto twin = policy.refusal(scen / "sub" / "ok", HostUse::data, scen);
  ASSERT_TRUE(twin);
  EXPECT_NE(twin->find("has 2 hard links"), std::string::npos) << *twin;
  fs::remove(scen / "sub" / "twin");
  ::chmod((scen / "sub").c_str(), 01777);
  auto shared = policy.refusal(scen / "sub" / "ok", HostUse::data, scen);
  ASSERT_TRUE(shared);
  EXPECT_NE(shared->find("the folder " + (scen / "sub").string() + " is writable by its group or by others"),
            std::string::npos)
      << *shared;
}

// "Everyone may read it" means everyone reaches it too: a 0644 library in
// a 0700 folder is not public.
TEST_F(HostPathPolicyTest, APublicFileMustBeReachableByEveryone) {
  EXPECT_FALSE(policy.refusal(libs / "libc.so.6", HostUse::library, scen));
  ::chmod(libs.c_str(), 0700);
  EXPECT_TRUE(policy.refusal(libs / "libc.so.6", HostUse::library, scen));
}

TEST_F(HostPathPolicyTest, TheRootFolderIsNeverAnAllowedOne) {
  EXPECT_THROW(policy.also_allowing("/"), Error);
  HostPathPolicy everything{{"/"}, {}};
  EXPECT_TRUE(everything.refusal(elsewhere / "file", HostUse::data, scen));
  // Nor under another name: a link to /, or /proc/self/root.
  fs::create_symlink("/", t.path() / "rootlink");
  EXPECT_THROW(policy.also_allowing(t.path() / "rootlink"), Error);
  for (const fs::path& d : {t.path() / "rootlink", fs::path("/proc/self/root")}) {
    HostPathPolicy via{{d}, {}};
    EXPECT_TRUE(via.refusal(d / "etc" / "shadow", HostUse::data, scen)) << d;
    EXPECT_TRUE(via.refusal("/etc/shadow", HostUse::data, scen)) << d;
  }
}

// The third review: a link in the middle of a path that leads nowhere, or
// ".." in a link's target resolved through a folder outside, still told
// whether a host path existed. The walk looks at no place outside.
TEST_F(HostPathPolicyTest, NoLinkOnTheWayTellsWhetherAPathOutsideExists) {
  fs::create_directories(elsewhere / "existsdir");
  fs::create_symlink(elsewhere, scen / "R1");
  fs::create_symlink(t.path() / "nowhere", scen / "R2");
  write(scen / "f", 0644);
  fs::create_symlink(elsewhere / "existsdir" / ".." / ".." / "scenario" / "f", scen / "E");
  fs::create_symlink(elsewhere / "missing" / ".." / ".." / "scenario" / "f", scen / "M");
  auto tail = [&](const fs::path& p) {
    auto why = policy.refusal(p, HostUse::data, scen);
    EXPECT_TRUE(why) << p;
    return why ? why->substr(p.string().size()) : std::string();
  };
  EXPECT_EQ(tail(scen / "R1" / "sub"), tail(scen / "R2" / "sub"));
  EXPECT_EQ(tail(scen / "E"), tail(scen / "M"));
}

// The fourth review: "scen/lnk/../out/x" was judged as "scen/out/x" (the
// text's ".." first) while the kernel opens it after following lnk, out of
// the folder. A path that names ".." is refused, whatever exists.
TEST_F(HostPathPolicyTest, APathThatNamesDotDotIsRefusedWhateverExists) {
  fs::create_directories(scen / "out");
  write(scen / "out" / "x", 0755);
  fs::create_directories(elsewhere / "out");
  fs::create_symlink(elsewhere / "sub", scen / "lnk");
  fs::create_directories(elsewhere / "sub");
  const fs::path p = scen / "lnk" / ".." / "out" / "x";
  auto absent = policy.refusal(p, HostUse::program, scen);
  write(elsewhere / "out" / "x", 0755);
  auto present = policy.refusal(p, HostUse::program, scen);
  ASSERT_TRUE(absent && present);
  EXPECT_EQ(*absent, *present);
  EXPECT_NE(absent->find("names \"..\""), std::string::npos) << *absent;
}

// A chain of links full of "d/../" is refused after a bounded walk, not
// followed for minutes.
TEST_F(HostPathPolicyTest, ALongChainOfLinksIsRefusedQuickly) {
  fs::create_directories(scen / "d");
  std::string up;
  for (int i = 0; i < 800; ++i) up += "d/../";
  for (int i = 40; i >= 1; --i)
    fs::create_symlink(up + (i == 40 ? std::string("payload.bin") : "l" + std::to_string(i + 1)), scen / ("l" + std::to_string(i)));
  const auto began = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(policy.refusal(scen / "l1", HostUse::data, scen));
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(10));
}

// A refusal of a path outside the folders a scenario may name reads the
// same whether the path exists or not.
TEST_F(HostPathPolicyTest, ARefusalSaysNothingOfWhetherAPathOutsideExists) {
  auto there = policy.refusal(elsewhere / "file", HostUse::data, scen);
  auto absent = policy.refusal(elsewhere / "nothing", HostUse::data, scen);
  ASSERT_TRUE(there && absent);
  EXPECT_EQ(there->substr((elsewhere / "file").string().size()), absent->substr((elsewhere / "nothing").string().size()));
}

}  // namespace
}  // namespace harness
