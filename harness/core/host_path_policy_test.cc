#include "core/host_path_policy.h"

#include <sys/stat.h>

#include <fstream>
#include <gtest/gtest.h>

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
  EXPECT_FALSE(policy.refusal(scen / "missing-made-later", HostUse::data, scen));
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
  EXPECT_NE(why->find("leads to"), std::string::npos) << *why;
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

}  // namespace
}  // namespace harness
