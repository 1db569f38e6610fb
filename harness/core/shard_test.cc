#include "core/shard.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <set>

#include "base/error.h"

namespace harness {
namespace {

TEST(Shard, ParsesAndRejects) {
  auto s = parse_shard("1/3");
  EXPECT_EQ(s.index, 1u);
  EXPECT_EQ(s.total, 3u);
  EXPECT_THROW(parse_shard("3/3"), Error);
  EXPECT_THROW(parse_shard("0/0"), Error);
  EXPECT_THROW(parse_shard("a/2"), Error);
  EXPECT_THROW(parse_shard("1"), Error);
}

TEST(Shard, ShardsCoverEveryScenarioExactlyOnce) {
  std::vector<std::filesystem::path> all;
  for (int i = 0; i < 11; ++i) all.emplace_back("scenarios/s" + std::to_string(i) + ".json");
  for (unsigned n : {1u, 2u, 3u, 5u, 11u, 13u}) {
    std::multiset<std::string> seen;
    for (unsigned i = 0; i < n; ++i) {
      auto part = select_shard(all, Shard{i, n});
      EXPECT_LE(part.size(), (all.size() + n - 1) / n);
      for (const auto& p : part) seen.insert(p.string());
    }
    EXPECT_EQ(seen.size(), all.size()) << n;
    for (const auto& p : all) EXPECT_EQ(seen.count(p.string()), 1u) << p << " with " << n;
  }
}

TEST(Shard, SplitDoesNotDependOnArgumentOrder) {
  std::vector<std::filesystem::path> a{"x/b.json", "x/a.json", "x/c.json"}, b{"x/c.json", "x/a.json", "x/b.json"};
  EXPECT_EQ(select_shard(a, Shard{1, 2}), select_shard(b, Shard{1, 2}));
}

TEST(Shard, HonoursGtestEnvironment) {
  unsetenv("GTEST_SHARD_INDEX");
  unsetenv("GTEST_TOTAL_SHARDS");
  EXPECT_FALSE(shard_from_environment());
  setenv("GTEST_SHARD_INDEX", "1", 1);
  setenv("GTEST_TOTAL_SHARDS", "4", 1);
  auto s = shard_from_environment();
  unsetenv("GTEST_SHARD_INDEX");
  unsetenv("GTEST_TOTAL_SHARDS");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->index, 1u);
  EXPECT_EQ(s->total, 4u);
}

}  // namespace
}  // namespace harness
