// The threats of docs/security.md ("Threats, defences, tests"), each closed and proven
// closed through the real CLI as root: another local user who can write
// in a shared parent of --out (here a sticky, world-writable folder and
// files owned by `nobody`), and what a scenario can reach without a `run`
// action. Victims are files this test creates; nothing real is at risk.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fmt/format.h>

#include <random>
#include <set>

#include "base/cgroup.h"
#include "base/run_marker.h"
#include "itests/security_support.h"

namespace harness::itest {
namespace {

using nlohmann::json;

std::string hang() { return std::string(TESTPROGS_DIR) + "/hang"; }

// What another user plants in a shared folder: a run folder of their own
// with a marker that claims a dead run (pid 0), and gc's temporary file
// name as a link to a file they want overwritten.
fs::path plant_fake_dead_run(const fs::path& shared, const fs::path& victim) {
  fs::path e = shared / "e";
  fs::create_directories(e / "work");
  std::ofstream(e / "harness-run.json") << R"({"tool": "harness", "pid": 0})" << "\n";
  fs::create_symlink(victim, e / ".gc.json.tmp");
  chown_tree(e, kNobody);
  return e;
}

// ------------------------------------------------------------- scenarios

// A second "argv" behind a `//` comment that a lone "\r" ends: an editor
// and the old locator saw one argv, the parser ran the other as root.
TEST(SecurityScenario, AKeyHiddenBehindACommentEndedByALoneCarriageReturnIsRefused) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path witness = tmp.path() / "pwned";
  std::string text = quick_scenario("hidden").dump(2);
  size_t at = text.find("\"iterations\"");
  ASSERT_NE(at, std::string::npos);
  text.insert(at, "// note\r\"argv\": [\"/bin/sh\", \"-c\", \"touch " + witness.string() + "\"],\n      ");
  fs::path sc = tmp.path() / "hidden.json";
  std::ofstream(sc) << text;
  auto val = run_harness({"validate", sc.string()}, tmp.path());
  EXPECT_EQ(val.exit_code, 2) << val.out << val.err;  // the code before: "ok", exit 0
  // Located where the hidden key is (the line the "\r" begins), with its path.
  EXPECT_NE(val.err.find(sc.string() + ":"), std::string::npos) << val.err;
  EXPECT_NE(val.err.find(": $.workload.argv: this key appears twice"), std::string::npos) << val.err;
  auto run = run_harness({"run", "--backend", "host", sc.string(), "--out", (tmp.path() / "run").string()},
                         tmp.path());
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_FALSE(fs::exists(witness)) << "the hidden argv ran";
  EXPECT_FALSE(fs::exists(tmp.path() / "run")) << "nothing is created for a refused scenario";
}

// ------------------------------------------------------------------- gc

// A shared folder like /tmp, in which another user planted a fake dead run
// aimed at `victim`.
class SecurityGc : public ::testing::Test {
 protected:
  void SetUp() override {
    HARNESS_REQUIRE_ROOT_AND_LOOP();
    shared = shared_folder(tmp);
    planted = plant_fake_dead_run(shared, victim.path);
  }
  TempDir tmp;
  Victim victim{tmp.path() / "shadow"};
  fs::path shared, planted;
};

TEST_F(SecurityGc, APlantedTemporaryLinkInASharedOutParentLeavesItsTargetUntouched) {
  fs::path sc = write_scenario_file(tmp.path(), quick_scenario("quick"));
  auto res = run_harness({"run", "--backend", "host", sc.string(), "--out", (shared / "x").string()}, tmp.path());
  EXPECT_EQ(res.exit_code, 0) << res.out << res.err;
  victim.expect_untouched();
  EXPECT_TRUE(fs::exists(planted / "work")) << "run --out swept a folder the user never named";
  EXPECT_FALSE(fs::exists(planted / "gc.json"));
}

TEST_F(SecurityGc, ARunFolderOwnedByAnotherUserIsLeftAlone) {
  auto res = run_harness({"gc", shared.string(), "--json"}, tmp.path());
  EXPECT_EQ(res.exit_code, 0) << res.err;
  json r = json::parse(res.out, nullptr, false);
  ASSERT_FALSE(r.is_discarded()) << res.out;
  EXPECT_TRUE(r.at("dead_runs").empty()) << res.out;
  victim.expect_untouched();
  EXPECT_TRUE(fs::exists(planted / "work"));
}

// losetup --find --show FILE: the device, or "" (and a test failure).
std::string attach(const fs::path& file, const fs::path& logs) {
  auto res = run_argv({"losetup", "--find", "--show", file.string()}, logs, std::chrono::seconds(30));
  EXPECT_EQ(res.exit_code, 0) << res.err;
  std::string dev = res.out.substr(0, res.out.find('\n'));
  return dev;
}

bool attached_to(const std::string& dev, const fs::path& file) {
  std::string name = dev.substr(dev.rfind('/') + 1);
  std::string backing = slurp(fs::path("/sys/block") / name / "loop" / "backing_file");
  return backing.rfind(file.string(), 0) == 0;
}

TEST_F(SecurityGc, DetachesOnlyTheLoopDevicesItsMarkerRecords) {
  fs::path run = tmp.path() / "runs" / "dead";
  fs::create_directories(run / "work");
  fs::path ours = run / "work" / "ours.img", other = run / "work" / "other.img";
  for (const auto& f : {ours, other}) {
    std::ofstream(f).flush();
    fs::resize_file(f, 1 << 20);
  }
  std::string ours_dev = attach(ours, tmp.path()), other_dev = attach(other, tmp.path());
  ASSERT_FALSE(ours_dev.empty() || other_dev.empty());
  struct stat st {};
  ASSERT_EQ(stat(ours.c_str(), &st), 0);
  // The run recorded the device it attached (by its backing file's device
  // and inode); "other" merely has a backing path inside the run folder.
  std::ofstream(run / "harness-run.json")
      << json{{"tool", "harness"},
              {"pid", 0},
              {"loop_devices", {{{"device", ours_dev}, {"backing_dev", st.st_dev}, {"backing_inode", st.st_ino}}}}}
             .dump()
      << "\n";
  auto res = run_harness({"gc", (tmp.path() / "runs").string()}, tmp.path());
  EXPECT_EQ(res.exit_code, 0) << res.err;
  for (int i = 0; i < 50 && attached_to(ours_dev, ours); ++i) usleep(20 * 1000);
  EXPECT_FALSE(attached_to(ours_dev, ours)) << res.out;
  EXPECT_TRUE(attached_to(other_dev, other)) << "gc detached a loop device by its backing path\n" << res.out;
  run_argv({"losetup", "-d", other_dev}, tmp.path(), std::chrono::seconds(30));
  run_argv({"losetup", "-d", ours_dev}, tmp.path(), std::chrono::seconds(30));
}

// ---------------------------------------------------- confinement of writes

TEST(SecurityConfinement, ARunFolderOwnedByAnotherUserIsRefused) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path out = shared_folder(tmp) / "out";
  fs::create_directories(out);
  chown_tree(out, kNobody);
  fs::path sc = write_scenario_file(tmp.path(), quick_scenario("quick"));
  auto res = run_harness({"run", "--backend", "host", sc.string(), "--out", out.string()}, tmp.path());
  EXPECT_EQ(res.exit_code, 3) << res.out << res.err;
  EXPECT_NE(res.err.find("owned by"), std::string::npos) << res.err;
  EXPECT_TRUE(fs::is_empty(out));
}

// Another user who owns a folder above --out could rename the run folder
// away while the run mounts beneath it, and leave a link in its place:
// refused before anything is made.
TEST(SecurityConfinement, AnOutBelowAFolderAnotherUserOwnsIsRefused) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path theirs = shared_folder(tmp) / "theirs";
  fs::create_directories(theirs);
  chown_tree(theirs, kNobody);
  fs::path sc = write_scenario_file(tmp.path(), quick_scenario("quick"));
  auto res = run_harness({"run", "--backend", "host", sc.string(), "--out", (theirs / "run").string()}, tmp.path());
  EXPECT_EQ(res.exit_code, 3) << res.out << res.err;
  EXPECT_NE(res.err.find(theirs.string() + ": owned by uid"), std::string::npos) << res.err;
  EXPECT_TRUE(fs::is_empty(theirs)) << "nothing made there";
}

// A setup step predicts the name of the next `run` action's log and plants
// a link there; the log must not be written through it.
TEST(SecurityConfinement, APlantedLogLinkIsNotFollowed) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  Victim victim(tmp.path() / "passwd");
  const std::string v = victim.path.string();
  json s = quick_scenario("log-link");
  s["setup"] = json::array(
      {{{"action", "run"},
        {"argv", {"/bin/sh", "-c", "ln -s " + v + " {work}/logs/run-$PPID-2.out; ln -s " + v + " {work}/logs/run-$PPID-2.err"}}},
       {{"action", "run"}, {"argv", {"/bin/echo", "this must not reach the victim"}}}});
  fs::path sc = write_scenario_file(tmp.path(), s);
  fs::path run = tmp.path() / "run";
  auto res = run_harness({"run", "--backend", "host", sc.string(), "--out", run.string()}, tmp.path());
  victim.expect_untouched();
  EXPECT_NE(res.exit_code, 0) << "the second setup action cannot have its log: " << res.out << res.err;
}

// ------------------------------------------------ mounts and fault targets

TEST(SecurityMounts, AreNodevAndNosuidAndTheReportSaysSo) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path run = tmp.path() / "run";
  json s = quick_scenario("mounted");
  s["images"] = json::array({{{"name", "d"}, {"size_mib", 4}}});
  s["mounts"] = json::array({{{"image", "images/d.img"}, {"mountpoint", "mnt/d"}, {"options", "loop,ro"}}});
  auto res = run_harness({"run", "--backend", "host", write_scenario_file(tmp.path(), s).string(), "--out", run.string()},
                         tmp.path());
  ASSERT_EQ(res.exit_code, 0) << res.out << res.err;
  json m = read_report(run).at("mounts").at(0);
  EXPECT_EQ(m.at("options"), "loop,ro") << "the options as the scenario wrote them";
  std::string effective = m.value("effective_options", "");
  for (const char* o : {"nodev", "nosuid", "ro"})
    EXPECT_NE(("," + effective + ",").find(std::string(",") + o + ","), std::string::npos) << o << " in " << m.dump();
}

// Validation refuses an image under another mount's mountpoint (unit
// test in hostile_scenarios_test); what it cannot see is a mount a setup
// action makes. The open beneath the work directory must refuse to cross it.
TEST(SecurityMounts, AnImageOnAMountASetupActionMadeIsRefused) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  // A crafted filesystem image, on a tmpfs a setup action mounts in work/.
  fs::path inner = tmp.path() / "inner.img";
  std::ofstream(inner).flush();
  fs::resize_file(inner, 2 << 20);
  ASSERT_EQ(run_argv({"mkfs.ext4", "-q", "-F", inner.string()}, tmp.path(), std::chrono::seconds(60)).exit_code, 0);
  json s = quick_scenario("nested-image");
  s["setup"] = json::array({{{"action", "run"},
                             {"argv", {"/bin/sh", "-c",
                                       "mkdir -p {work}/side && mount -t tmpfs -o size=8m tmpfs {work}/side && cp " +
                                           inner.string() + " {work}/side/inner.img"}}}});
  s["mounts"] = json::array({{{"image", "side/inner.img"}, {"mountpoint", "mnt/inner"}, {"options", "loop,ro"}}});
  fs::path sc = write_scenario_file(tmp.path(), s);
  fs::path run = tmp.path() / "run";
  auto res = run_harness({"run", "--backend", "host", sc.string(), "--out", run.string()}, tmp.path());
  EXPECT_NE(res.exit_code, 0) << res.out << res.err;
  std::string said = res.out + res.err + slurp(run / "report.json");
  EXPECT_NE(said.find("EXDEV"), std::string::npos) << said;
  expect_nothing_left(tmp.path());
}

// Device nodes made by a `run` action, in work/ and on a mounted image,
// point at a loop device over a victim file: no fault may write it.
TEST(SecurityFaults, ADeviceNodeIsNeverAFaultTarget) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path victim_file = tmp.path() / "victim.img";
  {
    std::ofstream out(victim_file, std::ios::binary);
    out << std::string(1 << 20, 'v');
  }
  FileState before = state_of(victim_file);
  std::string dev = attach(victim_file, tmp.path());
  ASSERT_FALSE(dev.empty());
  struct stat st {};
  ASSERT_EQ(stat(dev.c_str(), &st), 0);
  std::string mknod = fmt::format("b {} {}", major(st.st_rdev), minor(st.st_rdev));
  json s = quick_scenario("device-targets");
  s["workload"] = {{"argv", {"/bin/true"}}, {"duration_ms", 1500}};
  s["images"] = json::array({{{"name", "d"}, {"size_mib", 4}}});
  s["copies"] = json::array({{{"from", "images/d.img"}, {"to", "src.img"}}});
  s["mounts"] = json::array({{{"image", "images/d.img"}, {"mountpoint", "mnt/d"}, {"options", "loop,rw"}}});
  s["faults"] = json::array(
      {{{"name", "plant"},
        {"schedule", {{"kind", "once"}, {"after_ms", 0}}},
        {"actions", {{{"action", "run"},
                      {"argv", {"/bin/sh", "-c", "mknod {work}/disk " + mknod + " && mknod {work}/mnt/d/disk " + mknod}}}}}},
       {{"name", "write"},
        {"schedule", {{"kind", "once"}, {"after_ms", 500}}},
        {"actions", {{{"action", "overwrite_truncate"}, {"from", "src.img"}, {"to", "disk"}},
                     {{"action", "overwrite"}, {"from", "src.img"}, {"to", "disk"}},
                     {{"action", "truncate"}, {"to", "disk"}, {"size_bytes", 0}},
                     {{"action", "overwrite_truncate"}, {"from", "disk"}, {"to", "src.img"}},
                     {{"action", "overwrite_truncate"}, {"from", "src.img"}, {"to", "mnt/d/disk"}},
                     {{"action", "overwrite"}, {"from", "src.img"}, {"to", "mnt/d/disk"}}}}}});
  fs::path sc = write_scenario_file(tmp.path(), s);
  fs::path run = tmp.path() / "run";
  auto res = run_harness({"run", "--backend", "host", sc.string(), "--out", run.string()}, tmp.path());
  run_argv({"losetup", "-d", dev}, tmp.path(), std::chrono::seconds(30));
  EXPECT_TRUE(before == state_of(victim_file)) << "a fault wrote through a device node";
  ASSERT_TRUE(fs::exists(run / "report.json")) << res.out << res.err;
  int refused = 0;
  json report = read_report(run);
  for (const auto& e : report.at("events"))
    if (e.at("type") == "fault" && e.value("fault", "") == "write") {
      EXPECT_NE(e.at("outcome"), "ok") << e.dump();
      ++refused;
    }
  EXPECT_EQ(refused, 6) << res.out << res.err;
  expect_nothing_left(tmp.path());
}

// -------------------------------------------------------------- processes

TEST(SecurityProcesses, NothingARunActionStartsOutlivesTheRun) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  const std::string token = unique_token("outlive");
  json s = quick_scenario("outlive");
  s["workload"] = {{"argv", {"/bin/true"}}, {"duration_ms", 1500}};
  s["faults"] = json::array(
      {{{"name", "spawn"},
        {"schedule", {{"kind", "once"}, {"after_ms", 0}}},
        {"actions",
         {// A background child left behind by a command that ends at once;
          // it reports its own pid and process group on its last line.
          {{"action", "run"},
           {"argv", {"/bin/sh", "-c",
                     hang() + " " + token + "-bg & printf '\\173\"pid\": %s, \"pgid\": %s\\175\\n' $$ $(cut -d' ' -f5 /proc/$$/stat)"}}},
          // A command killed at its timeout, with a child of its own.
          {{"action", "run"}, {"argv", {"/bin/sh", "-c", hang() + " " + token + "-timeout & exec " + hang()}}, {"timeout_ms", 300}},
          // A daemon that left the command's process group and session.
          {{"action", "run"}, {"argv", {"/bin/sh", "-c", "setsid " + hang() + " " + token + "-daemon & sleep 0.3"}}}}}}});
  fs::path sc = write_scenario_file(tmp.path(), s);
  fs::path run = tmp.path() / "run";
  auto res = run_harness({"run", "--backend", "host", sc.string(), "--out", run.string()}, tmp.path());
  // The background job and the daemon ran on until the faults ended, were
  // killed then, and make the run inconclusive (the timed-out command's
  // child went with it at its timeout).
  EXPECT_EQ(res.exit_code, 5) << res.out << res.err;
  auto left = survivors(token);
  EXPECT_TRUE(left.empty()) << ::testing::PrintToString(left) << " outlived the run";
  json first, report = read_report(run);
  std::set<std::string> killed;
  for (const auto& k : report.at("survivors")) killed.insert(k.at("argv").dump());
  EXPECT_EQ(killed, (std::set<std::string>{json({hang(), token + "-bg"}).dump(), json({hang(), token + "-daemon"}).dump()}))
      << report.at("survivors").dump(1);
  for (const auto& e : report.at("events"))
    if (e.at("type") == "fault" && first.is_null()) first = e;
  ASSERT_TRUE(first.is_object());
  // The command leads its own process group (writes are attributed to an
  // action by the group of the writer).
  EXPECT_EQ(first.at("result").at("pid"), first.at("result").at("pgid")) << first.dump();
  EXPECT_EQ(first.at("pid"), first.at("result").at("pid")) << first.dump();
}

// The host's cgroup2 directory of ours (the harness's is the same), or a
// test failure.
fs::path own_cgroup_dir() {
  std::string why;
  auto p = own_cgroup2(why);
  EXPECT_TRUE(p) << why;
  return p ? p->dir : fs::path();
}

// The harness's run cgroups (harness-PID-N) under ours.
std::set<std::string> harness_cgroups_of(pid_t harness) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(own_cgroup_dir(), ec))
    if (e.path().filename().string().rfind(fmt::format("harness-{}-", harness), 0) == 0) out.insert(e.path());
  return out;
}

TEST(SecurityProcesses, WhatARunActionLeftDiesWithASigkilledHarnessAtGc) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  // Command lines no other process has: `sleep 317.NNNNNN`, one left in
  // the action's group and one that left it (setsid).
  const std::string sleep_for = fmt::format("317.{:06}", std::random_device{}() % 1000000);
  json s = quick_scenario("sigkilled");
  s["workload"] = {{"argv", {"/bin/true"}}, {"duration_ms", 60000}};
  s["faults"][0]["actions"] = json::array(
      {{{"action", "run"},
        {"argv", {"/bin/sh", "-c", "sleep " + sleep_for + " & setsid sleep " + sleep_for + " & echo started"}}}});
  fs::path sc = write_scenario_file(tmp.path(), s);
  fs::path runs = tmp.path() / "runs";
  fs::create_directories(runs);
  ChildOptions o;
  o.stdout_file = tmp.path() / "run.out";
  o.stderr_file = tmp.path() / "run.err";
  o.timeout = std::chrono::seconds(120);
  Child harness({HARNESS_BIN, "run", "--backend", "host", sc.string(), "--out", (runs / "run").string()}, o);
  bool both = false;
  for (int i = 0; i < 300 && !both; ++i) {
    both = processes_with(sleep_for).size() == 2;
    if (!both) usleep(50 * 1000);
  }
  ASSERT_TRUE(both) << slurp(o.stderr_file);
  auto cgroups = harness_cgroups_of(harness.pid());
  ASSERT_EQ(cgroups.size(), 1u);
  ASSERT_EQ(kill(harness.pid(), SIGKILL), 0);
  harness.wait();
  // Neither died with the harness: the background job is not the action's
  // command (no PDEATHSIG), the other left its group and session.
  usleep(300 * 1000);
  EXPECT_EQ(processes_with(sleep_for).size(), 2u) << "what is gc then for?";
  auto gc = run_harness({"gc", runs.string(), "--json"}, tmp.path());
  EXPECT_EQ(gc.exit_code, 0) << gc.err;
  EXPECT_NE(gc.out.find("killed 2 processes in cgroup " + *cgroups.begin()), std::string::npos) << gc.out;
  auto left = survivors(sleep_for);
  EXPECT_TRUE(left.empty()) << ::testing::PrintToString(left) << " outlived the harness and gc";
  EXPECT_FALSE(fs::exists(*cgroups.begin())) << "gc removes the run's cgroup";
  expect_nothing_left(runs);
}

TEST(SecurityProcesses, GcKillsNothingInACgroupThatIsNoLongerTheRunsOwn) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  // A dead run's marker names a cgroup whose id is not the one there now
  // (the path was reused, or the marker lies): gc leaves it and its
  // processes alone.
  const std::string token = unique_token("gc-cgroup");
  fs::path dir = own_cgroup_dir() / fmt::format("harness-{}-gctest", getpid());
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  struct stat st {};
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  // Into that cgroup, as a stranger's process.
  auto cg = Cgroup::adopt(dir, st.st_ino);
  ASSERT_TRUE(cg);
  ChildOptions o;
  o.timeout = std::chrono::seconds(30);
  o.cgroup = &*cg;
  Child victim({hang(), token}, o);
  fs::path run = tmp.path() / "runs" / "dead";
  fs::create_directories(run / "work");
  MarkerContents m;
  m.cgroups.push_back(MarkedCgroup{dir.string(), st.st_ino + 1});
  std::ofstream(run / kRunMarkerName) << marker_json(m);
  auto gc = run_harness({"gc", (tmp.path() / "runs").string(), "--json"}, tmp.path());
  EXPECT_EQ(gc.exit_code, 0) << gc.err;
  EXPECT_EQ(gc.out.find("cgroup"), std::string::npos) << gc.out;
  EXPECT_EQ(processes_with(token).size(), 1u) << "gc killed a process in a cgroup that was not the run's";
  EXPECT_TRUE(fs::exists(dir));
  cg->remove();  // the test's own: killed and removed here
}

TEST(SecurityProcesses, AnIgnoredSigchldInheritedFromTheCallerChangesNothing) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  json s = quick_scenario("sigchld");
  // The workload crashes once its fault has made it: every status must be
  // read, the warm-up's ok and the SIGSEGVs after.
  s["workload"] = {{"argv", {"/bin/sh", "-c", "[ -e {work}/crash ] && exec " + std::string(TESTPROGS_DIR) + "/segv; true"}},
                   {"iterations", 20}};
  s["faults"][0]["actions"] = json::array({{{"action", "run"}, {"argv", {"/bin/touch", "{work}/crash"}}}});
  s["expect"] = json::array({{{"classes", {"sigsegv"}}, {"at_least", 5}}});
  fs::path sc = write_scenario_file(tmp.path(), s);
  fs::path run = tmp.path() / "run";
  // An ignored signal stays ignored across exec: the harness starts so
  // (bash sets SIG_IGN for trap ''; dash does not).
  auto res = run_argv({"/bin/bash", "-c", "trap '' CHLD; exec \"$0\" \"$@\"", HARNESS_BIN, "run", "--backend", "host",
                       sc.string(), "--out", run.string()},
                      tmp.path(), std::chrono::seconds(120));
  EXPECT_EQ(res.exit_code, 0) << res.out << res.err;
}

}  // namespace
}  // namespace harness::itest
