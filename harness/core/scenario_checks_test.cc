#include "core/scenario_checks.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>
#include <fstream>

#include "testing/test_support.h"

namespace harness {
namespace {

using testing::has;

namespace fs = std::filesystem;
using ::harness::testing::TempDir;


// A gate-like scenario whose installer is a script beside it.
std::string gate(const std::string& installer_argv0, const std::string& workload_argv0 = "{work}/mnt/app/sleep") {
  return R"({
  "name": "gate",
  "timeout_s": 60,
  "images": [{"name": "app", "path": "store/app.img", "size_mib": 4}],
  "setup": [{"action": "run", "argv": [")" + installer_argv0 + R"(", "{work}/store", "{work}/data", "app"]}],
  "mounts": [{"image": "data/app.img", "mountpoint": "mnt/app"}],
  "workload": {"argv": [")" + workload_argv0 + R"(", "0.001"], "iterations": 10},
  "faults": [{"name": "redeploy", "schedule": {"kind": "every", "interval_ms": 300},
              "actions": [{"action": "run", "argv": [")" + installer_argv0 + R"(", "{work}/store", "{work}/data", "app"]}]}],
  "expect": [{"no_write_while_mounted": "data/app.img"}]
})";
}

struct Dir {
  TempDir tmp;
  fs::path file() const { return tmp.path() / "gate.json"; }
  Scenario load(const std::string& text) const {
    std::ofstream(file()) << text;
    return load_scenario(file());
  }
  void script(const std::string& name, const std::string& text, mode_t mode) const {
    fs::path p = tmp.path() / name;
    std::ofstream(p) << text;
    chmod(p.c_str(), mode);
  }
};

ScenarioError programs_error(const Scenario& s) {
  try {
    check_programs(s, default_plan_paths(s, fs::path()));
  } catch (const ScenarioError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a ScenarioError";
  return ScenarioError("", 0, 0, "", "");
}

TEST(ScenarioChecks, AMissingScriptBesideTheScenarioNamesItsFieldAndErrno) {
  Dir d;
  d.script("install.sh", "#!/bin/sh\n", 0755);
  Scenario s = d.load(gate("{scenario_dir}/instal.sh"));
  ScenarioError e = programs_error(s);
  // The first program named: the setup action's, located like a parse error.
  EXPECT_EQ(e.json_path(), "$.setup[0].argv[0]");
  EXPECT_EQ(e.line(), 5);
  EXPECT_EQ(e.col(), 40);  // the string, where it starts
  EXPECT_TRUE(has(e.message(), (d.tmp.path() / "instal.sh").string() + " does not exist (ENOENT)")) << e.what();
  EXPECT_TRUE(has(e.message(), "(written \"{scenario_dir}/instal.sh\")")) << e.what();
  EXPECT_TRUE(has(e.message(), "did you mean \"" + (d.tmp.path() / "install.sh").string() + "\"?")) << e.what();
  EXPECT_FALSE(has(e.message(), "PATH")) << e.what();
  EXPECT_TRUE(has(e.what(), d.file().string() + ":5:40: $.setup[0].argv[0]: ")) << e.what();
}

TEST(ScenarioChecks, AFaultsRunActionIsCheckedToo) {
  Dir d;
  d.script("install.sh", "#!/bin/sh\n", 0755);
  std::string text = gate("{scenario_dir}/install.sh");
  // Only the fault's program is wrong.
  size_t at = text.rfind("{scenario_dir}/install.sh");
  text.replace(at, std::string("{scenario_dir}/install.sh").size(), "{scenario_dir}/gone.sh");
  ScenarioError e = programs_error(d.load(text));
  EXPECT_EQ(e.json_path(), "$.faults[0].actions[0].argv[0]");
  EXPECT_TRUE(has(e.message(), "gone.sh does not exist (ENOENT)")) << e.what();
}

TEST(ScenarioChecks, AScriptThatCannotRunIsEACCESOrENOEXEC) {
  Dir d;
  d.script("install.sh", "#!/bin/sh\n", 0644);
  ScenarioError e = programs_error(d.load(gate("{scenario_dir}/install.sh")));
  EXPECT_TRUE(has(e.message(), "is not executable (EACCES)")) << e.what();
  d.script("install.sh", "cp a b\n", 0755);
  e = programs_error(d.load(gate("{scenario_dir}/install.sh")));
  EXPECT_TRUE(has(e.message(), "(ENOEXEC)")) << e.what();
}

TEST(ScenarioChecks, ABareWorkloadNameIsRefusedWithItsPath) {
  Dir d;
  d.script("install.sh", "#!/bin/sh\n", 0755);
  ScenarioError e = programs_error(d.load(gate("{scenario_dir}/install.sh", "sleep")));
  EXPECT_EQ(e.json_path(), "$.workload.argv[0]");
  EXPECT_TRUE(has(e.message(), "started without a PATH search")) << e.what();
  EXPECT_TRUE(has(e.message(), "/sleep\")")) << e.what();  // the path it would want
}

TEST(ScenarioChecks, ProgramsThatExistAndProgramsUnderWorkPass) {
  Dir d;
  d.script("install.sh", "#!/bin/sh\n", 0755);
  Scenario s = d.load(gate("{scenario_dir}/install.sh"));
  EXPECT_NO_THROW(check_programs(s, default_plan_paths(s, fs::path())));
  // Bare run-action names are searched in PATH.
  Scenario t = d.load(gate("cp"));
  EXPECT_NO_THROW(check_programs(t, default_plan_paths(t, fs::path())));
}

ExecEvent failed_exec(int err) {
  ExecEvent e;
  e.phase = ExecPhase::warmup;
  e.outcome = classify_exec_failure(err);
  return e;
}

// "programs" are checked where the run happens, as argv[0] is: a bare name
// in PATH; a path need only be a file (a script run through sh, or one a
// script sources). A finally action's program is checked too.
TEST(ScenarioChecks, DeclaredProgramsAndFinallyActionsAreChecked) {
  Dir d;
  d.script("install.sh", "#!/bin/sh\n", 0755);
  d.script("lib.sh", "x=1\n", 0644);
  std::string text = gate("{scenario_dir}/install.sh");
  text.insert(text.find("\"timeout_s\""), R"("programs": ["sha256sum", "{scenario_dir}/lib.sh"], )");
  Scenario ok = d.load(text);
  EXPECT_NO_THROW(check_programs(ok, default_plan_paths(ok, fs::path())));
  std::string bad = text;
  bad.replace(bad.find("sha256sum"), 9, "sha265sum");
  ScenarioError e = programs_error(d.load(bad));
  EXPECT_EQ(e.json_path(), "$.programs[0]");
  EXPECT_TRUE(has(e.message(), "sha265sum was not found in PATH")) << e.what();
  bad = text;
  bad.replace(bad.find("lib.sh"), 6, "lob.sh");
  e = programs_error(d.load(bad));
  EXPECT_EQ(e.json_path(), "$.programs[1]");
  EXPECT_TRUE(has(e.message(), "lob.sh does not exist (ENOENT) (written \"{scenario_dir}/lob.sh\")")) << e.what();
  std::string fin = gate("{scenario_dir}/install.sh");
  fin.insert(fin.rfind('}'), R"(, "finally": [{"action": "run", "argv": ["{scenario_dir}/gone.sh"]}])");
  e = programs_error(d.load(fin));
  EXPECT_EQ(e.json_path(), "$.finally[0].argv[0]");
}

TEST(ScenarioChecks, AWarmUpThatCannotExecTheProgramStopsTheRunNamingTheField) {
  Dir d;
  d.script("install.sh", "#!/bin/sh\n", 0755);
  Scenario s = d.load(gate("{scenario_dir}/install.sh", "{work}/mnt/app/slep"));
  // As the plan has it: {work} expanded.
  fs::create_directories(d.tmp.path() / "work/mnt/app");
  std::ofstream(d.tmp.path() / "work/mnt/app/sleep") << "x";
  s.workload.argv[0] = (d.tmp.path() / "work/mnt/app/slep").string();
  try {
    check_workload_started(s, {failed_exec(ENOENT)});
    ADD_FAILURE() << "expected a ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.json_path(), "$.workload.argv[0]");
    EXPECT_EQ(e.line(), 7);
    EXPECT_TRUE(has(e.message(), "/work/mnt/app/slep does not exist (ENOENT)")) << e.what();
    EXPECT_TRUE(has(e.message(), "did you mean \"" + (d.tmp.path() / "work/mnt/app/sleep").string())) << e.what();
    EXPECT_TRUE(has(e.message(), "no fault was run")) << e.what();
  }
  for (int err : {EACCES, ENOEXEC})
    EXPECT_THROW(check_workload_started(s, {failed_exec(err)}), ScenarioError) << err;
  // EIO is the incident's own symptom, not a wrong path; ok execs are fine.
  EXPECT_NO_THROW(check_workload_started(s, {failed_exec(EIO)}));
  ExecEvent ok;
  ok.outcome.cls = ExecClass::ok;
  EXPECT_NO_THROW(check_workload_started(s, {ok, failed_exec(ENOENT)}));
  EXPECT_NO_THROW(check_workload_started(s, {}));
}

TEST(ScenarioChecks, AnImageSetupDidNotInstallNamesItsMountField) {
  Dir d;
  d.script("install.sh", "#!/bin/sh\n", 0755);
  Scenario s = d.load(gate("{scenario_dir}/install.sh"));
  RunDir run(d.tmp.path() / "run");
  run.make_dirs("data");
  std::ofstream(run.absolute("data/ap.img")) << "x";
  try {
    check_mounted_images(s, run);
    ADD_FAILURE() << "expected a ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.json_path(), "$.mounts[0].image");
    EXPECT_EQ(e.line(), 6);
    EXPECT_TRUE(has(e.message(), "data/app.img does not exist after setup")) << e.what();
    EXPECT_TRUE(has(e.message(), "did you mean \"data/ap.img\"?")) << e.what();
  }
  std::ofstream(run.absolute("data/app.img")) << "x";
  EXPECT_NO_THROW(check_mounted_images(s, run));
}

}  // namespace
}  // namespace harness
