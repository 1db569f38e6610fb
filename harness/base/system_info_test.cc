#include "base/system_info.h"

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <regex>

namespace harness {
namespace {

TEST(SystemInfo, KernelReleaseIsTheKernels) {
  std::ifstream in("/proc/sys/kernel/osrelease");
  std::string release;
  ASSERT_TRUE(std::getline(in, release));
  EXPECT_EQ(kernel_release(), release);
}

// Seconds since the epoch of a "YYYY-MM-DDTHH:MM:SSZ" string.
time_t parse_utc(const std::string& s) {
  std::tm tm{};
  EXPECT_NE(strptime(s.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm), nullptr) << s;
  return timegm(&tm);
}

TEST(SystemInfo, NowIsIso8601UtcToTheSecond) {
  // The clock it reads (time(2) may be a coarser one).
  auto seconds = [] { return std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()); };
  time_t before = seconds();
  std::string now = iso8601_utc_now();
  time_t after = seconds();
  EXPECT_TRUE(std::regex_match(now, std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)"))) << now;
  // UTC, not local time: it names a second between the two readings.
  time_t t = parse_utc(now);
  EXPECT_LE(before, t) << now;
  EXPECT_LE(t, after) << now;
}

}  // namespace
}  // namespace harness
