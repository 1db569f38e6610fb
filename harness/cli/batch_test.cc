#include "cli/batch.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/error.h"
#include "report/merge.h"
#include "report/report_junit.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using nlohmann::json;

TEST(Batch, OneRunUsesOutAsItsRunDirectory) {
  BatchOptions o;
  o.out = "/r/x";
  auto s = batch_slot("heroku", 1, o, 1);
  EXPECT_EQ(s.run_dir, std::filesystem::path("/r/x"));
  EXPECT_EQ(s.label, "heroku");
}

TEST(Batch, RepeatedRunsAreNumberedUnderOut) {
  BatchOptions o;
  o.out = "/r";
  o.repeat = 10;
  auto s = batch_slot("heroku", 3, o, 20);
  EXPECT_EQ(s.run_dir, std::filesystem::path("/r/heroku-03"));
  EXPECT_EQ(s.label, "heroku #3");
  o.repeat = 150;
  EXPECT_EQ(batch_slot("heroku", 7, o, 150).dir_name, "heroku-007");
  // Several scenarios, once each: DIR/NAME, as before --repeat existed.
  o.repeat = 1;
  EXPECT_EQ(batch_slot("control", 1, o, 3).run_dir, std::filesystem::path("/r/control"));
  // Without --out the default directory is made from the name.
  o.out.reset();
  EXPECT_FALSE(batch_slot("control", 1, o, 3).run_dir);
}

TEST(Batch, AnOutThatHoldsARunIsAUsageMistakeRefusedBeforeAnythingIsCreated) {
  ::harness::testing::TempDir tmp;
  Scenario s;
  s.name = "gate";
  BatchOptions o;
  o.out = tmp.path() / "run";
  EXPECT_NO_THROW(check_batch_dirs({s}, o));  // not there yet
  std::filesystem::create_directories(*o.out);
  EXPECT_NO_THROW(check_batch_dirs({s}, o));  // there, but empty
  std::ofstream(*o.out / "report.json") << "{}";
  try {
    check_batch_dirs({s}, o);
    ADD_FAILURE() << "expected a usage error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
    EXPECT_NE(std::string(e.what()).find("already holds a run"), std::string::npos) << e.what();
  }
  // Several runs: DIR may exist; DIR/NAME-01 must not hold a run.
  o.out = tmp.path();
  o.repeat = 2;
  EXPECT_NO_THROW(check_batch_dirs({s}, o));
  std::filesystem::create_directories(tmp.path() / "gate-02");
  std::ofstream(tmp.path() / "gate-02" / "report.json") << "{}";
  EXPECT_THROW(check_batch_dirs({s}, o), Error);
  // Two scenarios of one name would collide.
  o.repeat = 1;
  o.out = tmp.path() / "many";
  EXPECT_THROW(check_batch_dirs({s, s}, o), Error);
}

json report(const std::string& scenario, const std::string& verdict, unsigned long segv, unsigned long ok,
            unsigned long n, unsigned long abnormal) {
  return {{"scenario", scenario},
          {"verdict", verdict},
          {"run", {{"duration_ms", 1000.0}}},
          {"counts", {{"ok", ok}, {"sigsegv", segv}, {"sigbus", 0}, {"exec_failed", abnormal - segv}}},
          {"statistics", {{"n", n}, {"abnormal", abnormal}}}};
}

TEST(Batch, RunsArePooledPerScenario) {
  std::vector<json> reports = {report("heroku", "pass", 5, 10, 100, 90), report("heroku", "fail", 0, 100, 100, 0),
                               report("control", "pass", 0, 60, 60, 0), report("control", "pass", 0, 60, 60, 0)};
  json pooled = pool_by_scenario(reports);
  ASSERT_EQ(pooled.size(), 2u);
  const json& control = pooled[0];  // sorted by name
  EXPECT_EQ(control.at("scenario"), "control");
  EXPECT_EQ(control.at("runs"), 2);
  EXPECT_EQ(control.at("runs_with_abnormal_exit"), 0);
  EXPECT_EQ(control.at("pooled_under_fault").at("n"), 120);
  // 0 in 120: the one-sided 95% bound is 1 - 0.05^(1/120).
  EXPECT_NEAR(control.at("pooled_under_fault").at("upper95_one_sided").get<double>(), 0.0246554, 1e-6);
  const json& heroku = pooled[1];
  EXPECT_EQ(heroku.at("runs_with_sigsegv_or_sigbus"), 1);
  EXPECT_EQ(heroku.at("runs_with_abnormal_exit"), 1);
  EXPECT_EQ(heroku.at("verdicts").at("pass"), 1);
  EXPECT_EQ(heroku.at("verdicts").at("fail"), 1);
  EXPECT_DOUBLE_EQ(heroku.at("pooled_under_fault").at("rate").get<double>(), 0.45);
  std::string text = pooled_text(pooled);
  EXPECT_NE(text.find("control: 2 runs (pass 2); SIGSEGV/SIGBUS in 0, any abnormal exit in 0; pooled: 0 abnormal "
                      "in 120 execs under fault: crash probability < 0.0247 (95%)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("heroku: 2 runs (fail 1, pass 1); SIGSEGV/SIGBUS in 1"), std::string::npos) << text;
}

TEST(Batch, RepeatedRunsAreSeparateJunitTestcases) {
  std::string xml = render_junit({report("heroku", "pass", 5, 10, 100, 90), report("heroku", "pass", 5, 10, 100, 90),
                                  report("control", "pass", 0, 60, 60, 0)});
  EXPECT_NE(xml.find("name=\"heroku (run 1 of 2)\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"heroku (run 2 of 2)\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"control\""), std::string::npos) << xml;
}

}  // namespace
}  // namespace harness
