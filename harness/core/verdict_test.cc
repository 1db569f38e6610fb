#include "core/verdict.h"

#include <gtest/gtest.h>

#include "core/expectation_fixture.h"

#include <cmath>

namespace harness {
namespace {

using fixture::abnormal;
using fixture::count;

ExecEvent exec(ExecClass c, double t_ms, ExecPhase p = ExecPhase::fault) {
  ExecEvent e;
  e.outcome.cls = c;
  e.phase = p;
  e.t_ms = t_ms;
  return e;
}

FaultEvent fault_action(const std::string& fault, const std::string& action, double t, pid_t pid = 0) {
  FaultEvent f;
  f.fault = fault;
  f.action = action;
  f.t_start_ms = t;
  f.t_end_ms = t + 10;
  f.outcome = "ok";
  f.pid = pid;
  return f;
}

Expectation path_expectation(ExpectationKind kind, const std::string& path) {
  Expectation e;
  e.kind = kind;
  e.path = path;
  return e;
}

// A run with a clean baseline (3 ok warm-up execs), one fault "redeploy"
// whose first action starts at 100 ms, and the given execs after it.
RunRecord run_with(std::vector<ExecEvent> fault_execs) {
  RunRecord r;
  r.harness_pid = 500;
  r.planned_faults = {{"redeploy", false}};
  for (int i = 0; i < 3; ++i) r.execs.push_back(exec(ExecClass::ok, 10.0 * i, ExecPhase::warmup));
  r.faults.push_back(fault_action("redeploy", "overwrite_truncate", 100));
  for (auto& e : fault_execs) r.execs.push_back(e);
  return r;
}

// Evidence of a watched, mounted image with no writer (and nothing lost).
void watched(RunRecord& r, const std::string& path) {
  r.writes.watches.push_back(Watch{path, "mnt/stack", "/dev/loop0", "loop,ro", 1, 2, 5, 900});
  r.writes.method = "fanotify";
}

TEST(Verdict, ReproductionPassesWithCrashesUnderFault) {
  RunRecord r = run_with({exec(ExecClass::sigsegv, 150), exec(ExecClass::sigbus, 160), exec(ExecClass::ok, 170)});
  auto v = decide({count({ExecClass::sigsegv, ExecClass::sigbus}, 1, std::nullopt)}, r);
  EXPECT_EQ(v.status, VerdictStatus::pass);
  EXPECT_EQ(v.results[0].observed, 2u);
  EXPECT_EQ(v.results[0].text, "sigsegv+sigbus >= 1");
  EXPECT_EQ(v.results[0].basis, EvidenceBasis::statistical);
  EXPECT_EQ(v.n, 3u);
  EXPECT_EQ(v.k, 2u);
  EXPECT_EQ(v.warmup_execs, 3u);
  EXPECT_EQ(v.counts.of(ExecClass::hung), 0u);  // zeros are present
  EXPECT_NE(v.rests_on.find("probabilistic"), std::string::npos) << v.rests_on;
}

TEST(Verdict, PreventionFailsOnOneAbnormalExitUnderFault) {
  RunRecord r = run_with({exec(ExecClass::ok, 150), exec(ExecClass::exec_failed, 160)});
  auto v = decide({count(abnormal(), std::nullopt, 0)}, r);
  EXPECT_EQ(v.status, VerdictStatus::fail);
  EXPECT_EQ(v.results[0].text, "abnormal <= 0");
  EXPECT_NE(v.results[0].state, Judgement::held);
  EXPECT_NE(v.results[0].state, Judgement::undecided);
}

TEST(Verdict, WarmupNeverCountsTowardAnExpectation) {
  // A workload that crashes by itself must not "reproduce the incident".
  RunRecord r = run_with({exec(ExecClass::ok, 150)});
  r.execs[0].outcome.cls = ExecClass::sigsegv;
  auto v = decide({count({ExecClass::sigsegv}, 1, std::nullopt)}, r);
  EXPECT_EQ(v.results[0].observed, 0u);
  EXPECT_NE(v.status, VerdictStatus::pass);
}

TEST(Verdict, DirtyBaselineIsInconclusiveNeverPass) {
  RunRecord r = run_with({exec(ExecClass::sigsegv, 150), exec(ExecClass::sigsegv, 160)});
  r.execs[1].outcome.cls = ExecClass::sigsegv;  // a warm-up exec crashed with no fault
  auto v = decide({count({ExecClass::sigsegv}, 1, std::nullopt)}, r);
  EXPECT_EQ(v.status, VerdictStatus::inconclusive);
  EXPECT_EQ(v.results[0].state, Judgement::undecided);
  ASSERT_FALSE(v.inconclusive_reasons.empty());
  EXPECT_NE(v.inconclusive_reasons[0].find("the workload fails without any fault"), std::string::npos)
      << v.inconclusive_reasons[0];
  // And a prevention check cannot pass on it either.
  r.execs.resize(3);
  EXPECT_EQ(decide({count(abnormal(), std::nullopt, 0)}, r).status, VerdictStatus::inconclusive);
}

TEST(Verdict, NoWarmupIsNoBaseline) {
  RunRecord r = run_with({exec(ExecClass::ok, 150)});
  r.execs.erase(r.execs.begin(), r.execs.begin() + 3);
  auto v = decide({count(abnormal(), std::nullopt, 0)}, r);
  EXPECT_EQ(v.status, VerdictStatus::inconclusive);
}

TEST(Verdict, UnderFaultMeansAfterTheFirstFaultActionStarted) {
  // Two execs in the fault phase but before any fault acted do not count.
  RunRecord r = run_with({exec(ExecClass::sigsegv, 150)});
  r.execs.push_back(exec(ExecClass::sigbus, 40));
  r.execs.push_back(exec(ExecClass::ok, 99));
  auto v = decide({count({ExecClass::sigbus}, 1, std::nullopt)}, r);
  EXPECT_EQ(v.first_fault_ms, 100);
  EXPECT_EQ(v.before_fault_execs, 2u);
  EXPECT_EQ(v.n, 1u);
  EXPECT_EQ(v.results[0].observed, 0u);
  EXPECT_EQ(v.status, VerdictStatus::fail);
}

TEST(Verdict, AFaultThatNeverFiredNeverYieldsPass) {
  RunRecord r = run_with({exec(ExecClass::ok, 150)});
  r.planned_faults.push_back({"memory-pressure", false});
  auto v = decide({count(abnormal(), std::nullopt, 0)}, r);
  EXPECT_EQ(v.status, VerdictStatus::inconclusive);
  ASSERT_EQ(v.inconclusive_reasons.size(), 1u);
  EXPECT_NE(v.inconclusive_reasons[0].find("\"memory-pressure\" never fired"), std::string::npos);
  // Unless the scenario said it may not.
  r.planned_faults.back().optional = true;
  EXPECT_EQ(decide({count(abnormal(), std::nullopt, 0)}, r).status, VerdictStatus::pass);
  // With no fault action at all, nothing ran under fault.
  RunRecord none = run_with({exec(ExecClass::ok, 150)});
  none.faults.clear();
  auto nv = decide({count({ExecClass::sigsegv}, 1, std::nullopt)}, none);
  EXPECT_EQ(nv.n, 0u);
  EXPECT_EQ(nv.status, VerdictStatus::inconclusive);
}

TEST(Verdict, TooFewExecsUnderFaultIsInconclusiveNotFail) {
  std::vector<ExecEvent> ten;
  for (int i = 0; i < 10; ++i) ten.push_back(exec(ExecClass::ok, 150 + i));
  RunRecord r = run_with(ten);
  Expectation min;
  min.kind = ExpectationKind::min_execs_under_fault;
  min.at_least = 11;
  auto v = decide({count(abnormal(), std::nullopt, 0), min}, r);
  EXPECT_EQ(v.status, VerdictStatus::inconclusive);
  EXPECT_EQ(v.results[1].state, Judgement::undecided);
  EXPECT_NE(v.results[1].detail.find("fewer than the 11"), std::string::npos) << v.results[1].detail;
  EXPECT_NEAR(v.upper95_one_sided, 1 - std::pow(0.05, 0.1), 1e-9);
  // But a crash under fault is a failure, however few execs ran.
  r.execs.back().outcome.cls = ExecClass::sigsegv;
  EXPECT_EQ(decide({count(abnormal(), std::nullopt, 0), min}, r).status, VerdictStatus::fail);
}

TEST(Verdict, FaultOutcome) {
  RunRecord r = run_with({exec(ExecClass::ok, 150)});
  r.faults = {fault_action("overwrite", "overwrite_truncate", 100), fault_action("overwrite", "overwrite_truncate", 120)};
  r.faults[0].outcome = r.faults[1].outcome = "EPERM";
  r.planned_faults = {{"overwrite", false}};
  Expectation eperm;
  eperm.kind = ExpectationKind::fault_outcome;
  eperm.outcome = "EPERM";
  eperm.fault = "overwrite";
  eperm.at_least = 1;
  auto v = decide({eperm}, r);
  EXPECT_EQ(v.results[0].state, Judgement::held);
  EXPECT_EQ(v.results[0].observed, 2u);
  EXPECT_EQ(v.results[0].basis, EvidenceBasis::outcome);
  EXPECT_EQ(v.status, VerdictStatus::pass);
}

TEST(Verdict, FaultOutcomeCanBeNarrowedToAnAction) {
  Expectation e;
  e.kind = ExpectationKind::fault_outcome;
  e.fault = "f";
  e.action = "overwrite_truncate";
  e.outcome = "ok";
  e.at_most = 0;
  RunRecord r = run_with({exec(ExecClass::ok, 150)});
  FaultEvent drop = fault_action("f", "drop_caches", 100);
  FaultEvent cat = fault_action("f", "overwrite_truncate", 110);
  cat.outcome = "EPERM";
  r.faults = {drop, cat, drop};
  r.planned_faults = {{"f", false}};
  auto v = decide({e}, r);
  EXPECT_EQ(v.results[0].state, Judgement::held);
  EXPECT_EQ(v.results[0].text, "f overwrite_truncate actions ending ok <= 0");
}

// An installer that could not run a program it needs tested nothing: the
// run that would pass is inconclusive, saying what was missing and where
// it comes from; a failure stays a failure.
TEST(Verdict, ARunActionThatLackedAProgramMakesAPassInconclusive) {
  RunRecord r = run_with({exec(ExecClass::ok, 150), exec(ExecClass::ok, 160)});
  FaultEvent install = fault_action("redeploy", "run", 120);
  install.ok = false;
  install.outcome = "exit 127";
  install.missing = "rsync is not in the guest: add it to the scenario's \"programs\"";
  r.faults.push_back(install);
  r.faults.push_back(install);  // fired twice: said once
  auto v = decide({count(abnormal(), std::nullopt, 0)}, r);
  EXPECT_EQ(v.status, VerdictStatus::inconclusive);
  ASSERT_EQ(v.inconclusive_reasons.size(), 1u);
  EXPECT_EQ(v.inconclusive_reasons[0],
            "fault \"redeploy\": a run action ended exit 127: rsync is not in the guest: add it to the scenario's "
            "\"programs\"");
  r.execs.push_back(exec(ExecClass::sigsegv, 170));
  EXPECT_EQ(decide({count(abnormal(), std::nullopt, 0)}, r).status, VerdictStatus::fail);
  // The workload's own program lacked something in the warm-up.
  RunRecord w = run_with({exec(ExecClass::ok, 150)});
  w.workload_missing = "python3 is not in the guest";
  auto vw = decide({count(abnormal(), std::nullopt, 0)}, w);
  EXPECT_EQ(vw.status, VerdictStatus::inconclusive);
  EXPECT_EQ(vw.inconclusive_reasons.back(), "the workload's program could not run: python3 is not in the guest");
}

TEST(Verdict, TimeoutAndErrorOverridePass) {
  RunRecord r = run_with({exec(ExecClass::sigsegv, 150)});
  auto e = count({ExecClass::sigsegv}, 1, std::nullopt);
  r.timed_out = true;
  EXPECT_EQ(decide({e}, r).status, VerdictStatus::timeout);
  r.error = "boom";
  EXPECT_EQ(decide({e}, r).status, VerdictStatus::error);
}

// A run that stopped on an error judged nothing: no expectation reads as
// held, and what it did not get to do (faults, a clean warm-up) is no reason.
TEST(Verdict, AnErrorDecidesNoExpectation) {
  RunRecord r = run_with({});
  r.planned_faults = {{"redeploy", false}};
  r.error = "gate.json:8:25: $.workload.argv[0]: ... does not exist (ENOENT)";
  auto v = decide({count({ExecClass::sigsegv}, std::nullopt, 0)}, r);
  EXPECT_EQ(v.status, VerdictStatus::error);
  ASSERT_EQ(v.results.size(), 1u);
  EXPECT_NE(v.results[0].state, Judgement::held);
  EXPECT_EQ(v.results[0].state, Judgement::undecided);
  EXPECT_EQ(v.results[0].detail, "not decided: the run stopped on an error");
  EXPECT_TRUE(v.inconclusive_reasons.empty()) << v.inconclusive_reasons.size();
}

// --- the invariant: no write while mounted -------------------------------

TEST(Verdict, NoWriteWhileMountedHoldsOnCompleteEvidenceOfNoWriter) {
  RunRecord r = run_with({exec(ExecClass::ok, 150)});
  watched(r, "data/app.img");
  auto v = decide({path_expectation(ExpectationKind::no_write_while_mounted, "data/app.img")}, r);
  EXPECT_EQ(v.status, VerdictStatus::pass) << v.results[0].detail;
  EXPECT_EQ(v.results[0].basis, EvidenceBasis::invariant);
  EXPECT_NE(v.rests_on.find("deterministic"), std::string::npos);
}

TEST(Verdict, NoWriteWhileMountedFailsOnAnyWriterWithoutACrash) {
  // The false pass of issue 11: no crash at all, but the installer wrote
  // the mounted image. The verdict is fail, and says who and when.
  RunRecord r = run_with({exec(ExecClass::ok, 150), exec(ExecClass::ok, 160)});
  r.faults.push_back(fault_action("redeploy", "run", 300, 4190));
  r.faults.back().argv = {"/bin/sh", "/work/user-installer.sh"};
  watched(r, "data/app.img");
  Writer w;
  w.process = ProcessInfo{4204, 4190, "/usr/bin/cat", {}};
  w.ancestors = {ProcessInfo{4190, 500, "/bin/sh", {"sh", "user-installer.sh"}}};
  w.path = "data/app.img";
  w.t_first_ms = 312;
  w.modify_events = 80;
  r.writes.writers = {w};
  auto v = decide({count(abnormal(), std::nullopt, 0),
                   path_expectation(ExpectationKind::no_write_while_mounted, "data/app.img")},
                  r);
  EXPECT_EQ(v.results[0].state, Judgement::held);
  EXPECT_NE(v.results[1].state, Judgement::held);
  EXPECT_NE(v.results[1].state, Judgement::undecided);
  EXPECT_EQ(v.status, VerdictStatus::fail);
  const std::string& d = v.results[1].detail;
  EXPECT_NE(d.find("cat (pid 4204), started by fault \"redeploy\" (run): sh user-installer.sh (pid 4190)"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("at 312 ms"), std::string::npos) << d;
  EXPECT_NE(d.find("/dev/loop0"), std::string::npos) << d;
}

Survivor left_running(pid_t pid, std::vector<std::string> argv, pid_t action_pid) {
  Survivor s;
  s.pid = pid;
  s.argv = std::move(argv);
  s.fault = "redeploy";
  s.action_pid = action_pid;
  s.action = "fault \"redeploy\" (install.sh)";
  s.t_killed_ms = 900;
  return s;
}

TEST(Verdict, BackgroundWorkKilledAtTeardownMakesAPassInconclusive) {
  RunRecord r = run_with({exec(ExecClass::ok, 150)});
  watched(r, "data/app.img");
  r.survivors = {left_running(4242, {"sleep", "317"}, 4190)};
  auto v = decide({path_expectation(ExpectationKind::no_write_while_mounted, "data/app.img")}, r);
  EXPECT_EQ(v.results[0].state, Judgement::held);
  EXPECT_EQ(v.status, VerdictStatus::inconclusive);
  ASSERT_EQ(v.inconclusive_reasons.size(), 1u);
  const std::string& why = v.inconclusive_reasons[0];
  EXPECT_NE(why.find("fault \"redeploy\" (install.sh) left `sleep 317` (pid 4242) running in the background"),
            std::string::npos)
      << why;
  EXPECT_NE(why.find("`wait`"), std::string::npos) << why;
}

TEST(Verdict, BackgroundWorkNeverHidesAFailure) {
  // A write seen before the teardown is a fail whatever was killed later.
  RunRecord r = run_with({exec(ExecClass::ok, 150)});
  r.faults.push_back(fault_action("redeploy", "run", 300, 4190));
  watched(r, "data/app.img");
  Writer w;
  w.process = ProcessInfo{4204, 4190, "/usr/bin/cat", {}};
  w.path = "data/app.img";
  w.t_first_ms = 312;
  w.modify_events = 1;
  r.writes.writers = {w};
  r.survivors = {left_running(4242, {"sleep", "317"}, 4190), left_running(4243, {}, 4190)};
  auto v = decide({path_expectation(ExpectationKind::no_write_while_mounted, "data/app.img")}, r);
  EXPECT_EQ(v.status, VerdictStatus::fail);
  // One reason for the one action that left both.
  ASSERT_EQ(v.inconclusive_reasons.size(), 1u);
  EXPECT_NE(v.inconclusive_reasons[0].find("`sleep 317` (pid 4242), `a process` (pid 4243)"), std::string::npos)
      << v.inconclusive_reasons[0];
}

TEST(Verdict, NoWriteWhileMountedCannotPassWithoutEvidence) {
  RunRecord r = run_with({exec(ExecClass::ok, 150)});
  watched(r, "data/app.img");
  auto e = path_expectation(ExpectationKind::no_write_while_mounted, "data/app.img");
  r.writes.incomplete = "the kernel's fanotify queue overflowed and dropped events";
  auto v = decide({e}, r);
  EXPECT_EQ(v.status, VerdictStatus::inconclusive);
  EXPECT_NE(v.results[0].detail.find("overflowed"), std::string::npos);
  r.writes.incomplete.clear();
  r.writes.unavailable = "fanotify_init failed";
  EXPECT_EQ(decide({e}, r).status, VerdictStatus::inconclusive);
  // ... but a writer seen is a failure even on incomplete evidence.
  Writer w;
  w.process.pid = 9;
  w.path = "data/app.img";
  w.modify_events = 1;
  r.writes.writers = {w};
  EXPECT_EQ(decide({e}, r).status, VerdictStatus::fail);
}

TEST(Verdict, NoWriteWhileMountedFailsWhenTheReadOnlyInodesMtimeMoved) {
  RunRecord r = run_with({exec(ExecClass::ok, 150)});
  watched(r, "data/app.img");
  r.writes.watches[0].mtime_ns_at_watch = 1000;
  r.writes.watches[0].mtime_ns_at_unwatch = 2000;
  auto v = decide({path_expectation(ExpectationKind::no_write_while_mounted, "data/app.img")}, r);
  EXPECT_EQ(v.status, VerdictStatus::fail);
  EXPECT_NE(v.results[0].detail.find("modification time changed"), std::string::npos);
}

nlohmann::json snap(const std::string& path, const std::string& sha, unsigned long inode) {
  return {{"path", path}, {"sha256", sha}, {"inode", inode}, {"when", "x"}};
}

TEST(Verdict, ImageUnchangedComparesEverySnapshot) {
  auto e = path_expectation(ExpectationKind::image_unchanged, "data/a.img");
  RunRecord r = run_with({exec(ExecClass::ok, 150)});
  watched(r, "data/a.img");
  r.images_evidence = {snap("data/a.img", "aa", 5), snap("data/b.img", "zz", 9), snap("data/a.img", "aa", 5)};
  auto v = decide({e}, r);
  EXPECT_EQ(v.results[0].state, Judgement::held) << v.results[0].detail;
  EXPECT_EQ(v.results[0].basis, EvidenceBasis::invariant);
  r.images_evidence.push_back(snap("data/a.img", "aa", 6));  // same bytes, new inode: replaced
  v = decide({e}, r);
  EXPECT_NE(v.results[0].state, Judgement::held);
  EXPECT_EQ(v.results[0].observed, 2u);
  r.images_evidence = {snap("data/a.img", "aa", 5)};  // one snapshot proves nothing
  v = decide({e}, r);
  EXPECT_EQ(v.results[0].state, Judgement::undecided);
  EXPECT_EQ(v.status, VerdictStatus::inconclusive);
}

TEST(Verdict, ImageUnchangedFailsOnAnIdenticalBytesRewriteInPlace) {
  // The regressed installer truncated and rewrote the image with the same
  // bytes: one digest, one inode in every snapshot, and still the mistake.
  auto e = path_expectation(ExpectationKind::image_unchanged, "data/a.img");
  RunRecord r = run_with({exec(ExecClass::ok, 150)});
  watched(r, "data/a.img");
  r.images_evidence = {snap("data/a.img", "aa", 5), snap("data/a.img", "aa", 5), snap("data/a.img", "aa", 5)};
  Writer w;
  w.process = ProcessInfo{812, 500, "/usr/bin/stack-install", {"stack-install", "--mode", "regressed"}};
  w.path = "data/a.img";
  w.modify_events = 13;
  w.truncated = true;
  r.writes.writers = {w};
  auto v = decide({e}, r);
  EXPECT_NE(v.results[0].state, Judgement::held);
  EXPECT_NE(v.results[0].state, Judgement::undecided);
  EXPECT_EQ(v.status, VerdictStatus::fail);
  EXPECT_NE(v.results[0].detail.find("(same bytes), but 1 process wrote data/a.img"), std::string::npos)
      << v.results[0].detail;
}

}  // namespace
}  // namespace harness

namespace harness {
namespace {

using nlohmann::json;

// An `installed` path inside a power-cut scratch holds only if it held at
// every crash point of the replayed write log.
TEST(Verdict, APowerCutCrashPointThatBrokeTheInstalledPathFailsIt) {
  Expectation e = fixture::installed("data/x.img", {"v1/x.img"});
  RunRecord r;
  for (const char* p : {"data/x.img", "v1/x.img"})
    r.files_evidence.push_back({{"moment", "after faults"}, {"path", p}, {"exists", true}, {"size", 3},
                                {"sha256", "aa"}, {"md5", "bb"}, {"head", ""}});
  EXPECT_EQ(decide({e}, r).results.at(0).state, Judgement::held) << "no power cut: the file as it is";
  json point = {{"entries", 9}, {"why", "flush"}, {"fsck", 0}, {"holds", "old"}, {"held", true},
                {"checks", {{{"path", "data/x.img"}, {"holds", "old"}, {"held", true}, {"detail", "holds v1"}}}}};
  r.power_cut = json::array({{{"scratch", "data"}, {"paths", {"data/x.img"}}, {"log_entries", 20}, {"crash_points", {point}}}});
  EXPECT_EQ(decide({e}, r).results.at(0).state, Judgement::held) << decide({e}, r).results.at(0).detail;
  point["checks"][0]["held"] = point["held"] = false;
  point["checks"][0]["holds"] = point["holds"] = "broken";
  point["checks"][0]["detail"] = "data/x.img is torn";
  r.power_cut[0]["crash_points"].push_back(point);
  auto res = decide({e}, r).results.at(0);
  EXPECT_NE(res.state, Judgement::held);
  EXPECT_NE(res.state, Judgement::undecided);
  EXPECT_NE(res.detail.find("after 9 of 20 logged writes (flush): data/x.img is torn"), std::string::npos) << res.detail;
  r.power_cut[0] = {{"scratch", "data"}, {"paths", {"data/x.img"}}, {"error", "no log"}};
  res = decide({e}, r).results.at(0);
  EXPECT_EQ(res.state, Judgement::undecided) << res.detail;
}

// A crash point after the setup's durable install, holding `holds` at data/x.img.
json cut_point(uint64_t entries, const std::string& holds) {
  bool held = holds != "broken";
  return {{"point", entries}, {"entries", entries}, {"why", "flush"}, {"fsck", 0}, {"holds", holds}, {"held", held},
          {"detail", holds}, {"checks", {{{"path", "data/x.img"}, {"holds", holds}, {"held", held}, {"detail", holds}}}}};
}

// A run with a clean baseline whose installed path holds v2 at the end,
// and a power cut of data whose crash points hold `holds`.
RunRecord cut_run(const std::vector<std::string>& holds, const std::string& durable_holds = "old") {
  RunRecord r;
  r.execs = {exec(ExecClass::ok, 1, ExecPhase::warmup)};
  for (auto [p, sha] : {std::pair{"data/x.img", "22"}, std::pair{"v1/x.img", "11"}, std::pair{"v2/x.img", "22"}})
    r.files_evidence.push_back({{"moment", "after faults"}, {"path", p}, {"exists", true}, {"size", 3},
                                {"sha256", sha}, {"md5", "bb"}, {"head", ""}});
  json points = json::array();
  for (size_t i = 0; i < holds.size(); ++i) points.push_back(cut_point(20 + i, holds[i]));
  r.power_cut = json::array({{{"scratch", "data"}, {"paths", {"data/x.img"}}, {"log_entries", 40},
                              {"durable_entry", 12}, {"skipped_before_durable", 3},
                              {"durable_state", {{"entries", 12}, {"holds", durable_holds}, {"detail", "as set up"}}},
                              {"crash_points", points}}});
  return r;
}

Expectation x_installed() { return fixture::installed("data/x.img", {"v1/x.img", "v2/x.img"}); }

// No crash state held the old version: none could show it torn by the new
// one. That is not a pass (issue 23: every point held "nothing" or v2).
TEST(Verdict, APowerCutWhereNoCrashPointHeldTheOldVersionIsInconclusive) {
  Verdict v = decide({x_installed()}, cut_run({"new", "new", "nothing"}));
  EXPECT_EQ(v.results.at(0).state, Judgement::held) << v.results.at(0).detail;
  EXPECT_EQ(v.status, VerdictStatus::inconclusive);
  ASSERT_EQ(v.inconclusive_reasons.size(), 1u);
  const std::string& why = v.inconclusive_reasons[0];
  EXPECT_NE(why.find("no crash state of data showed the old version: of 3 crash points after the setup's install "
                     "was durable (entry 12 of 40), 2 new, 1 nothing"),
            std::string::npos)
      << why;
  EXPECT_NE(why.find("make the first install durable"), std::string::npos) << why;

  v = decide({x_installed()}, cut_run({"old", "new", "new"}));
  EXPECT_EQ(v.status, VerdictStatus::pass) << "one crash state held v1, later ones v2";
  EXPECT_TRUE(v.inconclusive_reasons.empty());

  // The failure is the finding: no "not exercised" beside it.
  v = decide({x_installed()}, cut_run({"new", "broken"}));
  EXPECT_EQ(v.status, VerdictStatus::fail);
  EXPECT_TRUE(v.inconclusive_reasons.empty()) << v.inconclusive_reasons[0];
}

TEST(Verdict, APowerCutOfAFolderTheSetupLeftEmptyIsInconclusiveAndSaysSo) {
  Verdict v = decide({x_installed()}, cut_run({"nothing", "nothing", "new"}, "nothing"));
  EXPECT_EQ(v.status, VerdictStatus::inconclusive);
  ASSERT_EQ(v.inconclusive_reasons.size(), 1u);
  EXPECT_NE(v.inconclusive_reasons[0].find("the setup installed nothing there (data/x.img did not exist"),
            std::string::npos)
      << v.inconclusive_reasons[0];

  RunRecord none = cut_run({}, "old");
  v = decide({x_installed()}, none);
  EXPECT_EQ(v.status, VerdictStatus::inconclusive) << "no crash point at all";
  EXPECT_NE(v.results.at(0).state, Judgement::held);
  EXPECT_EQ(v.results.at(0).state, Judgement::undecided);

  // A run that ended in an error has that one reason.
  RunRecord err = cut_run({"new"});
  err.error = "qemu ended";
  v = decide({x_installed()}, err);
  EXPECT_EQ(v.status, VerdictStatus::error);
  EXPECT_TRUE(v.inconclusive_reasons.empty());
}

// "Rests on" names the evidence the deciding expectations use: a run with
// no write check (nothing installed is mounted) does not rest on the
// kernel's record of writes; an installed path judged at power-cut crash
// points says so.
TEST(Verdict, ItRestsOnTheEvidenceItsExpectationsUse) {
  RunRecord r = cut_run({});
  r.power_cut = json::array();
  Verdict v = decide({x_installed()}, r);
  EXPECT_EQ(v.rests_on, "the installed files' digests and sidecars (deterministic)");
  v = decide({x_installed()}, cut_run({"old", "broken"}));
  ASSERT_EQ(v.status, VerdictStatus::fail);
  EXPECT_EQ(v.rests_on.find("kernel's record of writes"), std::string::npos) << v.rests_on;
  EXPECT_NE(v.rests_on.find("power-cut crash point"), std::string::npos) << v.rests_on;
  EXPECT_EQ(v.results[0].kind, ExpectationKind::installed);
  // A write check does rest on the kernel's record.
  RunRecord w = run_with({exec(ExecClass::ok, 150)});
  watched(w, "data/x.img");
  v = decide({path_expectation(ExpectationKind::no_write_while_mounted, "data/x.img")}, w);
  EXPECT_EQ(v.rests_on, "the kernel's record of writes to the mounted image (deterministic)");
}

}  // namespace
}  // namespace harness
