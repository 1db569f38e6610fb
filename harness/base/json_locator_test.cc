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

// nlohmann decodes escapes in keys, so "\u0061rgv" is "argv" to the
// parser: the duplicate check must see the same key, or the second value
// silently replaces the first.
TEST(JsonLocator, DuplicateKeysSpelledWithEscapesAreDuplicates) {
  JsonLocator loc(R"({"w": {"argv": 1, "\u0061rgv": 2}})");
  ASSERT_TRUE(loc.duplicate_key());
  EXPECT_EQ(*loc.duplicate_key(), "$.w.argv");
  // A surrogate pair is one character, and an escaped quote is a quote.
  JsonLocator pair(R"({"\ud83d\ude00": 1, "\u00e9": 2, "\"": 3, "\u00E9": 4})");
  ASSERT_TRUE(pair.duplicate_key());
  EXPECT_EQ(*pair.duplicate_key(), "$[\"\u00e9\"]");
  EXPECT_FALSE(JsonLocator(R"({"\u0061": 1, "b": 2})").duplicate_key());
}

TEST(JsonLocator, EscapedKeysAreLocatedUnderTheirDecodedName) {
  JsonLocator loc("{\n  \"\\u0061\": 1}");
  EXPECT_EQ(loc.key("$.a").line, 2);
  EXPECT_EQ(loc.key("$.a").col, 3);
}

TEST(JsonLocator, OffsetToLineAndColumn) {
  auto l = location_of_offset("ab\ncd\nef", 7);
  EXPECT_EQ(l.line, 3);
  EXPECT_EQ(l.col, 2);
}

}  // namespace
}  // namespace harness
