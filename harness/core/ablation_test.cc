#include "core/ablation.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/scenario.h"

namespace harness {
namespace {

using nlohmann::json;

json shipped(const std::string& name) {
  std::ifstream in(std::string(HARNESS_SOURCE_DIR) + "/scenarios/" + name + ".json");
  std::stringstream buf;
  buf << in.rdbuf();
  return json::parse(buf.str(), nullptr, true, /*ignore_comments=*/true);
}

std::vector<std::string> names(const std::vector<Variant>& vs) {
  std::vector<std::string> out;
  for (const auto& v : vs) out.push_back(v.name);
  return out;
}

// Every variant is a scenario the parser accepts, written beside the
// original so that relative paths ({scenario_dir}, files[].from) resolve.
void expect_valid(const std::vector<Variant>& vs, const std::string& original) {
  for (const auto& v : vs) {
    SCOPED_TRACE(v.name);
    std::string path = std::string(HARNESS_SOURCE_DIR) + "/scenarios/" + original + "--" + v.name + ".json";
    EXPECT_NO_THROW(parse_scenario(v.scenario.dump(2), path)) << v.scenario.dump(2);
    EXPECT_FALSE(v.scenario.value("early_stop", true)) << "rates compare only over full runs";
  }
}

TEST(Ablation, TheIncidentsIngredients) {
  auto vs = derive_variants(shipped("heroku-2017-truncation"));
  EXPECT_EQ(names(vs), (std::vector<std::string>{"original", "without-fault-redeploy",
                                                 "without-redeploy-action-1-overwrite_truncate",
                                                 "without-redeploy-action-2-drop_caches",
                                                 "redeploy-1-overwrite-without-truncation", "redeploy-1-atomic-replace",
                                                 "warmup-1"}));
  // Cache eviction here is the drop_caches action: one variant, not two.
  expect_valid(vs, "heroku-2017-truncation");
  EXPECT_EQ(vs[4].scenario["faults"][0]["actions"][0]["action"], "overwrite");
  EXPECT_EQ(vs[5].scenario["faults"][0]["actions"][0]["action"], "atomic_replace");
  EXPECT_EQ(vs[4].scenario["name"], "heroku-2017-truncation--redeploy-1-overwrite-without-truncation");
  EXPECT_EQ(vs[4].description, "a truncating rewrite of images/demo.img");
  EXPECT_EQ(vs[3].description, "cache eviction (drop_caches in fault \"redeploy\")");
}

TEST(Ablation, TheReplaysIngredients) {
  auto vs = derive_variants(shipped("incident-replay"));
  auto n = names(vs);
  auto has = [&](const std::string& x) { return std::find(n.begin(), n.end(), x) != n.end(); };
  EXPECT_TRUE(has("redeploy-1-hardened-installer")) << testing::PrintToString(n);
  // The memory-pressure fault only evicts: removing it is removing cache
  // eviction, one variant under the first name.
  EXPECT_TRUE(has("without-fault-memory-pressure")) << testing::PrintToString(n);
  EXPECT_FALSE(has("without-cache-eviction")) << testing::PrintToString(n);
  for (const auto& v : vs) {
    if (v.name != "without-fault-memory-pressure") continue;
    EXPECT_EQ(v.description, "cache eviction (fault \"memory-pressure\")");
  }
  expect_valid(vs, "incident-replay");
  // The expectation that named the removed fault goes with it.
  for (const auto& v : vs) {
    if (v.name != "without-fault-redeploy") continue;
    for (const auto& e : v.scenario["expect"]) EXPECT_FALSE(e.contains("fault")) << e.dump();
  }
}

VariantRuns pool(unsigned runs, unsigned crash_runs, unsigned long crashes, unsigned long execs, unsigned breach = 0) {
  VariantRuns p;
  p.runs = runs;
  p.crash_runs = crash_runs;
  p.crashes = crashes;
  p.execs = execs;
  p.breach_runs = breach;
  return p;
}

TEST(Ablation, JudgingAnIngredient) {
  VariantRuns original = pool(5, 5, 900, 5000, 5);
  EXPECT_EQ(judge(original, pool(5, 0, 0, 5000, 5)).necessity, Necessity::necessary);
  EXPECT_EQ(judge(original, pool(5, 2, 3, 5000, 5)).necessity, Necessity::contributing);
  EXPECT_EQ(judge(original, pool(5, 5, 880, 5000, 5)).necessity, Necessity::not_needed);
  auto r = judge(original, pool(5, 0, 0, 5000));
  EXPECT_EQ(r.effect, "crashes in 0 of 5 runs (original: 5 of 5); 0 in 5000 execs (original: 900 in 5000)");
  // A gate whose original only wrote the mounted image: judged on the write.
  VariantRuns writes = pool(5, 0, 0, 5000, 5);
  EXPECT_EQ(judge(writes, pool(5, 0, 0, 5000, 0)).necessity, Necessity::necessary);
  EXPECT_EQ(judge(pool(5, 0, 0, 5000, 0), pool(5, 0, 0, 5000, 0)).necessity, Necessity::no_symptom);
}

TEST(Ablation, ARunAddsItsCrashesAfterTheWarmup) {
  json report = {{"counts", {{"ok", 10}, {"sigsegv", 3}, {"exec_failed", 2}}},
                 {"counts_warmup", {{"ok", 3}}},
                 {"writers", json::array({{{"pid", 1}}})},
                 {"run", {{"run_dir", "/r/1"}}}};
  VariantRuns p;
  add_run(p, report);
  EXPECT_EQ(p.runs, 1u);
  EXPECT_EQ(p.execs, 12u);
  EXPECT_EQ(p.crashes, 3u);
  EXPECT_EQ(p.crash_runs, 1u);
  EXPECT_EQ(p.breach_runs, 1u);
  EXPECT_EQ(p.run_dirs, std::vector<std::string>{"/r/1"});
}

TEST(Ablation, ARunThatStoppedOnAnErrorJudgesNothing) {
  // A VM run whose harness binary vanished: no execs, no crash, no write.
  json failed = {{"verdict", "error"},
                 {"counts", {{"ok", 0}}},
                 {"run", {{"run_dir", "/r/2"}, {"error", "cannot add to the guest initramfs: ENOENT"}}}};
  VariantRuns p;
  add_run(p, failed);
  EXPECT_EQ(p.runs, 0u);
  EXPECT_EQ(p.failed_runs, 1u);
  EXPECT_EQ(p.run_dirs, std::vector<std::string>{"/r/2"});
  json interrupted = {{"verdict", "pass"}, {"run", {{"run_dir", "/r/3"}, {"error", nullptr}, {"interrupted", true}}}};
  add_run(p, interrupted);
  EXPECT_EQ(p.failed_runs, 2u);

  // The symptom "gone" in a variant whose runs failed is not necessity.
  VariantRuns original = pool(5, 5, 900, 5000, 5);
  VariantRuns variant = pool(4, 0, 0, 4000, 0);
  variant.failed_runs = 1;
  IngredientResult r = judge(original, variant);
  EXPECT_EQ(r.necessity, Necessity::undecided);
  EXPECT_EQ(r.effect, "1 of its 5 runs and 0 of the original's 5 stopped on an error (see their reports)");
  // Nor when the original's did.
  original.failed_runs = 1;
  EXPECT_EQ(judge(original, pool(5, 0, 0, 5000, 0)).necessity, Necessity::undecided);
}

}  // namespace
}  // namespace harness
