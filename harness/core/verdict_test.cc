#include "core/verdict.h"

#include <gtest/gtest.h>

#include <cmath>

namespace harness {
namespace {

ExecEvent exec(ExecClass c, ExecPhase p = ExecPhase::fault) {
  ExecEvent e;
  e.outcome.cls = c;
  e.phase = p;
  return e;
}

Expectation count(std::set<ExecClass> classes, std::optional<unsigned long> lo,
                  std::optional<unsigned long> hi) {
  Expectation e;
  e.kind = ExpectationKind::exec_count;
  e.classes = std::move(classes);
  e.at_least = lo;
  e.at_most = hi;
  return e;
}

TEST(Verdict, ReproductionPassesWithCrashes) {
  RunRecord r;
  r.execs = {exec(ExecClass::ok, ExecPhase::warmup), exec(ExecClass::sigsegv), exec(ExecClass::sigbus),
             exec(ExecClass::ok)};
  auto v = decide({count({ExecClass::sigsegv, ExecClass::sigbus}, 1, std::nullopt)}, r);
  EXPECT_EQ(v.status, VerdictStatus::pass);
  EXPECT_EQ(v.results[0].observed, 2u);
  EXPECT_EQ(v.results[0].text, "sigsegv+sigbus >= 1");
  EXPECT_EQ(v.n, 3u);
  EXPECT_EQ(v.k, 2u);
  EXPECT_EQ(v.warmup_execs, 1u);
  EXPECT_EQ(v.counts.of(ExecClass::hung), 0u);  // zeros are present
}

TEST(Verdict, PreventionFailsOnOneAbnormalExit) {
  RunRecord r;
  r.execs = {exec(ExecClass::ok), exec(ExecClass::exec_failed)};
  std::set<ExecClass> abnormal;
  for (ExecClass c : kAllExecClasses)
    if (is_abnormal(c)) abnormal.insert(c);
  auto v = decide({count(abnormal, std::nullopt, 0)}, r);
  EXPECT_EQ(v.status, VerdictStatus::fail);
  EXPECT_EQ(v.results[0].text, "abnormal <= 0");
  EXPECT_FALSE(v.results[0].held);
}

TEST(Verdict, MinExecsAndFaultOutcome) {
  RunRecord r;
  for (int i = 0; i < 10; ++i) r.execs.push_back(exec(ExecClass::ok));
  FaultEvent f;
  f.fault = "overwrite";
  f.outcome = "EPERM";
  r.faults = {f, f};
  Expectation min;
  min.kind = ExpectationKind::min_execs_under_fault;
  min.at_least = 11;
  Expectation eperm;
  eperm.kind = ExpectationKind::fault_outcome;
  eperm.outcome = "EPERM";
  eperm.fault = "overwrite";
  eperm.at_least = 1;
  auto v = decide({min, eperm}, r);
  EXPECT_FALSE(v.results[0].held);
  EXPECT_TRUE(v.results[1].held);
  EXPECT_EQ(v.results[1].observed, 2u);
  EXPECT_EQ(v.status, VerdictStatus::fail);
  EXPECT_NEAR(v.upper95_one_sided, 1 - std::pow(0.05, 0.1), 1e-9);
}

TEST(Verdict, TimeoutAndErrorOverridePass) {
  RunRecord r;
  r.execs = {exec(ExecClass::sigsegv)};
  auto e = count({ExecClass::sigsegv}, 1, std::nullopt);
  r.timed_out = true;
  EXPECT_EQ(decide({e}, r).status, VerdictStatus::timeout);
  r.error = "boom";
  EXPECT_EQ(decide({e}, r).status, VerdictStatus::error);
}

}  // namespace
}  // namespace harness

namespace harness {
namespace {

nlohmann::json snap(const std::string& path, const std::string& sha, unsigned long inode) {
  return {{"path", path}, {"sha256", sha}, {"inode", inode}, {"when", "x"}};
}

TEST(Verdict, ImageUnchangedComparesEverySnapshot) {
  Expectation e;
  e.kind = ExpectationKind::image_unchanged;
  e.path = "data/a.img";
  RunRecord r;
  r.images_evidence = {snap("data/a.img", "aa", 5), snap("data/b.img", "zz", 9), snap("data/a.img", "aa", 5)};
  auto v = decide({e}, r);
  EXPECT_TRUE(v.results[0].held) << v.results[0].detail;
  r.images_evidence.push_back(snap("data/a.img", "aa", 6));  // same bytes, new inode: replaced
  v = decide({e}, r);
  EXPECT_FALSE(v.results[0].held);
  EXPECT_EQ(v.results[0].observed, 2u);
  r.images_evidence = {snap("data/a.img", "aa", 5)};  // one snapshot proves nothing
  EXPECT_FALSE(decide({e}, r).results[0].held);
}

TEST(Verdict, FaultOutcomeCanBeNarrowedToAnAction) {
  Expectation e;
  e.kind = ExpectationKind::fault_outcome;
  e.fault = "f";
  e.action = "overwrite_truncate";
  e.outcome = "ok";
  e.at_most = 0;
  RunRecord r;
  FaultEvent drop;
  drop.fault = "f";
  drop.action = "drop_caches";
  drop.outcome = "ok";
  FaultEvent cat = drop;
  cat.action = "overwrite_truncate";
  cat.outcome = "EPERM";
  r.faults = {drop, cat, drop};
  auto v = decide({e}, r);
  EXPECT_TRUE(v.results[0].held);
  EXPECT_EQ(v.results[0].text, "f overwrite_truncate actions ending ok <= 0");
}

}  // namespace
}  // namespace harness
