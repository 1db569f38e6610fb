#include "core/shard.h"

#include <algorithm>
#include <cstdlib>
#include <fmt/format.h>

#include "base/error.h"

namespace harness {

static unsigned parse_unsigned(const std::string& s, const std::string& what) {
  if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string::npos)
    throw Error(ErrorKind::usage, fmt::format("{}: expected a whole number, got \"{}\"", what, s));
  return static_cast<unsigned>(std::stoul(s));
}

Shard parse_shard(const std::string& spec) {
  size_t slash = spec.find('/');
  if (slash == std::string::npos)
    throw Error(ErrorKind::usage, fmt::format("--shard takes I/N (for example 0/2), got \"{}\"", spec));
  Shard s{parse_unsigned(spec.substr(0, slash), "--shard index"),
          parse_unsigned(spec.substr(slash + 1), "--shard total")};
  if (s.total == 0 || s.index >= s.total)
    throw Error(ErrorKind::usage,
                fmt::format("--shard {}: the index must be below the total (0 <= I < N)", spec));
  return s;
}

std::optional<Shard> shard_from_environment() {
  const char* i = std::getenv("GTEST_SHARD_INDEX");
  const char* n = std::getenv("GTEST_TOTAL_SHARDS");
  if (!i || !n || !*i || !*n) return std::nullopt;
  return parse_shard(fmt::format("{}/{}", i, n));
}

std::vector<std::filesystem::path> select_shard(std::vector<std::filesystem::path> scenarios, const Shard& s) {
  std::sort(scenarios.begin(), scenarios.end(), [](const auto& a, const auto& b) {
    return a.filename() != b.filename() ? a.filename() < b.filename() : a < b;
  });
  std::vector<std::filesystem::path> out;
  for (size_t i = 0; i < scenarios.size(); ++i)
    if (i % s.total == s.index) out.push_back(scenarios[i]);
  return out;
}

}  // namespace harness
