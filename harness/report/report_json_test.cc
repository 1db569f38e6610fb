#include "report/report_json.h"

#include <gtest/gtest.h>

#include "report/report_fixture.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using testing::has;

using nlohmann::json;


// What the record read back from a report renders to, beside the report
// itself: every key a renderer may use must survive the trip.
void expect_round_trip(const RunRecord& r, const Verdict& v) {
  json report = build_report(r, v);
  json again = build_report(record_from_report(report), v);
  EXPECT_EQ(again, report) << json::diff(report, again).dump(1);
}

TEST(ReportJson, ReproductionRecordSurvivesTheRoundTrip) {
  RunRecord r = fixture::heroku_like_record();
  expect_round_trip(r, decide({fixture::crash_expectation()}, r));
}

TEST(ReportJson, InstallerRecordWithWritersAndSnapshotsSurvivesTheRoundTrip) {
  RunRecord r = fixture::in_place_installer_record(5);
  expect_round_trip(r, decide(fixture::gate_expectations(), r));
}

TEST(ReportJson, StoppedEarlyErrorAndPowerCutSurviveTheRoundTrip) {
  RunRecord r = fixture::heroku_like_record();
  r.stopped_early = "the crash expectation held";
  r.stopped_early_ms = 1234.5;
  r.error = "images/demo.img: cannot attach to a loop device";
  r.timed_out = true;
  r.interrupted = true;
  r.power_cut = json::array({{{"scratch", "data"}, {"log_entries", 3}}});
  r.files_evidence = json::array({{{"moment", "end"}, {"path", "a"}, {"exists", false}}});
  Verdict v = decide({fixture::crash_expectation()}, r);
  expect_round_trip(r, v);
  RunRecord back = record_from_report(build_report(r, v));
  EXPECT_EQ(back.stopped_early, r.stopped_early);
  EXPECT_DOUBLE_EQ(back.stopped_early_ms, 1234.5);
  EXPECT_EQ(back.error, r.error);
  EXPECT_TRUE(back.timed_out);
  EXPECT_TRUE(back.interrupted);
  EXPECT_EQ(back.execs.size(), r.execs.size());
  EXPECT_EQ(back.faults.size(), r.faults.size());
  EXPECT_EQ(back.harness_pid, 812);
}

TEST(ReportJson, RunningToTheEndIsNullNotEmpty) {
  json report = fixture::heroku_like_report();
  EXPECT_TRUE(report.at("run").at("stopped_early").is_null());
  EXPECT_TRUE(report.at("run").at("stopped_early_ms").is_null());
  EXPECT_TRUE(report.at("run").at("error").is_null());
  RunRecord back = record_from_report(report);
  EXPECT_TRUE(back.stopped_early.empty());
  EXPECT_DOUBLE_EQ(back.stopped_early_ms, -1);
  EXPECT_TRUE(back.error.empty());
  EXPECT_FALSE(report.contains("power_cut")) << "only a power-cut run has the key";
}

TEST(ReportJson, AFormatOneReportKeepsTheHarnessPidInTheEnvironment) {
  json report = fixture::heroku_like_report();
  report.at("run").erase("harness_pid");
  report.at("environment")["harness_pid"] = 4321;
  EXPECT_EQ(record_from_report(report).harness_pid, 4321);
  report.at("run")["harness_pid"] = 99;  // the run's own wins
  EXPECT_EQ(record_from_report(report).harness_pid, 99);
}

TEST(ReportJson, MissingScenarioRunOrEventsIsAnError) {
  for (const char* key : {"scenario", "run", "events"}) {
    json report = fixture::heroku_like_report();
    report.erase(key);
    EXPECT_THROW(record_from_report(report), json::out_of_range) << key;
  }
  json report = fixture::heroku_like_report();
  report["scenario"] = 7;
  EXPECT_THROW(record_from_report(report), json::type_error);
}

TEST(ReportJson, OptionalKeysDefault) {
  json report = fixture::minimal_report();
  report["run"] = json::object();
  RunRecord r = record_from_report(report);
  EXPECT_EQ(r.scenario, "bare");
  EXPECT_EQ(r.backend, BackendKind::host);
  EXPECT_EQ(r.harness_pid, 0);
  EXPECT_TRUE(r.execs.empty());
  EXPECT_TRUE(r.images.empty());
  EXPECT_TRUE(r.writes.writers.empty());
  EXPECT_TRUE(r.page_cache.is_array());
}

TEST(ReportJson, CountsNameEveryClassZerosIncluded) {
  ExecCounts c = empty_counts();
  for (int i = 0; i < 3; ++i) c.add(ExecClass::sigbus);
  c.add(ExecClass::ok);
  json j = counts_to_json(c);
  EXPECT_EQ(j.size(), std::size(kAllExecClasses));
  EXPECT_EQ(j.at("sigbus"), 3);
  EXPECT_EQ(j.at("ok"), 1);
  EXPECT_EQ(j.at("hung"), 0);
}

TEST(ReportJson, BinomialStatistics) {
  json none = binomial_statistics(0, 3000);
  EXPECT_EQ(none.at("n"), 3000);
  EXPECT_EQ(none.at("abnormal"), 0);
  EXPECT_DOUBLE_EQ(none.at("rate").get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(none.at("ci95_low").get<double>(), 0.0);
  EXPECT_NEAR(none.at("upper95_one_sided").get<double>(), 0.000998, 1e-6);  // 1 - 0.05^(1/3000)
  EXPECT_EQ(none.at("method"), "clopper-pearson");
  json some = binomial_statistics(45, 100);
  EXPECT_DOUBLE_EQ(some.at("rate").get<double>(), 0.45);
  EXPECT_LT(some.at("ci95_low").get<double>(), 0.45);
  EXPECT_GT(some.at("ci95_high").get<double>(), 0.45);
  // No execs: a rate of 0 rather than a division by zero.
  EXPECT_DOUBLE_EQ(binomial_statistics(0, 0).at("rate").get<double>(), 0.0);
}

TEST(ReportJson, ExpectationsAndReasonsSayHeldOrFailed) {
  RunRecord r = fixture::heroku_like_record(/*crashes=*/false);
  json report = build_report(r, decide({fixture::crash_expectation()}, r));
  EXPECT_EQ(report.at("verdict"), "fail");
  ASSERT_EQ(report.at("expectations").size(), 1u);
  EXPECT_EQ(report.at("expectations")[0].at("state"), "failed");
  EXPECT_FALSE(report.at("expectations")[0].at("held").get<bool>());
  ASSERT_FALSE(report.at("verdict_reasons").empty());
  EXPECT_TRUE(has(report.at("verdict_reasons")[0].get<std::string>(), "FAILED: sigsegv+sigbus >= 1"))
      << report.at("verdict_reasons");
}

TEST(ReportJson, AnErrorIsTheOnlyReasonBesideTheTimeout) {
  RunRecord r = fixture::heroku_like_record();
  r.error = "boom";
  r.timed_out = true;
  json report = build_report(r, decide({fixture::crash_expectation()}, r));
  json reasons = report.at("verdict_reasons");
  ASSERT_EQ(reasons.size(), 2u) << reasons;
  EXPECT_EQ(reasons[0], "error: boom");
  EXPECT_EQ(reasons[1], "the scenario hit its timeout_s and was stopped");
  EXPECT_EQ(report.at("expectations").size(), 1u) << "the expectations are still listed";
}

TEST(ReportJson, FaultsCountTheirFires) {
  RunRecord r = fixture::heroku_like_record();
  r.planned_faults.push_back({"never", true});
  json report = build_report(r, decide({fixture::crash_expectation()}, r));
  ASSERT_EQ(report.at("faults").size(), 2u);
  EXPECT_EQ(report.at("faults")[0].at("name"), "redeploy");
  EXPECT_EQ(report.at("faults")[0].at("fired"), 4);
  EXPECT_EQ(report.at("faults")[1].at("fired"), 0);
}

TEST(ReportJson, WritersCarryTheirOriginAndTheWatchedMount) {
  json report = fixture::heroku_like_report();
  ASSERT_EQ(report.at("writers").size(), 1u);
  const json& w = report.at("writers")[0];
  EXPECT_EQ(w.at("origin"), "harness");  // the harness's own pid wrote it
  EXPECT_EQ(w.at("image_mounted_at"), "mnt/demo");
  EXPECT_EQ(w.at("loop_device"), "/dev/loop0");
  EXPECT_EQ(w.at("mount_options"), "loop,ro");
}

TEST(ReportJson, SummaryTextNamesVerdictCountsAndReport) {
  std::string s = summary_text(fixture::heroku_like_report(), /*color=*/false);
  EXPECT_TRUE(has(s, "scenario  heroku-2017-truncation  [host backend]\n")) << s;
  EXPECT_TRUE(has(s, "verdict   pass\n")) << s;
  EXPECT_TRUE(has(s, "execs     203 total (3 warm-up, ")) << s;
  EXPECT_TRUE(has(s, "report    /tmp/fixture-run/report.json\n")) << s;
  EXPECT_FALSE(has(s, "\x1b[")) << "no colour asked";
  std::string colored = summary_text(fixture::heroku_like_report(), /*color=*/true);
  EXPECT_TRUE(has(colored, "\x1b[1;32mpass\x1b[0m")) << colored;
}

// The guest's installer chose its stderr, its result and the names of the
// files it made: none of it reaches the terminal as control sequences.
TEST(ReportJson, SummaryTextCarriesNoEscapeSequenceFromTheReport) {
  json r = fixture::heroku_like_report();
  const std::string evil = "\x1b]52;c;ZXZpbA==\x07\x1b[2J";
  r["verdict_reasons"].push_back("failed: " + evil);
  r["writer_summary"] = "cat" + evil;
  r["run"]["run_dir"] = "/tmp/x" + evil;
  for (bool color : {false, true}) {
    std::string s = summary_text(r, color);
    EXPECT_FALSE(has(s, "\x1b]")) << s;
    EXPECT_FALSE(has(s, "\x1b[2J")) << s;
    EXPECT_FALSE(has(s, "\x07")) << s;
  }
}

}  // namespace
}  // namespace harness
