#include "core/early_stop.h"

#include <gtest/gtest.h>

#include "core/expectation_fixture.h"

namespace harness {
namespace {

using fixture::abnormal;
using fixture::count;

Expectation min_execs(unsigned long n) {
  Expectation e;
  e.kind = ExpectationKind::min_execs_under_fault;
  e.at_least = n;
  return e;
}

Expectation no_write(const std::string& path) {
  Expectation e;
  e.kind = ExpectationKind::no_write_while_mounted;
  e.path = path;
  return e;
}

Scenario with(std::vector<Expectation> expect, std::vector<std::string> faults = {"redeploy"}) {
  Scenario s;
  s.expect = std::move(expect);
  for (auto& f : faults) s.faults.push_back(FaultSpec{f, {}, {}, false});
  return s;
}

TEST(EarlyStop, AReproductionStopsAtItsFirstCrashOnceEveryFaultActed) {
  Scenario s = with({count({ExecClass::sigsegv, ExecClass::sigbus}, 1, std::nullopt)});
  LiveEvidence live;
  for (int i = 0; i < 5; ++i) live.under_fault.add(ExecClass::ok);
  EXPECT_FALSE(decided(s, live).stop);
  live.under_fault.add(ExecClass::sigbus);
  EXPECT_FALSE(decided(s, live).stop) << "the fault never acted";
  live.faults_fired.insert("redeploy");
  auto d = decided(s, live);
  EXPECT_TRUE(d.stop);
  EXPECT_EQ(d.why, "every expectation held after 6 execs under fault");
}

TEST(EarlyStop, AFailureIsFinalAtOnce) {
  Scenario s = with({count(abnormal(), std::nullopt, 0), min_execs(1000)}, {"redeploy", "memory-pressure"});
  LiveEvidence live;
  live.under_fault.add(ExecClass::ok);
  EXPECT_FALSE(decided(s, live).stop);
  live.under_fault.add(ExecClass::exec_failed);  // before every fault acted: fail stays fail
  auto d = decided(s, live);
  EXPECT_TRUE(d.stop);
  EXPECT_EQ(d.why, "\"abnormal <= 0\" failed after 2 execs under fault");
}

TEST(EarlyStop, AWriteToTheMountedImageIsFinalAtOnce) {
  Scenario s = with({no_write("data/app.img"), count(abnormal(), std::nullopt, 0), min_execs(1000)});
  LiveEvidence live;
  live.images_written.insert("data/other.img");
  EXPECT_FALSE(decided(s, live).stop);
  live.images_written.insert("data/app.img");
  EXPECT_TRUE(decided(s, live).stop);
}

TEST(EarlyStop, APreventionCheckRunsToItsMinimum) {
  Scenario s = with({no_write("data/app.img"), count(abnormal(), std::nullopt, 0), min_execs(3)});
  LiveEvidence live;
  live.faults_fired.insert("redeploy");
  live.under_fault.add(ExecClass::ok);
  live.under_fault.add(ExecClass::ok);
  EXPECT_FALSE(decided(s, live).stop);
  live.under_fault.add(ExecClass::ok);
  EXPECT_TRUE(decided(s, live).stop);
  // Without a stated minimum, nothing short of the end decides a pass.
  Scenario open = with({count(abnormal(), std::nullopt, 0)});
  EXPECT_FALSE(decided(open, live).stop);
}

TEST(EarlyStop, AnOptionalFaultNeedNotHaveActed) {
  Scenario s = with({count({ExecClass::sigsegv}, 1, std::nullopt)}, {"redeploy", "maybe"});
  s.faults[1].optional = true;
  LiveEvidence live;
  live.faults_fired.insert("redeploy");
  live.under_fault.add(ExecClass::sigsegv);
  EXPECT_TRUE(decided(s, live).stop);
}

TEST(EarlyStop, FaultOutcomes) {
  Expectation eperm;
  eperm.kind = ExpectationKind::fault_outcome;
  eperm.fault = "overwrite";
  eperm.action = "overwrite_truncate";
  eperm.outcome = "EPERM";
  eperm.at_least = 1;
  Expectation never_ok = eperm;
  never_ok.outcome = "ok";
  never_ok.at_least.reset();
  never_ok.at_most = 0;
  Scenario s = with({eperm, never_ok, min_execs(2)}, {"overwrite"});
  LiveEvidence live;
  live.faults_fired.insert("overwrite");
  live.outcomes[{"overwrite", "overwrite_truncate", "EPERM"}] = 1;
  live.under_fault.add(ExecClass::ok);
  EXPECT_FALSE(decided(s, live).stop);
  live.under_fault.add(ExecClass::ok);
  EXPECT_TRUE(decided(s, live).stop);
  live.outcomes[{"overwrite", "overwrite_truncate", "ok"}] = 1;
  EXPECT_EQ(decided(s, live).why, "\"overwrite overwrite_truncate actions ending ok <= 0\" failed after 2 execs under fault");
}

}  // namespace
}  // namespace harness
