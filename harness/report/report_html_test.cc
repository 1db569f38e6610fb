#include "report/report_html.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <regex>

#include "report/report_fixture.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using testing::has;
using testing::count_occurrences;

using nlohmann::json;



TEST(ReportHtml, OneMarkPerExecAndOneBandPerFaultAction) {
  json r = fixture::heroku_like_report();
  std::string html = render_html(r);
  size_t execs = 0, faults = 0, phases = 0;
  for (const auto& e : r["events"]) {
    std::string t = e["type"].get<std::string>();
    execs += t == "exec";
    faults += t == "fault";
    phases += t == "phase";
  }
  ASSERT_EQ(execs, 203u);
  EXPECT_EQ(count_occurrences(html, "class=\"exec exec-"), execs);
  EXPECT_EQ(count_occurrences(html, "class=\"exec exec-sigsegv\""), r["counts"]["sigsegv"].get<size_t>());
  EXPECT_EQ(count_occurrences(html, "class=\"fault-band "), faults);
  EXPECT_EQ(count_occurrences(html, "class=\"fault-band fault-write\""), 4u);
  EXPECT_EQ(count_occurrences(html, "class=\"fault-band fault-drop_caches\""), 4u);
  EXPECT_EQ(count_occurrences(html, "<line class=\"phase\""), phases);
  EXPECT_TRUE(has(html, "<title>#50 ")) << "each mark carries a tooltip";
  EXPECT_TRUE(has(html, "class=\"first-crash\"")) << "the first crash after the faults is marked";
  EXPECT_TRUE(has(html, "<span class=\"badge pass\">PASS</span>"));
  EXPECT_TRUE(has(html, "<p id=\"writer\">"));
  EXPECT_TRUE(has(html, "id=\"crash-rate\""));
  EXPECT_TRUE(has(html, "class=\"rate rate-sigsegv\""));
  EXPECT_EQ(count_occurrences(html, "<polyline class=\"pc-line\""), 1u);  // one path sampled
  EXPECT_TRUE(has(html, "<section id=\"images-evidence\">"));
  EXPECT_TRUE(has(html, "<section id=\"writers\">"));
  EXPECT_TRUE(has(html, "<section id=\"kernel-log\">"));
  EXPECT_TRUE(has(html, "crash probability") || has(html, "95% CI"));
}

TEST(ReportHtml, SelfContainedWithoutAnyExternalReference) {
  std::string html = render_html(fixture::heroku_like_report());
  for (const char* bad : {"http:", "https:", "src=", "href=", "url(", "@import", "<link", "<script", "//"})
    EXPECT_FALSE(has(html, bad)) << "found " << bad;
  EXPECT_TRUE(has(html, "<style>"));
  EXPECT_TRUE(has(html, "<svg id=\"timeline\""));
}

TEST(ReportHtml, EscapesEveryStringFromTheReport) {
  json r = fixture::heroku_like_report();
  r["scenario"] = "<script>alert(1)</script>";
  r["writer_summary"] = "pid 1 wrote <b>&\"'";
  r["environment"]["kernel"] = "6.1\x1b[31m";
  r["events"].push_back({{"type", "exec"}, {"class", "sigsegv\"><script>"}, {"t_ms", 5.0}});
  std::string html = render_html(r);
  EXPECT_FALSE(has(html, "<script")) << "no raw markup from report strings";
  EXPECT_TRUE(has(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_TRUE(has(html, "pid 1 wrote &lt;b&gt;&amp;&quot;&#39;"));
  EXPECT_FALSE(has(html, "\x1b"));
  EXPECT_TRUE(has(html, "6.1\uFFFD[31m"));
  EXPECT_TRUE(has(html, "bad extent &lt;&amp;&quot;&#39;&gt;"));
}

TEST(ReportHtml, RunActionsAreLabelledInTheirOwnColour) {
  json r = fixture::heroku_like_report();
  r["events"].push_back({{"type", "fault"},
                         {"fault", "reinstall"},
                         {"action", "run"},
                         {"label", "stack-install (regressed)"},
                         {"fire", 0},
                         {"t_start_ms", 700.0},
                         {"t_end_ms", 900.0},
                         {"ok", true},
                         {"outcome", "exit 0"},
                         {"pid", 812},
                         {"argv", {"stack-install", "--image", "stack.img"}},
                         {"stderr", "installing stack.img\n"}});
  std::string html = render_html(r);
  EXPECT_EQ(count_occurrences(html, "class=\"fault-band fault-run\""), 1u);
  EXPECT_TRUE(has(html, "class=\"run-label\""));
  EXPECT_TRUE(has(html, "stack-install (regressed) (exit 0)"));
  EXPECT_TRUE(has(html, ">fault reinstall</text>")) << "its own lane";
  EXPECT_TRUE(has(html, "<h3>Commands run by faults</h3>"));
}

TEST(ReportHtml, MissingOptionalKeysRenderWithoutThem) {
  std::string html;
  ASSERT_NO_THROW(html = render_html(fixture::minimal_report()));
  EXPECT_TRUE(has(html, "<h1>bare</h1>"));
  EXPECT_FALSE(has(html, "id=\"writer\""));
  EXPECT_FALSE(has(html, "id=\"page-cache\""));
  EXPECT_FALSE(has(html, "id=\"kernel-log\""));
  EXPECT_EQ(count_occurrences(html, "class=\"exec exec-"), 0u);
  json odd = fixture::minimal_report();
  odd["events"] = {{{"type", "exec"}}, {{"type", "fault"}, {"t_start_ms", "soon"}}, nullptr};
  odd["page_cache"] = {{{"path", 3}}};
  odd["statistics"] = {{"n", -5}, {"abnormal", "x"}};
  EXPECT_NO_THROW(render_html(odd));
  EXPECT_NO_THROW(render_html(json::array()));
}

TEST(ReportHtml, TwentyThousandExecsStayOneShortElementEach) {
  json r = fixture::heroku_like_report(true, 20000);
  std::string html = render_html(r);
  EXPECT_EQ(count_occurrences(html, "class=\"exec exec-"), 20003u);
  // One element per exec, each well under 200 bytes.
  EXPECT_LT(html.size(), 20003u * 200 + 200000) << html.size();
}

TEST(ReportHtml, APowerCutRunShowsItsCrashPoints) {
  std::string html = render_html(fixture::power_cut_cell_report());
  EXPECT_EQ(count_occurrences(html, "<section id=\"crash-points\""), 1u) << html;
  size_t at = html.find("<section id=\"crash-points\"");
  std::string sec = html.substr(at, html.find("</section>", at) - at);
  EXPECT_TRUE(has(sec, "<h3>data: 40 logged writes, 3 flushes; 4 crash points, 1 broken</h3>")) << sec;
  EXPECT_EQ(count_occurrences(sec, "<tr>") + count_occurrences(sec, "<tr class=\"broken\">"), 4u + 1u) << sec;
  EXPECT_EQ(count_occurrences(sec, "<tr class=\"broken\">"), 1u) << sec;
  EXPECT_TRUE(has(sec, "<th>what the folder held</th>")) << sec;
  EXPECT_TRUE(has(sec, "sampled between flushes")) << sec;
  // After the expectations it explains.
  EXPECT_LT(html.find("<section id=\"expectations\""), at);
  EXPECT_EQ(count_occurrences(render_html(fixture::heroku_like_report()), "crash-points"), 0u);
  // The chart's note: the empty windows are empty on purpose.
  EXPECT_TRUE(has(html, "windows have no mark at all: no exec started in them")) << html;
}

}  // namespace
}  // namespace harness
