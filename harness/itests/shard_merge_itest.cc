// Sharding over CI machines: shards 0/2 and 1/2 together run every
// scenario exactly once, and merging their run directories gives the same
// verdicts as one unsharded run.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "itests/itest_support.h"

namespace harness::itest {
namespace {

// The workload exits 0 until its fault has created {work}/flag, then
// `exit_code`: a clean baseline, and the behaviour under fault chosen.
// Early stop ends each run once its expectation is decided; the many
// iterations leave room for the execs that start before the flag exists.
void write_scenario(const fs::path& dir, const std::string& name, int exit_code, const std::string& expect) {
  std::ofstream(dir / (name + ".json")) << R"({"name": ")" << name << R"(", "timeout_s": 30,
    "workload": {"argv": ["/bin/sh", "-c", "[ -e {work}/flag ] && exit )" << exit_code << R"(; exit 0"],
                 "iterations": 200, "warmup": 2},
    "faults": [{"name": "flag", "schedule": {"kind": "once"},
                "actions": [{"action": "run", "argv": ["/bin/touch", "{work}/flag"]}]}],
    "expect": [)" << expect << "]}";
}

std::map<std::string, std::string> verdicts_of(const nlohmann::json& summary) {
  std::map<std::string, std::string> v;
  for (const auto& row : summary.at("scenarios"))
    v[row.at("scenario").get<std::string>()] = row.at("verdict").get<std::string>();
  return v;
}

TEST(ShardMerge, ShardsPartitionAndMergeMatchesUnsharded) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path sc = tmp.path() / "scenarios";
  fs::create_directories(sc);
  write_scenario(sc, "alpha", 0, R"({"classes": ["ok"], "at_least": 5})");
  write_scenario(sc, "bravo", 3, R"({"classes": ["abnormal"], "at_most": 0})");  // fails on purpose
  write_scenario(sc, "charlie", 0, R"({"classes": ["ok"], "at_least": 1})");
  write_scenario(sc, "delta", 7, R"({"classes": ["exit_nonzero"], "at_least": 3})");
  write_scenario(sc, "echo", 0, R"({"classes": ["ok"], "at_least": 5})");
  std::vector<std::string> files;
  for (const char* n : {"echo", "alpha", "delta", "bravo", "charlie"}) files.push_back((sc / (std::string(n) + ".json")).string());

  std::multiset<std::string> ran;
  for (int shard = 0; shard < 2; ++shard) {
    std::vector<std::string> args{"run", "--backend", "host", "--shard", std::to_string(shard) + "/2", "--out",
                                  (tmp.path() / ("shard" + std::to_string(shard))).string()};
    args.insert(args.end(), files.begin(), files.end());
    auto res = run_harness(args, tmp.path());
    // Exactly one shard holds bravo, which fails on purpose.
    EXPECT_TRUE(res.exit_code == 0 || res.exit_code == 1) << res.err;
    for (const auto& e : fs::directory_iterator(tmp.path() / ("shard" + std::to_string(shard))))
      if (fs::exists(e.path() / "report.json")) ran.insert(read_report(e.path()).at("scenario").get<std::string>());
  }
  EXPECT_EQ(ran, (std::multiset<std::string>{"alpha", "bravo", "charlie", "delta", "echo"}));

  std::vector<std::string> all{"run", "--backend", "host", "--out", (tmp.path() / "all").string()};
  all.insert(all.end(), files.begin(), files.end());
  EXPECT_EQ(run_harness(all, tmp.path()).exit_code, 1);

  auto merged = run_harness({"merge", (tmp.path() / "shard0").string(), (tmp.path() / "shard1").string(), "--out",
                             (tmp.path() / "merged").string()},
                            tmp.path());
  EXPECT_EQ(merged.exit_code, 1) << merged.out << merged.err;
  auto unsharded = run_harness({"merge", (tmp.path() / "all").string(), "--out", (tmp.path() / "merged-all").string()},
                               tmp.path());
  auto a = nlohmann::json::parse(slurp(tmp.path() / "merged" / "summary.json"));
  auto b = nlohmann::json::parse(slurp(tmp.path() / "merged-all" / "summary.json"));
  EXPECT_EQ(verdicts_of(a), verdicts_of(b));
  EXPECT_EQ(verdicts_of(a).at("bravo"), "fail");
  EXPECT_EQ(verdicts_of(a).size(), 5u);
  std::string junit = slurp(tmp.path() / "merged" / "junit.xml");
  EXPECT_NE(junit.find("tests=\"5\""), std::string::npos) << junit.substr(0, 400);
  EXPECT_NE(junit.find("failures=\"1\""), std::string::npos) << junit.substr(0, 400);
}

}  // namespace
}  // namespace harness::itest
