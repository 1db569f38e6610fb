#include "base/json_locator.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

TEST(JsonLocator, FindsValuesAndKeysThroughComments) {
  std::string text = "// head\n{\n  \"a\": [1, {\"b\": /* c */ true}],\n  \"c d\": \"x\"\n}";
  JsonLocator loc(text);
  EXPECT_EQ(loc.value("$").line, 2);
  EXPECT_EQ(loc.value("$.a").line, 3);
  EXPECT_EQ(loc.value("$.a").col, 8);
  EXPECT_EQ(loc.value("$.a[1].b").col, 26);
  EXPECT_EQ(loc.key("$.a[1].b").col, 13);
  EXPECT_EQ(loc.value("$[\"c d\"]").line, 4);
  // Unknown paths fall back to the nearest ancestor.
  EXPECT_EQ(loc.value("$.a[1].zzz").col, 12);
  EXPECT_FALSE(loc.duplicate_key());
}

TEST(JsonLocator, ReportsDuplicateKeys) {
  JsonLocator loc("{\"a\": {\"x\": 1, \"x\": 2}}");
  ASSERT_TRUE(loc.duplicate_key());
  EXPECT_EQ(*loc.duplicate_key(), "$.a.x");
}

TEST(JsonLocator, OffsetToLineAndColumn) {
  auto l = location_of_offset("ab\ncd\nef", 7);
  EXPECT_EQ(l.line, 3);
  EXPECT_EQ(l.col, 2);
}

}  // namespace
}  // namespace harness
