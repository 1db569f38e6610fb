#include "vm/guest_files.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/error.h"
#include "base/program_lookup.h"
#include "core/scenario.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

// A scenario file in a folder of its own, with files beside it.
class GuestFilesTest : public ::testing::Test {
 protected:
  fs::path dir() const { return tmp_.path() / "gate"; }
  void file(const std::string& rel, const std::string& text, fs::perms mode = fs::perms::owner_read | fs::perms::owner_write) {
    fs::create_directories((dir() / rel).parent_path());
    std::ofstream(dir() / rel) << text;
    fs::permissions(dir() / rel, mode);
  }
  // The scenario with these setup argvs (JSON arrays) and programs.
  Scenario scenario(const std::vector<std::string>& setup, const std::string& programs = "[]") {
    std::string steps;
    for (const auto& a : setup) steps += std::string(steps.empty() ? "" : ",") + R"({"action": "run", "argv": )" + a + "}";
    std::string text = R"({"name": "t", "timeout_s": 10, "programs": )" + programs + R"(, "setup": [)" + steps + R"(],
      "workload": {"argv": ["/bin/true"], "iterations": 1},
      "expect": [{"classes": ["abnormal"], "at_most": 0}]})";
    fs::create_directories(dir());
    std::ofstream(dir() / "gate.json") << text;
    return load_scenario(dir() / "gate.json");
  }
  std::vector<GuestFile> files(const Scenario& s) { return guest_files(s, default_plan_paths(s, "/tmp/r/work")); }
  std::string why(const std::vector<GuestFile>& v, const fs::path& p) {
    for (const auto& f : v)
      if (f.path == p) return f.why;
    return "";
  }
  static bool has_name(const std::vector<GuestFile>& v, const std::string& name) {
    for (const auto& f : v)
      if (f.path.filename() == name) return true;
    return false;
  }
  std::string refusal(const Scenario& s) {
    try {
      files(s);
    } catch (const ScenarioError& e) {
      return e.what();
    }
    return "(not refused)";
  }
  testing::TempDir tmp_;
};

// What the scenario names comes along, with why; what an argument merely
// mentions elsewhere on the host does not.
TEST_F(GuestFilesTest, TheScriptsAndProgramsTheScenarioNamesButNoOtherHostFile) {
  file("deploy.sh", "#!/bin/sh\nrsync \"$1\" \"$2\"\n");
  Scenario s = scenario({R"(["/bin/sh", "{scenario_dir}/deploy.sh", "{work}/store", "/etc/shadow"])",
                         R"(["cp", "/etc/shadow", "x"])", R"(["cat", "/etc/passwd", "{scenario_dir}/no-such-output"])"},
                        R"(["sha256sum"])");
  auto v = files(s);
  EXPECT_EQ(why(v, dir() / "gate.json"), "the scenario file");
  EXPECT_EQ(why(v, dir() / "deploy.sh"), "$.setup[0].argv[1]");
  EXPECT_EQ(why(v, lookup_program("cp").path), "$.setup[1].argv[0]");
  EXPECT_EQ(why(v, lookup_program("sha256sum").path), "$.programs[0]");
  EXPECT_EQ(why(v, "/bin/sh"), "$.setup[0].argv[0]");
  EXPECT_TRUE(has_name(v, "libc.so.6"));
  for (const auto& f : v) {
    EXPECT_NE(f.path, "/etc/shadow");
    EXPECT_NE(f.path, "/etc/passwd");
    EXPECT_EQ(f.path.string().find("/tmp/r/work"), std::string::npos) << f.path;
  }
}

TEST_F(GuestFilesTest, AFolderBeneathTheScenarioComesWhole) {
  file("payload/a.txt", "a");
  file("payload/sub/b.txt", "b");
  auto v = files(scenario({R"(["cp", "-r", "{scenario_dir}/payload", "{work}/x"])"}));
  EXPECT_EQ(why(v, dir() / "payload/sub/b.txt"), "$.setup[0].argv[2]");
  EXPECT_EQ(why(v, dir() / "payload/a.txt"), "$.setup[0].argv[2]");
}

// A script's #! interpreter comes with it, and through env the program env runs.
TEST_F(GuestFilesTest, AScriptBringsItsInterpreterEvenThroughEnv) {
  file("run.sh", "#!/usr/bin/env bash\necho hi\n", fs::perms::owner_all);
  auto v = files(scenario({R"(["{scenario_dir}/run.sh"])"}));
  EXPECT_EQ(why(v, lookup_program("bash").path), "$.setup[0].argv[0]");
  EXPECT_EQ(why(v, "/usr/bin/env"), "needed by " + (dir() / "run.sh").string());
}

TEST_F(GuestFilesTest, WhatCannotBeBroughtInIsAScenarioErrorAtItsField) {
  fs::create_directories(tmp_.path() / "elsewhere");
  std::ofstream(tmp_.path() / "elsewhere/deploy.sh") << "#!/bin/sh\n";
  std::string other = (tmp_.path() / "elsewhere/deploy.sh").string();
  // An interpreter's script outside {scenario_dir}: the guest would not have it.
  std::string e = refusal(scenario({R"(["/bin/sh", ")" + other + R"(", "x"])"}));
  EXPECT_NE(e.find("$.setup[0].argv[1]: " + other + " is the script this command runs, but the guest would not have it"),
            std::string::npos) << e;
  EXPECT_NE(e.find("add \"" + other + "\" to \"programs\""), std::string::npos) << e;
  // ... unless "programs" lists it.
  EXPECT_NO_THROW(files(scenario({R"(["/bin/sh", ")" + other + R"(", "x"])"}, R"([")" + other + R"("])")));
  // A script beneath it that does not exist.
  e = refusal(scenario({R"(["/bin/sh", "{scenario_dir}/deploi.sh"])"}));
  EXPECT_NE(e.find("$.setup[0].argv[1]: " + (dir() / "deploi.sh").string() + " does not exist"), std::string::npos) << e;
  // A link beneath it that leads outside.
  fs::create_directories(dir());
  fs::create_symlink("/etc/shadow", dir() / "secret");
  e = refusal(scenario({R"(["cat", "{scenario_dir}/secret"])"}));
  EXPECT_NE(e.find("leads outside {scenario_dir}"), std::string::npos) << e;
  // A declared program that is nowhere.
  e = refusal(scenario({}, R"(["no-such-program-xyz"])"));
  EXPECT_NE(e.find("$.programs[0]: no-such-program-xyz was not found in PATH"), std::string::npos) << e;
  // A script whose #! interpreter does not exist.
  file("old.sh", "#!/usr/bin/no-such-shell\n", fs::perms::owner_all);
  e = refusal(scenario({R"(["{scenario_dir}/old.sh"])"}));
  EXPECT_NE(e.find("#! interpreter /usr/bin/no-such-shell does not exist"), std::string::npos) << e;
}

}  // namespace
}  // namespace harness
