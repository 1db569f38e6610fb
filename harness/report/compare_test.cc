#include "report/compare.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "report/report_fixture.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using testing::has;

using nlohmann::json;
namespace fs = std::filesystem;


const CompareTable& table(const std::vector<CompareTable>& ts, const std::string& id) {
  for (const auto& t : ts)
    if (t.id == id) return t;
  throw std::runtime_error("no table " + id);
}

const std::vector<std::string>& row(const CompareTable& t, const std::string& first) {
  for (const auto& r : t.rows)
    if (!r.empty() && r[0] == first) return r;
  throw std::runtime_error("no row " + first + " in " + t.id);
}

// A reproduction (crashes) against a prevention run (none, the image
// untouched because the write failed with EPERM).
json prevention_report() {
  RunRecord rec = fixture::heroku_like_record(false);
  rec.run_id = "prevention";
  for (auto& f : rec.faults)
    if (f.action == "overwrite_truncate") {
      f.outcome = "EPERM";
      f.ok = false;
    }
  rec.writes.writers.clear();
  rec.images_evidence[1]["inode"] = 9999;
  rec.images_evidence[1]["sha256"] = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";
  return build_report(rec, decide({fixture::no_abnormal_expectation()}, rec));
}

TEST(Compare, SideBySideMarksWhatDiffers) {
  json a = fixture::heroku_like_report(), b = prevention_report();
  auto ts = compare_reports(a, b);
  EXPECT_EQ(row(table(ts, "overview"), "verdict"), (std::vector<std::string>{"verdict", "PASS", "PASS", ""}));
  EXPECT_EQ(row(table(ts, "overview"), "scenario")[3], "");
  const auto& counts = table(ts, "counts");
  EXPECT_EQ(counts.head[1], "A (fixture-run)");
  EXPECT_EQ(counts.head[2], "B (prevention)");
  EXPECT_EQ(row(counts, "sigsegv")[2], "0");
  EXPECT_EQ(row(counts, "sigsegv")[3], "-" + row(counts, "sigsegv")[1]);
  EXPECT_EQ(row(counts, "sigsegv")[4], "yes");
  EXPECT_EQ(row(counts, "hung")[4], "");
  EXPECT_EQ(row(counts, "total")[1], "203");
  const auto& st = table(ts, "statistics");
  EXPECT_TRUE(has(row(st, "abnormal rate")[2], "0 (< ")) << row(st, "abnormal rate")[2];
  ASSERT_FALSE(st.notes.empty());
  EXPECT_TRUE(has(st.notes[0], "do not overlap")) << st.notes[0];
  const auto& ex = table(ts, "expectations");
  EXPECT_EQ(row(ex, "sigsegv+sigbus >= 1")[2], "\u2014");
  EXPECT_TRUE(has(row(ex, "abnormal <= 0")[2], "held"));
  EXPECT_EQ(row(ex, "abnormal <= 0")[3], "yes");
  const auto& f = table(ts, "faults");
  EXPECT_EQ(row(f, "redeploy / overwrite_truncate \"cat backup.img > demo.img\"")[2], "4 fires: EPERM x4");
  EXPECT_EQ(row(f, "redeploy / overwrite_truncate \"cat backup.img > demo.img\"")[3], "yes");
  EXPECT_EQ(row(f, "redeploy / drop_caches")[3], "");  // same outcomes
  const auto& ev = table(ts, "evidence");
  EXPECT_EQ(row(ev, "writers seen")[1], "1");
  EXPECT_EQ(row(ev, "writers seen")[2], "0");
  // A: the fault rewrote the image in place with the same bytes. The
  // digests agree, but the image was not unchanged: the writers say so.
  std::string a_contents = row(ev, "images/demo.img: contents")[1];
  EXPECT_TRUE(has(a_contents, "rewritten while mounted by 1 writer (1 truncating)")) << a_contents;
  EXPECT_FALSE(has(a_contents, "unchanged")) << a_contents;
  EXPECT_TRUE(has(row(ev, "images/demo.img: contents")[2], "changed: digest 5e6102bea157"))
      << row(ev, "images/demo.img: contents")[2];
  EXPECT_EQ(row(ev, "images/demo.img: inode")[2], "replaced (4242 \u2192 9999)");
}

TEST(Compare, OverlappingIntervalsAreSaidToBeIndistinguishable) {
  json a = fixture::heroku_like_report(), b = fixture::heroku_like_report();
  auto ts = compare_reports(a, b);
  EXPECT_TRUE(has(table(ts, "statistics").notes.at(0), "cannot tell"));
  for (const auto& t : ts)
    for (const auto& r : t.rows) EXPECT_EQ(r.back(), "") << t.id << ": " << r[0];
}

TEST(Compare, RendersMarkdownAndHtmlAndToleratesBareReports) {
  json a = fixture::heroku_like_report(), b = prevention_report();
  std::string md = compare_markdown(a, b);
  EXPECT_TRUE(has(md, "# Compare: heroku-2017-truncation PASS vs heroku-2017-truncation PASS")) << md;
  EXPECT_TRUE(has(md, "| **sigsegv** |")) << md;
  std::string html = compare_html(a, b);
  EXPECT_TRUE(has(html, "<section id=\"evidence\">"));
  EXPECT_TRUE(has(html, "class=\"differs\""));
  EXPECT_FALSE(has(html, "http:"));
  EXPECT_FALSE(has(html, "https:"));
  EXPECT_NO_THROW(compare_markdown(fixture::minimal_report(), json::object()));
}


}  // namespace
}  // namespace harness
