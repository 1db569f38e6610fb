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

// Hostile shapes cost a bounded scan, whatever their size: the scan stops
// at the first container over the limit. Counted, not timed.
TEST(JsonLocator, AHugeArrayIsScannedOnlyUpToTheLimit) {
  std::string text = "{\"a\": 1, \"big\": [";
  for (int i = 0; i < 500'000; ++i) text += "0,";
  text += "0]}";
  JsonLocator loc(text);
  ASSERT_TRUE(loc.too_many());
  EXPECT_EQ(*loc.too_many(), "$.big");
  // $, $.a, $.big and its first kMaxItems members.
  EXPECT_EQ(loc.values_scanned(), 3 + JsonLocator::kMaxItems);
}

TEST(JsonLocator, AHugeObjectIsScannedOnlyUpToTheLimit) {
  std::string text = "{";
  for (int i = 0; i < 200'000; ++i) text += "\"k" + std::to_string(i) + "\": 0,";
  text += "\"end\": 0}";
  JsonLocator loc(text);
  ASSERT_TRUE(loc.too_many());
  EXPECT_EQ(*loc.too_many(), "$");
  EXPECT_EQ(loc.values_scanned(), 1 + JsonLocator::kMaxItems);
}

TEST(JsonLocator, DeepNestingIsScannedOnlyUpToTheLimit) {
  for (size_t depth : {JsonLocator::kMaxDepth + 1, size_t{200'000}}) {
    SCOPED_TRACE(depth);
    JsonLocator loc(std::string(depth, '[') + std::string(depth, ']'));
    ASSERT_TRUE(loc.too_deep());
    EXPECT_EQ(loc.values_scanned(), JsonLocator::kMaxDepth + 1);
  }
  // At the limit itself, everything is scanned.
  JsonLocator ok(std::string(JsonLocator::kMaxDepth, '[') + std::string(JsonLocator::kMaxDepth, ']'));
  EXPECT_FALSE(ok.too_deep());
  EXPECT_EQ(ok.values_scanned(), JsonLocator::kMaxDepth);
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

// The parser ends a `//` comment at a lone "\r" too: so does every line
// count, or a location points a reviewer at the wrong line.
TEST(JsonLocator, ALoneCarriageReturnEndsALineAndCarriageReturnNewlineIsOne) {
  auto l = location_of_offset("a\rb\r\nc\nde", 8);
  EXPECT_EQ(l.line, 4);
  EXPECT_EQ(l.col, 2);
  l = location_of_offset("a\rb", 3);
  EXPECT_EQ(l.line, 2);
  EXPECT_EQ(l.col, 2);
}

// The attack: a key hidden behind a `//` comment that a lone "\r" ends.
// Its own scanner read the rest of the line as comment, the parser read a
// second "argv" that silently replaced the first.
TEST(JsonLocator, AKeyAfterACommentEndedByALoneCarriageReturnIsSeen) {
  std::string text = "{\"w\": {\"argv\": [\"/bin/true\"], // note\r\"argv\": [\"/bin/sh\", \"-c\", \"id\"]}}";
  LocatedJson parsed = parse_located_json(text);
  ASSERT_TRUE(parsed.locator.duplicate_key());
  EXPECT_EQ(*parsed.locator.duplicate_key(), "$.w.argv");
  EXPECT_EQ(parsed.locator.key("$.w.argv").line, 1) << "a path's key is where it first appears";
  EXPECT_EQ(parsed.locator.duplicate_at().line, 2) << "the duplicate is where it appears again";
  EXPECT_EQ(parsed.locator.duplicate_at().col, 1);
  EXPECT_EQ(parsed.json["w"]["argv"][0], "/bin/sh") << "what the parser kept";
  // The values after the comment are located on the line the "\r" began.
  EXPECT_EQ(parsed.locator.value("$.w.argv[1]").line, 2);
  EXPECT_EQ(parsed.locator.value("$.w.argv[1]").col, 21);
}

// Positions come from the parser's own reading: every kind of token, after
// comments of both kinds, escapes and numbers at the end of the text.
TEST(JsonLocator, LocatesEveryKindOfValue) {
  std::string text = "{\"s\": \"a\\\"b\\\\\", /* x */ \"n\": -1.5e3,\n\"t\": true, \"f\": false, \"z\": null}";
  LocatedJson p = parse_located_json(text);
  EXPECT_EQ(p.locator.value("$.s").col, 7);
  EXPECT_EQ(p.locator.key("$.n").col, 25);
  EXPECT_EQ(p.locator.value("$.n").col, 30);
  EXPECT_EQ(p.locator.value("$.t").line, 2);
  EXPECT_EQ(p.locator.value("$.t").col, 6);
  EXPECT_EQ(p.locator.value("$.f").col, 17);
  EXPECT_EQ(p.locator.value("$.z").col, 29);
  EXPECT_EQ(JsonLocator(" 42").value("$").col, 2) << "a number that ends the text";
  EXPECT_EQ(p.json["s"], "a\"b\\");
}

TEST(JsonLocator, MalformedTextThrowsTheParsersError) {
  EXPECT_THROW(parse_located_json("{\"a\": }"), nlohmann::json::parse_error);
  EXPECT_NO_THROW(JsonLocator("{\"a\": }")) << "the locator alone records what it saw";
}

}  // namespace
}  // namespace harness
