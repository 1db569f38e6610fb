// Issue 26 item 5, through the real CLI as root: `--untrusted`, the mode a
// CI runs contributors' scenarios in. The examples of the issue are
// refused in it (exit 2, located, nothing created, nothing of the file
// they name in any output), and a scenario that keeps to its own folder
// still runs in its VM to its verdict. Suites starting with "Vm" run in
// the VM lane.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <functional>
#include <sstream>

#include "itests/security_support.h"
#include "vm/vm_backend.h"

namespace harness::itest {
namespace {

using nlohmann::json;

// Every line of /etc/shadow that holds a password field: none may appear
// in what the harness printed or wrote.
std::vector<std::string> shadow_lines() {
  std::vector<std::string> out;
  std::istringstream in(slurp("/etc/shadow"));
  for (std::string line; std::getline(in, line);)
    if (line.size() > 8) out.push_back(line.substr(line.find(':') + 1));
  return out;
}

void expect_no_shadow_in(const std::string& text, const std::string& what) {
  for (const auto& l : shadow_lines()) EXPECT_EQ(text.find(l), std::string::npos) << what << " holds /etc/shadow's " << l;
}

// Issue 26.5: `["/bin/sh","-c","id > FILE"]`, no `run` action, ran as uid
// 0 on the host. --untrusted never runs a scenario on the host.
TEST(SecurityUntrusted, AHostBackendRunIsRefusedAndTheWorkloadNeverRuns) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path witness = tmp.path() / "id.txt";
  json s = quick_scenario("as-root");
  s["workload"]["argv"] = {"/bin/sh", "-c", "id > " + witness.string()};
  fs::path sc = write_scenario_file(tmp.path(), s);
  fs::path out = tmp.path() / "run";
  auto res = run_harness({"run", "--backend", "host", "--untrusted", sc.string(), "--out", out.string()}, tmp.path());
  EXPECT_EQ(res.exit_code, 2) << res.out << res.err;  // the code before: "unknown option --untrusted"; without it, 0
  EXPECT_NE(res.err.find("--untrusted runs scenarios only in a VM, not with --backend host"), std::string::npos)
      << res.err;
  EXPECT_FALSE(fs::exists(witness)) << "the workload ran";
  EXPECT_FALSE(fs::exists(out)) << "something was created";
}

// Issue 26.5: `files[].from: "/etc/shadow"` was accepted and its contents
// reached report.json. Under --untrusted it is refused where it is written,
// by validate and by run, and nothing is made.
TEST(SecurityUntrusted, AnImageFileFromEtcShadowIsRefusedAndNothingOfItLeaks) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  json s = quick_scenario("shadow");
  s["images"] = json::array({{{"name", "loot"}, {"size_mib", 4}, {"files", {{{"from", "/etc/shadow"}, {"to", "s"}}}}}});
  fs::path sc = write_scenario_file(tmp.path(), s);
  // Without the mode the file is a valid scenario (the trust model: a
  // scenario's author is trusted unless the operator says otherwise).
  auto plain = run_harness({"validate", sc.string()}, tmp.path());
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  auto val = run_harness({"validate", "--untrusted", sc.string()}, tmp.path());
  EXPECT_EQ(val.exit_code, 2) << val.out << val.err;
  EXPECT_NE(val.err.find(sc.string() + ":"), std::string::npos) << val.err;
  EXPECT_NE(val.err.find(": $.images[0].files[0].from: /etc/shadow is not the scenario's to name under --untrusted"),
            std::string::npos)
      << val.err;
  fs::path out = tmp.path() / "run";
  auto run = run_harness({"run", "--backend", "vm", "--untrusted", sc.string(), "--out", out.string()}, tmp.path());
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_NE(run.err.find("$.images[0].files[0].from"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(out)) << "something was created";
  for (const auto& r : {val, run}) {
    expect_no_shadow_in(r.out, "stdout");
    expect_no_shadow_in(r.err, "stderr");
  }
  // An operator's --allow-host-path widens it; the scenario cannot.
  auto allowed = run_harness({"validate", "--untrusted", "--allow-host-path", "/etc", sc.string()}, tmp.path());
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
}

// What else a scenario names from the host under --untrusted: a declared
// program, argv[0], a link in its own folder leading out of it.
TEST(SecurityUntrusted, ProgramsAndLinksOutOfTheScenariosFolderAreRefused) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path dir = tmp.path() / "contrib";
  fs::create_directories(dir);
  struct Case {
    std::string name;
    std::function<void(json&)> edit;
    std::string field;
  };
  fs::create_symlink("/etc/shadow", dir / "innocent.txt");
  fs::create_symlink("/etc", dir / "conf");
  const std::vector<Case> cases = {
      {"declared", [](json& s) { s["programs"] = {"/etc/passwd"}; }, "$.programs[0]"},
      {"argv0", [](json& s) { s["workload"]["argv"] = {"/etc/shadow"}; }, "$.workload.argv[0]"},
      {"link", [](json& s) {
         s["images"] = json::array({{{"name", "i"}, {"size_mib", 4}, {"files", {{{"from", "innocent.txt"}, {"to", "x"}}}}}});
       }, "$.images[0].files[0].from"},
      {"dotdot", [](json& s) {
         s["images"] = json::array({{{"name", "i"}, {"size_mib", 4}, {"files", {{{"from", "conf/../conf/shadow"}, {"to", "x"}}}}}});
       }, "$.images[0].files[0].from"},
  };
  for (const auto& c : cases) {
    json s = quick_scenario(c.name);
    c.edit(s);
    fs::path sc = write_scenario_file(dir, s);
    auto val = run_harness({"validate", "--untrusted", sc.string()}, tmp.path());
    EXPECT_EQ(val.exit_code, 2) << c.name << ": " << val.out << val.err;
    EXPECT_NE(val.err.find(": " + c.field + ": "), std::string::npos) << c.name << ": " << val.err;
    expect_no_shadow_in(val.err, c.name);
  }
}

// The same mode does not stop a scenario that keeps to its folder: its
// script and its image's file are beneath it, its programs standard.
TEST(VmUntrusted, AScenarioWhoseFilesAreBeneathItsFolderRunsInTheVmToItsVerdict) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  if (!VmBackend::available()) GTEST_SKIP() << "the vm backend cannot run here: " << VmBackend::unavailable_reason();
  TempDir tmp;
  fs::path dir = tmp.path() / "contrib";
  fs::create_directories(dir);
  std::ofstream(dir / "payload.txt") << "payload\n";
  std::ofstream(dir / "check.sh") << "#!/bin/sh\ntest -f \"$0\"\n";
  json s = quick_scenario("own-folder");
  s["images"] = json::array({{{"name", "data"}, {"size_mib", 4}, {"files", {{{"from", "payload.txt"}, {"to", "p"}}}}}});
  s["workload"]["argv"] = {"/bin/sh", "{scenario_dir}/check.sh"};
  fs::path sc = write_scenario_file(dir, s);
  fs::path out = tmp.path() / "run";
  auto res = run_harness({"run", "--untrusted", "--accel", "tcg", sc.string(), "--out", out.string(), "--vm-cache",
                          (tmp.path() / "cache").string()},
                         tmp.path(), std::chrono::seconds(600));
  ASSERT_EQ(res.exit_code, 0) << res.out << res.err;
  EXPECT_NE(res.out.find("backend   vm"), std::string::npos) << res.out;
  json r = read_report(out);
  EXPECT_EQ(r.at("verdict"), "pass");
  EXPECT_EQ(r.at("environment").value("untrusted", json()), json({{"allow_host_paths", json::array()}}));
  bool script = false;
  for (const auto& f : r.at("environment").at("guest_files")) script = script || f.at("path") == (dir / "check.sh").string();
  EXPECT_TRUE(script) << r.at("environment").at("guest_files").dump();
}

}  // namespace
}  // namespace harness::itest
