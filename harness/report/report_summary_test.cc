#include "report/report_summary.h"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "report/report_fixture.h"
#include "report/report_html.h"
#include "report/report_junit.h"
#include "report/report_md.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using testing::has;

using nlohmann::json;


std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Every "N%" in `text` is at most 100.
void expect_no_percentage_over_100(const std::string& text, const char* what) {
  static const std::regex pct(R"((\d+(\.\d+)?)%)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), pct); it != std::sregex_iterator(); ++it)
    EXPECT_LE(std::stod((*it)[1]), 100.0) << what << ": " << it->str();
}

// The report of an in-place installer gated for 35 s: 232 writers.
TEST(ReportSummary, AnInPlaceInstallersReportIsAPageWithTheSummaryFirst) {
  json r = fixture::in_place_installer_report(116);
  ASSERT_EQ(r.at("writers").size(), 232u);
  std::string md = render_markdown(r);
  auto lines = lines_of(md);
  EXPECT_LE(lines.size(), 200u) << md;
  // The summary, with its closing rule, in the first 25 lines.
  auto rule = std::find(lines.begin(), lines.end(), "---");
  ASSERT_NE(rule, lines.end()) << md;
  EXPECT_LE(static_cast<size_t>(rule - lines.begin()) + 1, kSummaryMaxLines) << md;
  std::string head;
  for (auto it = lines.begin(); it != rule; ++it) head += *it + "\n";
  EXPECT_TRUE(has(head, "# gate-in-place: FAIL")) << head;
  EXPECT_TRUE(has(head, "**Why:** 1 of 3 expectations failed, on the kernel's record of writes")) << head;
  EXPECT_TRUE(has(head, "- FAILED: no write to data/app.img while mounted: 232 processes wrote")) << head;
  EXPECT_TRUE(has(head, "**Who wrote the image while it was mounted:**")) << head;
  EXPECT_TRUE(has(head, "(and 231 other writers)")) << head;
  EXPECT_TRUE(has(head, "- 116 \u00d7 cat, started by fault \"redeploy\" (install-in-place.sh): wrote data/app.img, "
                        "200 ms to 34.70 s; each wrote while it was truncated"))
      << head;
  EXPECT_TRUE(has(head, "**Execs:** 1503 execs: 3 warm-up")) << head;
  EXPECT_TRUE(has(head, "**Bound:** 0 abnormal exits: crash probability < ")) << head;
  EXPECT_TRUE(has(head, "**Next:** Stop writing the image while it is mounted")) << head;
  // Details: one row per writer group, every one of them truncating.
  EXPECT_TRUE(has(md, "| 116 | install-in-place.sh | fault \"redeploy\" (install-in-place.sh) | data/app.img | 116 |")) << md;
  EXPECT_TRUE(has(md, "| 116 | cat | fault \"redeploy\" (install-in-place.sh) | data/app.img | 116 |")) << md;
  // The snapshot of size 0 says it was taken while an installer ran.
  EXPECT_TRUE(has(md, "| after memory-pressure | at 34.67 s, while fault \"redeploy\" #116 (install-in-place.sh) was "
                      "running | data/app.img | 0 |"))
      << md;
  expect_no_percentage_over_100(md, "report.md");
  EXPECT_TRUE(has(md, "such samples are shown as 100%. (1 samples.)")) << md;
  EXPECT_FALSE(has(md, "listed below"));
}

TEST(ReportSummary, EveryRenderingAgreesAndNoneSaysListedBelow) {
  json r = fixture::in_place_installer_report(116);
  for (const auto& w : r.at("writers")) EXPECT_TRUE(w.at("truncated").get<bool>()) << w.dump();
  std::string html = render_html(r);
  std::string junit = render_junit({r});
  std::string term = summary_text(r, false);
  for (const auto* text : {&html, &junit, &term}) EXPECT_FALSE(has(*text, "listed below")) << *text;
  EXPECT_TRUE(has(term, "(and 231 other writers)")) << term;
  expect_no_percentage_over_100(html, "report.html");
  // The HTML opens with the same summary, before the timeline.
  ASSERT_TRUE(has(html, "id=\"summary-top\""));
  EXPECT_LT(html.find("id=\"summary-top\""), html.find("id=\"timeline\""));
  EXPECT_TRUE(has(html, "<p id=\"next\"><b>Next:</b> Stop writing the image")) << html.substr(0, 4000);
  // 232 writers fold away; no row of them says "no" to truncation.
  EXPECT_TRUE(has(html, "<details><summary>all 232 writers (232 rows)</summary>"));
  EXPECT_FALSE(has(html, "<td>no</td></tr>"));
}

TEST(ReportSummary, TheTerminalSaysHowAVmRunWasSized) {
  json r = fixture::heroku_like_report();
  EXPECT_FALSE(has(summary_text(r, false), "sizing    ")) << "a run as written says nothing";
  r["environment"]["sizing"] = "calibrated: the workload runs at most 30 s";
  EXPECT_TRUE(has(summary_text(r, false), "\nsizing    calibrated: the workload runs at most 30 s\n"))
      << summary_text(r, false);
}

TEST(ReportSummary, APassAndAnErrorSayWhatTheyMean) {
  ReportSummary pass = summarize(fixture::heroku_like_report());
  EXPECT_EQ(pass.verdict, "PASS");
  EXPECT_EQ(pass.why, "The expectation held, on exec statistics under fault (probabilistic).");
  EXPECT_EQ(pass.next.rfind("Every expectation held", 0), 0u) << pass.next;

  RunRecord rec = fixture::in_place_installer_record(3);
  rec.error = "gate.json:19:14: $.workload.argv[0]: /x/slep does not exist (ENOENT)";
  ReportSummary err = summarize(build_report(rec, decide(fixture::gate_expectations(), rec)));
  EXPECT_EQ(err.verdict, "ERROR");
  EXPECT_TRUE(has(err.why, "nothing was decided: gate.json:19:14: $.workload.argv[0]")) << err.why;
  EXPECT_TRUE(err.reasons.empty()) << err.reasons.front();  // no expectation result after an error
}

// A power-cut cell has no check of writes to a mounted image (nothing
// installed is mounted): its summary neither rests on the kernel's record
// of writes nor advises to stop writing a mounted image; it says what the
// failed expectation was judged from and what to do about a torn state.
TEST(ReportSummary, APowerCutFailureRestsOnTheCrashPointsNotOnWrites) {
  json r = fixture::power_cut_cell_report();
  ASSERT_EQ(str_or(r, "verdict"), "fail") << r.at("expectations").dump(1);
  for (const auto& e : r.at("expectations")) EXPECT_NE(str_or(e, "kind"), "no_write_while_mounted");
  ReportSummary s = summarize(r);
  EXPECT_EQ(s.why.find("kernel's record of writes"), std::string::npos) << s.why;
  EXPECT_TRUE(has(s.why, "power-cut crash point")) << s.why;
  EXPECT_EQ(s.next.find("Stop writing the image while it is mounted"), std::string::npos) << s.next;
  EXPECT_TRUE(has(s.next, "rename it over the name and fsync the folder")) << s.next;
  EXPECT_EQ(summary_text(r, false).find("kernel's record of writes"), std::string::npos) << summary_text(r, false);
  // A report from before "kind": the basis and the text still tell.
  json old = r;
  for (auto& e : old["expectations"]) e.erase("kind");
  EXPECT_EQ(summarize(old).next, s.next);
}

}  // namespace
}  // namespace harness
