// `harness ablate` end to end on the host: the incident's scenario, once
// per variant, in two shards merged into one ablation. Truncation and the
// in-place rewrite are necessary for the crash (deterministically: without
// them nothing crashes); every variant is a scenario file on disk.
#include <gtest/gtest.h>

#include "itests/itest_support.h"

namespace harness::itest {
namespace {

using nlohmann::json;

const json* ingredient(const json& a, const std::string& name) {
  for (const auto& i : a.at("ingredients"))
    if (i.at("name") == name) return &i;
  return nullptr;
}

TEST(Ablate, TheIncidentNeedsItsTruncatingRewrite) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  std::string scenario = source_path("scenarios/heroku-2017-truncation.json");
  // Every variant is written, whichever shard ran it, and is a scenario.
  json a = run_two_shards_and_merge(tmp.path(), {"ablate", scenario, "--backend", "host", "--repeat", "1"},
                                    "ablation.json", "variants/redeploy-1-atomic-replace.json");
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(a.contains("original")) << a.dump(1);
  EXPECT_EQ(a.at("original").at("crash_runs"), 1u) << "the incident must crash to be explained";
  for (const char* name : {"redeploy-1-overwrite-without-truncation", "redeploy-1-atomic-replace",
                           "without-fault-redeploy"}) {
    const json* i = ingredient(a, name);
    ASSERT_TRUE(i) << name << " in " << a.dump(1);
    EXPECT_EQ(i->at("necessary"), "necessary") << i->dump();
  }
  // Cache eviction's judgement is statistical; with one run it is at least
  // judged.
  const json* eviction = ingredient(a, "without-redeploy-action-2-drop_caches");
  ASSERT_TRUE(eviction);
  EXPECT_TRUE(eviction->at("necessary").is_string()) << eviction->dump();
  std::string md = slurp(tmp.path() / "merged" / "ablation.md");
  EXPECT_NE(md.find("The crash needs: "), std::string::npos) << md;
  EXPECT_NE(md.find("a truncating rewrite of images/demo.img"), std::string::npos) << md;
  EXPECT_TRUE(fs::exists(tmp.path() / "merged" / "ablation.html"));
  // The merged page links to the shards' runs.
  std::string html = slurp(tmp.path() / "merged" / "ablation.html");
  EXPECT_NE(html.find("href=\"../shard0/runs/"), std::string::npos) << html.substr(0, 2000);
}

TEST(Ablate, UsageMistakesExit2AndCreateNothing) {
  TempDir tmp;
  auto out = tmp.path() / "out";
  std::string scenario = source_path("scenarios/heroku-2017-truncation.json");
  EXPECT_EQ(run_harness({"ablate", scenario}, tmp.path()).exit_code, 2) << "--out is required";
  EXPECT_EQ(run_harness({"ablate", "--out", out.string()}, tmp.path()).exit_code, 2) << "a scenario is required";
  EXPECT_EQ(run_harness({"ablate", scenario, scenario, "--out", out.string()}, tmp.path()).exit_code, 2);
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace harness::itest
