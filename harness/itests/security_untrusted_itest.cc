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

#include "base/child.h"
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

// The last review's attack: a link in a folder the scenario brings into
// the guest that leads nowhere yet (into a sticky shared folder) passed
// validation (exit 0), and another local user could make its target a
// link to /etc/shadow before the run copied it. Refused while it leads
// nowhere, and refused once it leads somewhere (out of the folder, by a
// way another user controls).
TEST(SecurityUntrusted, ALinkThatLeadsNowhereYetIsRefusedBeforeAndAfterItsTargetAppears) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::permissions(tmp.path(), fs::perms::owner_all | fs::perms::others_exec);  // nobody reaches shared/
  fs::path shared = tmp.path() / "shared";
  fs::create_directories(shared);
  fs::permissions(shared, fs::perms::all | fs::perms::sticky_bit);
  fs::path dir = tmp.path() / "contrib";
  fs::create_directories(dir / "store");
  std::ofstream(dir / "store" / "v1.img") << "v1\n";
  fs::create_symlink(shared / "evil", dir / "store" / "current");
  json s = quick_scenario("dangling");
  s["workload"]["argv"] = {"/bin/sh", "-c", "true", "{scenario_dir}/store"};
  fs::path sc = write_scenario_file(dir, s);
  auto before = run_harness({"validate", "--untrusted", sc.string()}, tmp.path());
  EXPECT_EQ(before.exit_code, 2) << before.out << before.err;  // the code before: 0
  // Judged before it is followed: it leads out of the scenario's folder.
  EXPECT_NE(before.err.find("$.workload.argv[3]: " + (dir / "store" / "current").string() +
                            " is not the scenario's to name under --untrusted"),
            std::string::npos)
      << before.err;
  // Another user makes its target now.
  ChildResult planted = run_child({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "ln", "-s",
                                   "/etc/shadow", (shared / "evil").string()},
                                  ChildOptions{});
  ASSERT_TRUE(fs::is_symlink(shared / "evil")) << planted.describe();
  auto after = run_harness({"validate", "--untrusted", sc.string()}, tmp.path());
  EXPECT_EQ(after.exit_code, 2) << after.out << after.err;
  EXPECT_NE(after.err.find("$.workload.argv[3]: "), std::string::npos) << after.err;
  expect_no_shadow_in(after.out + after.err, "validate");
}

// A scenario in a folder anyone may add to (sticky, as /tmp) is refused:
// what it names that is not there yet would be another user's to make.
TEST(SecurityUntrusted, AScenarioInASharedStickyFolderIsRefused) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path shared = tmp.path() / "shared";
  fs::create_directories(shared);
  fs::permissions(shared, fs::perms::all | fs::perms::sticky_bit);
  fs::path sc = write_scenario_file(shared, quick_scenario("in-tmp"));
  auto res = run_harness({"validate", "--untrusted", sc.string()}, tmp.path());
  EXPECT_EQ(res.exit_code, 3) << res.out << res.err;  // the code before: 0
  EXPECT_NE(res.err.find("is writable by its group or by others (mode 1777)"), std::string::npos) << res.err;
}

// Before the policy judged a path, the error said whether it existed
// ("host file /root/x does not exist", "... is larger than the whole
// image", "not found"): a contributor could probe the host. Now a path
// outside what the scenario may name gets the same answer either way.
TEST(SecurityUntrusted, ARefusalSaysNothingOfWhetherAHostPathExists) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path dir = tmp.path() / "contrib";
  fs::create_directories(dir);
  auto answer = [&](const std::string& name, const std::function<void(json&)>& edit) {
    json s = quick_scenario(name);
    edit(s);
    fs::path sc = write_scenario_file(dir, s);
    auto r = run_harness({"validate", "--untrusted", sc.string()}, tmp.path());
    EXPECT_EQ(r.exit_code, 2) << name << ": " << r.out << r.err;
    std::string err = r.err.substr(r.err.find(": $."));
    return err;
  };
  auto from = [](const std::string& p) {
    return [p](json& s) {
      s["images"] = json::array({{{"name", "i"}, {"size_mib", 4}, {"files", {{{"from", p}, {"to", "x"}}}}}});
    };
  };
  auto argv0 = [](const std::string& p) { return [p](json& s) { s["workload"]["argv"] = {p}; }; };
  auto same = [](std::string a, const std::string& pa, std::string b, const std::string& pb) {
    a.replace(a.find(pa), pa.size(), "P");
    b.replace(b.find(pb), pb.size(), "P");
    EXPECT_EQ(a, b);
  };
  same(answer("f1", from("/etc/shadow")), "/etc/shadow", answer("f2", from("/etc/no-such-file")), "/etc/no-such-file");
  same(answer("a1", argv0("/etc/shadow")), "/etc/shadow", answer("a2", argv0("/etc/no-such-file")), "/etc/no-such-file");
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
