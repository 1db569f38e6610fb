#include "base/edit_distance.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

TEST(EditDistance, Classic) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("same", "same"), 0u);
}

TEST(EditDistance, SuggestsOnlyPlausibleNames) {
  std::vector<std::string> c{"iterations", "duration_ms", "warmup"};
  EXPECT_EQ(closest_match("iteratons", c), "iterations");
  EXPECT_EQ(closest_match("duration", c), "duration_ms");
  EXPECT_FALSE(closest_match("completely_unrelated", c));
}

}  // namespace
}  // namespace harness
