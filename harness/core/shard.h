// Sharding: split a list of scenarios over N CI machines so that shards
// 0..N-1 together run every scenario exactly once. Scenarios are ordered
// by file name and dealt round-robin, so the split is stable for a given
// set and balanced to within one scenario.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace harness {

struct Shard {
  unsigned index = 0;
  unsigned total = 1;
};

// "I/N" with 0 <= I < N. Throws Error(invalid) otherwise.
Shard parse_shard(const std::string& spec);
// GTEST_SHARD_INDEX / GTEST_TOTAL_SHARDS when both are set.
std::optional<Shard> shard_from_environment();

std::vector<std::filesystem::path> select_shard(std::vector<std::filesystem::path> scenarios, const Shard& s);

}  // namespace harness
