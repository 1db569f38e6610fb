#include "report/report_junit.h"

#include "testing/test_support.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/child.h"
#include "report/report_fixture.h"

namespace harness {
namespace {

using testing::has;

using nlohmann::json;
namespace fs = std::filesystem;


json failing_report() {
  RunRecord rec = fixture::heroku_like_record(true);
  rec.scenario = "control-atomic-replace";
  return build_report(rec, decide({fixture::no_abnormal_expectation()}, rec));
}

json timeout_report() {
  RunRecord rec = fixture::heroku_like_record(false);
  rec.scenario = "slow";
  rec.timed_out = true;
  json r = build_report(rec, decide({fixture::crash_expectation()}, rec));
  r["verdict"] = "timeout";
  return r;
}

json error_report() {
  RunRecord rec = fixture::heroku_like_record(false);
  rec.scenario = "broken";
  rec.error = "images/demo.img: cannot attach to a loop device: no free device";
  json r = build_report(rec, decide({fixture::crash_expectation()}, rec));
  r["verdict"] = "error";
  return r;
}

using testing::slurp;
using testing::TempDir;


struct Lint {
  int exit_code = -1;
  std::string output;
};

// xmllint --schema reports/junit.xsd FILE.
Lint xmllint(const fs::path& xml, const TempDir& dir) {
  ChildOptions o;
  o.stdout_file = dir.path() / "xmllint.out";
  o.stderr_file = dir.path() / "xmllint.err";
  o.timeout = std::chrono::seconds(30);
  auto r = run_child({"xmllint", "--noout", "--schema", std::string(HARNESS_SOURCE_DIR) + "/reports/junit.xsd",
                      xml.string()},
                     o);
  return {WIFEXITED(r.wait_status) ? WEXITSTATUS(r.wait_status) : -1,
          slurp(o.stdout_file) + slurp(o.stderr_file)};
}

TEST(ReportJunit, CountsAndElementsPerVerdict) {
  std::string xml = render_junit({fixture::heroku_like_report(), failing_report(), timeout_report(), error_report()});
  EXPECT_TRUE(has(xml, "<testsuites name=\"harness\" tests=\"4\" failures=\"1\" errors=\"2\"")) << xml.substr(0, 400);
  EXPECT_TRUE(has(xml, "<testsuite name=\"harness.scenarios\" tests=\"4\" failures=\"1\" errors=\"2\" skipped=\"0\""));
  EXPECT_TRUE(has(xml, "timestamp=\"2017-02-15T10:00:00Z\" hostname=\"ci\""));
  EXPECT_TRUE(has(xml, "<testcase classname=\"harness.scenarios\" name=\"heroku-2017-truncation\" time=\"2.500\">"));
  EXPECT_TRUE(has(xml, "<failure message=\"1 of 1 expectations failed: abnormal &lt;= 0\" type=\"fail\">"));
  EXPECT_TRUE(has(xml, "<error message=\"the scenario hit its timeout and was stopped\" type=\"timeout\">"));
  EXPECT_TRUE(has(xml, "<error message=\"images/demo.img: cannot attach to a loop device: no free device\" "
                       "type=\"error\">"));
  EXPECT_EQ(std::count(xml.begin(), xml.end(), '\n') > 0, true);
  // The passing case has no failure/error of its own: exactly 1 failure and 2 errors in all.
  size_t failures = 0, errors = 0;
  for (size_t p = xml.find("<failure "); p != std::string::npos; p = xml.find("<failure ", p + 1)) ++failures;
  for (size_t p = xml.find("<error "); p != std::string::npos; p = xml.find("<error ", p + 1)) ++errors;
  EXPECT_EQ(failures, 1u);
  EXPECT_EQ(errors, 2u);
  EXPECT_TRUE(has(xml, "<system-out>verdict: pass\n"));
  EXPECT_TRUE(has(xml, "kernel log (2 lines):"));
  EXPECT_TRUE(has(xml, "bad extent &lt;&amp;\"'&gt;"));
  EXPECT_TRUE(has(xml, "<property name=\"kernel\" value=\"6.1.0-test\"/>"));
}

TEST(ReportJunit, EscapesAndRepairsWhatXmlCannotCarry) {
  EXPECT_EQ(xml_escape("a<b>&\"'"), "a&lt;b&gt;&amp;\"'");
  EXPECT_EQ(xml_escape("a\"'\n\t", true), "a&quot;&apos;&#10;&#9;");
  EXPECT_EQ(xml_escape("\x1b[31mred\x01"), "\\x1b[31mred\\x01");
  EXPECT_EQ(xml_escape(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(xml_escape("caf\xc3\xa9 \xe2\x80\x93 \xf0\x9f\x92\xa5"), "caf\xc3\xa9 \xe2\x80\x93 \xf0\x9f\x92\xa5");
  EXPECT_EQ(xml_escape("bad\xff\xc3"), "bad\uFFFD\uFFFD");
  EXPECT_EQ(xml_escape("\xc0\xaf"), "\uFFFD\uFFFD");          // overlong '/'
  EXPECT_EQ(xml_escape("\xed\xa0\x80"), "\uFFFD\uFFFD\uFFFD");  // a UTF-16 surrogate
  EXPECT_EQ(xml_escape("\xef\xbf\xbe"), "\\uFFFE");
}

TEST(ReportJunit, SystemOutIsCappedAndSaysSo) {
  json r = fixture::heroku_like_report();
  json log = json::array();
  for (int i = 0; i < 5000; ++i) log.push_back({{"t_ms", i * 1.0}, {"line", fmt::format("I/O error, dev loop1, sector {} \xc3\xa9", i)}});
  r["kernel_log"] = log;
  std::string xml = render_junit({r});
  size_t a = xml.find("<system-out>"), b = xml.find("</system-out>");
  ASSERT_NE(a, std::string::npos);
  std::string out = xml.substr(a + 12, b - a - 12);
  EXPECT_LE(out.size(), kJunitSystemOutCap + 64);  // a few entities at most in this text
  EXPECT_TRUE(has(out, "[truncated: the first ")) << out.substr(out.size() - 300);
  EXPECT_TRUE(has(out, "report.json has the full kernel log]"));
  EXPECT_FALSE(has(out, "\uFFFD")) << "the cut must not split a UTF-8 sequence";
}

TEST(ReportJunit, ValidatesAgainstTheSchema) {
  if (!find_program("xmllint")) GTEST_SKIP() << "xmllint is not installed (apt-get install libxml2-utils)";
  TempDir dir;
  json nasty = failing_report();
  nasty["scenario"] = "nasty \x1b[1m<&>\"' \xff";
  nasty["kernel_log"] = {{{"t_ms", 1.0}, {"line", std::string("ctl \x01\x02 nul \0 end", sizeof("ctl \x01\x02 nul \0 end") - 1)}}};
  std::string xml = render_junit({fixture::heroku_like_report(), nasty, timeout_report(), error_report(),
                                  fixture::minimal_report(), json::object()});
  fs::path file = dir.path() / "junit.xml";
  std::ofstream(file) << xml;
  Lint ok = xmllint(file, dir);
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_TRUE(has(ok.output, "validates")) << ok.output;

  // The check can fail: a testcase without a name is rejected.
  std::string broken = xml;
  const std::string attr = " name=\"heroku-2017-truncation\"";
  broken.replace(broken.find(attr), attr.size(), "");
  fs::path bad = dir.path() / "broken.xml";
  std::ofstream(bad) << broken;
  Lint no = xmllint(bad, dir);
  EXPECT_NE(no.exit_code, 0) << no.output;
  EXPECT_TRUE(has(no.output, "name")) << no.output;
}

}  // namespace
}  // namespace harness
