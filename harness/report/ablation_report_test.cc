#include "report/ablation_report.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

AblationRow row(const std::string& name, const std::string& description, unsigned crash_runs,
                unsigned long crashes, unsigned breach_runs = 5) {
  AblationRow r;
  r.variant.name = name;
  r.variant.ingredient = "without " + name;
  r.variant.description = description;
  r.runs.name = name;
  r.runs.runs = 5;
  r.runs.crash_runs = crash_runs;
  r.runs.breach_runs = breach_runs;
  r.runs.execs = 5000;
  r.runs.crashes = crashes;
  r.runs.run_dirs = {"runs/" + name + "-01"};
  return r;
}

std::vector<AblationRow> heroku_like() {
  return {row("original", "", 5, 1000), row("no-truncation", "a truncating rewrite of images/demo.img", 0, 0),
          row("no-eviction", "cache eviction", 0, 0), row("some-pressure", "memory pressure", 3, 40),
          row("warmup-1", "a warm page cache", 5, 990)};
}

TEST(AblationReport, OneSentenceForThePostmortem) {
  auto a = build_ablation("heroku-2017-truncation", 5, "host", heroku_like());
  EXPECT_EQ(ablation_sentence(a),
            "The crash needs: a truncating rewrite of images/demo.img; cache eviction. Makes it more likely: memory "
            "pressure. Not needed: a warm page cache.");
  std::string md = ablation_markdown(a);
  EXPECT_NE(md.find("| without no-truncation | **necessary** | 0 / 5 | 0 / 5000 |"), std::string::npos) << md;
  std::string html = ablation_html(a);
  EXPECT_NE(html.find("href=\"runs/warmup-1-01/report.html\""), std::string::npos);
  EXPECT_EQ(html.find("http:"), std::string::npos) << "self-contained";
  EXPECT_EQ(html.find("https:"), std::string::npos) << "self-contained";
}

TEST(AblationReport, ShardsJoinToTheSameJudgement) {
  auto rows = heroku_like();
  // Shard 0 has the original and one ingredient; shard 1 the rest, unjudged.
  auto s0 = build_ablation("x", 5, "host", {rows[0], rows[1]});
  auto s1 = build_ablation("x", 5, "host", {rows[2], rows[3], rows[4]});
  EXPECT_TRUE(s1["ingredients"][0]["necessary"].is_null());
  std::vector<AblationRow> joined = ablation_rows(s0);
  for (auto& r : ablation_rows(s1)) joined.push_back(r);
  auto whole = build_ablation("x", 5, "host", joined);
  EXPECT_EQ(whole, build_ablation("x", 5, "host", rows));
}

TEST(AblationReport, NothingToExplain) {
  auto a = build_ablation("calm", 5, "host", {row("original", "", 0, 0, 0), row("x", "x", 0, 0, 0)});
  EXPECT_EQ(a["ingredients"][0]["necessary"], "no symptom to explain");
  EXPECT_NE(ablation_sentence(a).find("nothing to explain"), std::string::npos);
}

TEST(AblationReport, RunsThatStoppedOnAnErrorAreUndecidedNotNecessary) {
  auto rows = heroku_like();
  rows[1].runs.runs = 0;  // every run without truncation stopped on an error
  rows[1].runs.failed_runs = 5;
  auto a = build_ablation("heroku-2017-truncation", 5, "vm", rows);
  EXPECT_EQ(a["ingredients"][0]["necessary"], "undecided");
  EXPECT_EQ(a["ingredients"][0]["failed_runs"], 5);
  EXPECT_EQ(ablation_sentence(a),
            "The crash needs: cache eviction. Makes it more likely: memory pressure. Not needed: a warm page cache. "
            "Undecided, because runs stopped on an error (rerun them): a truncating rewrite of images/demo.img.");
  // An original whose runs all failed explains nothing.
  auto o = row("original", "", 0, 0, 0);
  o.runs.runs = 0;
  o.runs.failed_runs = 5;
  auto b = build_ablation("x", 5, "vm", {o, rows[2]});
  EXPECT_EQ(ablation_sentence(b).rfind("5 of the original scenario's runs stopped on an error", 0), 0u)
      << ablation_sentence(b);
}

}  // namespace
}  // namespace harness
