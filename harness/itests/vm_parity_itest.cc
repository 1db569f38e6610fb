// What runs on the host runs in the VM: a script handed to /bin/sh from
// the scenario's folder, as a setup action and as a fault, calling the
// programs the scenario declares — the host's own files in the guest, not
// busybox applets — gives the same verdict on both backends; a host file
// an argument merely names stays out of the guest; and a program a script
// calls but the scenario does not bring in is named, with the field that
// brings it in, by `harness run` and `harness matrix`. A deploy script
// calling rsync and sha256sum reaches a power-cut verdict in the matrix
// with the command line of docs/matrix-and-ablate.md.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fstream>
#include <map>

#include "base/digest.h"
#include "base/program_lookup.h"
#include "cli/exit_code.h"
#include "itests/itest_support.h"
#include "itests/vm_itest_support.h"

namespace harness::itest {
namespace {

using nlohmann::json;
using std::chrono::seconds;

// Prints where sha256sum is and its digest, whether the file its third
// argument names exists, and leaves a marker in the data folder.
constexpr const char* kScript = R"(#!/bin/sh
set -eu
mkdir -p "$1"
echo "$2" > "$1/$2.done"
sha256sum "$1/$2.done" > "$1/$2.done.sha256"
p=$(command -v sha256sum)
echo "sha256sum is $p"
sha256sum "$p"
if [ -e "$3" ]; then echo "$3 is present"; else echo "$3 is absent"; fi
)";

// The scenario: setup and a fault run `/bin/sh {scenario_dir}/x.sh ...`.
fs::path parity_scenario(const fs::path& dir, const std::string& programs) {
  fs::create_directories(dir);
  std::ofstream(dir / "x.sh") << kScript;  // not executable: run through sh
  return write_vm_scenario(dir, "parity", R"({
    "name": "vm-parity", "timeout_s": 120,
    "programs": )" + programs + R"(,
    "images": [{"name": "app", "path": "store/app.img", "size_mib": 4,
                "files": [{"from": "/bin/true", "to": "true", "mode": "0755"}]}],
    "setup": [{"action": "run", "label": "setup script",
               "argv": ["/bin/sh", "{scenario_dir}/x.sh", "{work}/data", "setup", "/etc/shadow"]}],
    "mounts": [{"image": "store/app.img", "mountpoint": "mnt/app", "options": "loop,ro"}],
    "workload": {"argv": ["{work}/mnt/app/true"], "iterations": 30},
    "faults": [{"name": "script", "schedule": {"kind": "once"},
                "actions": [{"action": "run", "argv": ["/bin/sh", "{scenario_dir}/x.sh", "{work}/data", "fault", "/etc/shadow"]}]}],
    "expect": [{"classes": ["abnormal"], "at_most": 0}, {"fault_outcome": "ok", "fault": "script", "at_least": 1}]
  })");
}

// The stdout of the run action of `fault` ("setup" or a fault's name).
std::string stdout_of(const json& r, const std::string& fault) {
  for (const auto& e : r.at("events"))
    if (e.value("type", "") == "fault" && e.value("fault", "") == fault && e.value("action", "") == "run")
      return e.value("stdout", "");
  return "";
}

std::string hex_digest_of(const fs::path& p) {
  Sha256 h;
  h.update(slurp(p));
  return h.hex_final();
}

TEST(VmParity, AScriptSetupAndFaultRunInTheGuestAsOnTheHost) {
  HARNESS_REQUIRE_VM();
  VmRunDirs d("parity");
  fs::path sc = parity_scenario(d.logs / "gate", R"(["sha256sum", "mkdir"])");
  auto host = run_harness({"run", "--backend", "host", sc.string(), "--out", (d.run / "host").string()}, d.logs);
  auto vm = run_harness({"run", "--backend", "vm", sc.string(), "--out", (d.run / "vm").string(), "--vm-cache",
                         (VmItestDir::path_ / ".cache").string()},
                        d.logs, seconds(300));
  EXPECT_EQ(host.exit_code, 0) << host.out << host.err;
  EXPECT_EQ(vm.exit_code, host.exit_code) << vm.out << vm.err;
  json h = read_report(d.run / "host"), r = read_report(d.run / "vm");
  EXPECT_EQ(r.at("verdict"), h.at("verdict")) << r.at("verdict_reasons").dump();
  EXPECT_EQ(r.at("verdict"), "pass");
  // The guest's sha256sum is the host's file, byte for byte, at its path.
  const fs::path sha = lookup_program("sha256sum").path;
  for (const char* step : {"setup", "script"}) {
    std::string out = stdout_of(r, step);
    EXPECT_NE(out.find("sha256sum is " + sha.string()), std::string::npos) << step << ": " << out;
    EXPECT_NE(out.find(hex_digest_of(sha) + "  " + sha.string()), std::string::npos) << step << ": " << out;
  }
  // /etc/shadow, only named in an argument, exists on the host, not in the guest.
  EXPECT_NE(stdout_of(h, "setup").find("/etc/shadow is present"), std::string::npos) << stdout_of(h, "setup");
  EXPECT_NE(stdout_of(r, "setup").find("/etc/shadow is absent"), std::string::npos) << stdout_of(r, "setup");
  // The report lists what came in, and why.
  std::map<std::string, std::string> why;
  for (const auto& f : r.at("environment").at("guest_files")) why[f.at("path").get<std::string>()] = f.at("why").get<std::string>();
  EXPECT_EQ(why[(d.logs / "gate" / "x.sh").string()], "$.setup[0].argv[1]");
  EXPECT_EQ(why[sha.string()], "$.programs[0]");
  EXPECT_EQ(why.count("/etc/shadow"), 0u);
  expect_vm_gone(d.run);
}

// A script calling a program the scenario does not declare: the shell's
// "not found" in the guest becomes the run's error naming the program and
// the field, on the terminal and in report.md.
TEST(VmParity, AProgramTheScenarioDoesNotBringInIsNamedWithItsField) {
  HARNESS_REQUIRE_VM();
  VmRunDirs d("missing");
  fs::path sc = parity_scenario(d.logs / "gate", R"(["mkdir"])");
  auto res = run_harness({"run", "--backend", "vm", sc.string(), "--out", d.run.string(), "--vm-cache",
                          (VmItestDir::path_ / ".cache").string()},
                         d.logs, seconds(300));
  EXPECT_EQ(res.exit_code, 4) << res.out << res.err;
  const std::string named = "sha256sum is not in the guest: add it to the scenario's \"programs\"";
  EXPECT_NE(res.out.find(named), std::string::npos) << res.out;
  EXPECT_NE(slurp(d.run / "report.md").find(named), std::string::npos) << slurp(d.run / "report.md");
  // ... with the last line of the script's stderr, the shell's own words.
  EXPECT_NE(res.out.find("stderr: \"" + (d.logs / "gate" / "x.sh").string() + ": 5: sha256sum: not found\""),
            std::string::npos)
      << res.out;
  expect_vm_gone(d.run);
}

// docs/matrix-and-ablate.md's matrix line for a deploy script calling rsync and
// sha256sum: without --program rsync the cell names what is missing; with
// it the power-cut cell reaches a verdict.
TEST(VmParity, AnRsyncDeployScriptReachesAPowerCutVerdictInTheMatrix) {
  HARNESS_REQUIRE_VM();
  VmRunDirs d("matrix");
  const std::string installer = source_path("examples/gate/deploy-rsync.sh") + " {source} {dest} {name}";
  std::vector<std::string> args = {"matrix", "--backend", "vm", "--faults", "power-cut", "--installers", "deploy-rsync",
                                   "--installer", installer, "--vm-cache", (VmItestDir::path_ / ".cache").string()};
  auto bare = args;  // all but rsync
  bare.insert(bare.end(), {"--program", "sha256sum", "--program", "mkdir", "--out", (d.run / "bare").string()});
  auto res = run_harness(bare, d.logs, seconds(300));
  const std::string named = "rsync is not in the guest: add it to the scenario's \"programs\" (harness matrix: --program rsync)";
  EXPECT_NE(res.out.find(named), std::string::npos) << res.out << res.err;
  EXPECT_NE(slurp(d.run / "bare" / "matrix.md").find("rsync is not in the guest"), std::string::npos)
      << slurp(d.run / "bare" / "matrix.md");

  // With rsync brought in, both deploy scripts of the tutorial's gate (docs/tutorial-gate.md): each
  // cell's crash states show the first install (durable since the setup)
  // and the new version; --inplace tears the image at some crash point.
  const std::string inplace = source_path("examples/gate/deploy-rsync-inplace.sh") + " {source} {dest} {name}";
  args[6] = "deploy-rsync,deploy-rsync-inplace";
  args.insert(args.end(), {"--installer", inplace, "--program", "rsync", "--program", "sha256sum", "--program", "mkdir",
                           "-j", "2", "--out", (d.run / "with").string()});
  res = run_harness(args, d.logs, seconds(900));
  EXPECT_EQ(res.exit_code, 1) << "the --inplace cell is UNSAFE\n" << res.out << res.err;
  json m = json::parse(slurp(d.run / "with" / "matrix.json"));
  for (const char* row : {"deploy-rsync", "deploy-rsync-inplace"}) {
    SCOPED_TRACE(row);
    const json* cell = matrix_cell(m, row, "power-cut");
    ASSERT_NE(cell, nullptr) << m.dump(1);
    EXPECT_EQ(cell->at("evidence").dump().find("error:"), std::string::npos) << cell->dump(1);
    EXPECT_GT(holding(*cell, "old"), 0u) << cell->dump(1);
    EXPECT_GT(holding(*cell, "new"), 0u) << cell->dump(1);
    // The verdict, whichever it is, is explained in the run's report.
    std::string md = slurp(d.run / "with" / cell->at("evidence")[0].at("run_dir").get<std::string>() / "report.md");
    EXPECT_NE(md.find("## Power-cut crash points"), std::string::npos) << md.substr(0, 3000);
  }
  const json* torn = matrix_cell(m, "deploy-rsync-inplace", "power-cut");
  EXPECT_EQ(torn->at("state"), "unsafe") << torn->dump(1);
  EXPECT_GT(holding(*torn, "broken"), 0u) << torn->dump(1);
  expect_vm_gone(d.run);
}

// The workload's own execs keep no stderr: when its warm-up ends 127, the
// workload runs once more to learn what it lacked, and the run says so
// (here on the host, where the fix is to install it).
TEST(MissingProgram, AWorkloadScriptThatLacksOneIsNamed) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  std::ofstream(tmp.path() / "w.sh") << "#!/bin/sh\nno-such-tool-xyz --check\n";
  fs::permissions(tmp.path() / "w.sh", fs::perms::owner_all);
  fs::path sc = write_vm_scenario(tmp.path(), "w", R"({"name": "w", "timeout_s": 60,
    "workload": {"argv": ["{scenario_dir}/w.sh"], "iterations": 5},
    "expect": [{"classes": ["abnormal"], "at_most": 0}]})");
  auto res = run_harness({"run", "--backend", "host", sc.string(), "--out", (tmp.path() / "run").string()}, tmp.path());
  EXPECT_EQ(res.exit_code, 5) << res.out << res.err;
  const std::string named = "the workload's program could not run: no-such-tool-xyz was not found on this machine";
  EXPECT_NE(res.out.find(named), std::string::npos) << res.out;
  EXPECT_NE(slurp(tmp.path() / "run" / "report.md").find(named), std::string::npos);
  EXPECT_NE(read_report(tmp.path() / "run").at("run").value("workload_missing", "").find("install it"), std::string::npos);
}

// One failure path for both backends (host/run_failure.h): a full run
// directory is the machine's fault, exit 3, with the same message and hint
// whichever backend ran. `--out` lies on a 2 MiB tmpfs mounted in a private
// mount namespace of its own, so nothing else sees it and it goes with it.
TEST(VmParity, AFullDiskIsExit3WithTheSameMessageOnBothBackends) {
  HARNESS_REQUIRE_VM();
  VmRunDirs d("full");
  fs::path full = d.logs / "full";
  fs::create_directories(full);
  auto unshare = find_program("unshare");
  ASSERT_TRUE(unshare) << "unshare not found";
  fs::path said_host = d.logs / "host.out", said_vm = d.logs / "vm.out";
  auto res = run_argv({unshare->string(), "--mount", "--propagation", "private", "sh", "-euc",
                       R"(mount -t tmpfs -o size=2m harness-itest-full "$1"
                          for b in host vm; do
                            rc=0; "$2" run --backend $b "$3" --out "$1/$b" --vm-cache "$4" > "$5/$b.out" 2>&1 || rc=$?
                            echo "$b $rc"
                          done)",
                       "sh", full.string(), HARNESS_BIN, source_path("scenarios/heroku-2017-truncation.json"),
                       (VmItestDir::path_ / ".cache").string(), d.logs.string()},
                      d.logs, seconds(300));
  ASSERT_EQ(res.exit_code, 0) << res.out << res.err;
  EXPECT_EQ(res.out, fmt::format("host {0}\nvm {0}\n", static_cast<int>(kExitEnvironment))) << slurp(said_host) << slurp(said_vm);
  auto error_line = [](const std::string& said) {
    auto at = said.find("error: ");
    return at == std::string::npos ? std::string() : said.substr(at, said.find('\n', at) - at);
  };
  std::string host_error = error_line(slurp(said_host));
  EXPECT_NE(host_error.find("No space left on device"), std::string::npos) << host_error;
  EXPECT_NE(host_error.find("the run directory's filesystem is full: free some space or use --out on another filesystem"),
            std::string::npos) << host_error;
  EXPECT_EQ(error_line(slurp(said_vm)), host_error);
  EXPECT_TRUE(mounts_under(full).empty());
}

}  // namespace
}  // namespace harness::itest
