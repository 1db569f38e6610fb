#include "core/exercise.h"

#include <gtest/gtest.h>

#include "core/verdict.h"

namespace harness {
namespace {

using nlohmann::json;

// An installer (fault "install", pid 42) that ran from 100 to 400 ms and
// worked on data/ from 150 ms on; a kill of fault "kill" aimed at it.
RunRecord installer_run(double strike_ms, bool ok = true, const std::string& outcome = "ok") {
  RunRecord r;
  FaultEvent run;
  run.fault = "install";
  run.action = "run";
  run.pid = 42;
  run.t_start_ms = 100;
  run.t_end_ms = 400;
  r.faults.push_back(run);
  FaultEvent kill;
  kill.fault = "kill";
  kill.action = "kill";
  kill.ok = ok;
  kill.outcome = outcome;
  kill.detail = ok ? "SIGKILL" : "fault \"install\"'s command ended before the kill was due";
  kill.result = {{"target_fault", "install"}, {"target_pid", 42}, {"offset_ms", strike_ms - 100}, {"t_ms", strike_ms}};
  r.faults.push_back(kill);
  ExecEvent warm;  // a clean baseline
  warm.phase = ExecPhase::warmup;
  warm.t_ms = 1;
  warm.outcome.cls = ExecClass::ok;
  r.execs.push_back(warm);
  r.destination.folders = {"data"};
  r.destination.ops.push_back({150, 150, DestinationOpKind::create, "data", ".stack.img.tmp", 1});
  r.destination.ops.push_back({151, 390, DestinationOpKind::write, "data", ".stack.img.tmp", 60});
  return r;
}

TEST(Exercise, AKillBeforeTheInstallerTouchedItsDestinationIsMissed) {
  auto x = judge_exercise(installer_run(107));
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(x[0].state, ExerciseState::missed);
  EXPECT_EQ(x[0].fault, "kill");
  EXPECT_NE(x[0].detail.find("7 ms after it started, before it touched data/"), std::string::npos) << x[0].detail;
  EXPECT_FALSE(x[0].change.empty());
}

TEST(Exercise, AKillInsideTheInstallersWorkIsExercised) {
  auto x = judge_exercise(installer_run(300));
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(x[0].state, ExerciseState::exercised);
  EXPECT_NE(x[0].detail.find("after 2 operations on data/"), std::string::npos) << x[0].detail;
  EXPECT_NE(x[0].detail.find("write data/.stack.img.tmp (60 writes)"), std::string::npos) << x[0].detail;
}

TEST(Exercise, AKillThatNeverStruckIsMissed) {
  auto x = judge_exercise(installer_run(500, false, "missed"));
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(x[0].state, ExerciseState::missed);
  EXPECT_NE(x[0].detail.find("did not strike"), std::string::npos) << x[0].detail;
}

TEST(Exercise, WithoutAWatchedDestinationItIsANoteNotAVerdict) {
  RunRecord r = installer_run(107);
  r.destination.folders.clear();
  auto x = judge_exercise(r);
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(x[0].state, ExerciseState::note);
}

TEST(Exercise, AnEnospcFolderMustFillUnlessNothingWasWrittenThere) {
  RunRecord r;
  r.destination.folders = {"data"};
  ScratchSpace s{"data", true, 8 << 20, 4096, 4096, 300, 500};
  r.scratch_space = {s};
  auto x = judge_exercise(r);
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(x[0].state, ExerciseState::exercised) << x[0].detail;
  EXPECT_NE(x[0].detail.find("data/ ran out of room"), std::string::npos) << x[0].detail;
  // Not full: nothing written there is a refusal ...
  r.scratch_space[0].min_free_bytes = 6 << 20;
  x = judge_exercise(r);
  EXPECT_EQ(x[0].state, ExerciseState::refused) << x[0].detail;
  // ... writes that never filled it tested no ENOSPC.
  r.destination.ops.push_back({10, 20, DestinationOpKind::write, "data", "stack.img", 9});
  x = judge_exercise(r);
  EXPECT_EQ(x[0].state, ExerciseState::missed) << x[0].detail;
  EXPECT_NE(x[0].detail.find("never ran out of room"), std::string::npos) << x[0].detail;
  r.scratch_space[0].min_free_bytes = 0;
  x = judge_exercise(r);
  EXPECT_EQ(x[0].state, ExerciseState::exercised) << x[0].detail;
  // A folder not meant to fill is not judged.
  r.scratch_space[0].enospc = false;
  EXPECT_TRUE(judge_exercise(r).empty());
}

TEST(Exercise, OffersOfTheSameVersionOnlyAreSaid) {
  RunRecord r;
  r.offers = {Offer{"redeploy", "store/app.img", "data/app.img", "aa", true}};
  auto x = judge_exercise(r);
  ASSERT_EQ(x.size(), 2u);
  EXPECT_EQ(x[0].what, "offer");
  EXPECT_EQ(x[0].state, ExerciseState::note);
  EXPECT_EQ(x[1].detail.rfind("same version only", 0), 0u) << x[1].detail;
  r.offers.push_back(Offer{"redeploy-new", "store-v2/app.img", "data/app.img", "bb", false});
  x = judge_exercise(r);
  ASSERT_EQ(x.size(), 2u) << "a new version offered: no same-version note";
  EXPECT_NE(x[1].detail.find("a different version than the installed data/app.img"), std::string::npos);
}

TEST(Exercise, AMissMakesAPassInconclusiveButAFailStaysAFail) {
  Expectation none_abnormal;
  none_abnormal.kind = ExpectationKind::exec_count;
  none_abnormal.classes = {ExecClass::sigsegv};
  none_abnormal.at_most = 0;
  RunRecord r = installer_run(107);
  r.planned_faults = {{"install", false}, {"kill", false}};
  Verdict v = decide({none_abnormal}, r);
  EXPECT_EQ(v.status, VerdictStatus::inconclusive);
  ASSERT_EQ(v.inconclusive_reasons.size(), 1u) << ::testing::PrintToString(v.inconclusive_reasons);
  EXPECT_EQ(v.inconclusive_reasons[0].rfind("not exercised: the kill struck", 0), 0u) << v.inconclusive_reasons[0];
  EXPECT_EQ(decide({none_abnormal}, installer_run(300)).status, VerdictStatus::pass);
  // A crash is a finding whatever the kill did.
  ExecEvent e;
  e.phase = ExecPhase::fault;
  e.t_ms = 200;
  e.outcome.cls = ExecClass::sigsegv;
  r.execs.push_back(e);
  EXPECT_EQ(decide({none_abnormal}, r).status, VerdictStatus::fail);
}

TEST(Exercise, RoundTripsThroughJson) {
  Exercise e{"kill", "kill", ExerciseState::missed, "struck early", "aim later"};
  EXPECT_EQ(to_json(exercise_from_json(to_json(e))), to_json(e));
  json j = to_json(e);
  j["state"] = "mised";
  EXPECT_ANY_THROW(exercise_from_json(j));
}

}  // namespace
}  // namespace harness
