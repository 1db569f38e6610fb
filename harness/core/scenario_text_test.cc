#include "core/scenario_text.h"

#include <gtest/gtest.h>

#include <string>

#include "base/error.h"

namespace harness {
namespace {

ScenarioError error_of(const std::string& text) {
  try {
    parse_scenario_text(text, "t.json");
  } catch (const ScenarioError& e) {
    return e;
  }
  ADD_FAILURE() << "no ScenarioError";
  return ScenarioError("", 0, 0, "", "");
}

TEST(ScenarioText, AcceptsUtf8WithComments) {
  auto d = parse_scenario_text("// a comment\n{\"name\": \"caf\xc3\xa9\" /* x */}", "t.json");
  EXPECT_EQ(d.json["name"].get<std::string>(), "caf\xc3\xa9");
  EXPECT_EQ(d.locator.value("$.name").line, 2);
}

TEST(ScenarioText, BadBytesAreFoundAtTheirOffset) {
  EXPECT_EQ(bad_bytes("{}"), std::nullopt);
  EXPECT_EQ(bad_bytes("\xef\xbb\xbf{}")->first, 0u);
  EXPECT_EQ(bad_bytes(std::string("{\"a\":\0}", 7))->second, "NUL byte in the file");
  EXPECT_EQ(bad_bytes("{\"a\": \"\xff\"}")->first, 7u);
  EXPECT_EQ(bad_bytes("{\"a\": \"\xc0\xaf\"}")->first, 7u);      // overlong
  EXPECT_EQ(bad_bytes("{\"a\": \"\xed\xa0\x80\"}")->first, 7u);  // a surrogate
  EXPECT_EQ(bad_bytes("\xe2\x82")->first, 0u);                   // cut short
}

TEST(ScenarioText, MalformedJsonIsLocated) {
  auto e = error_of("{\n  \"a\": 1,\n  \"b\" 2\n}");
  EXPECT_EQ(e.json_path(), "$");
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.message().rfind("malformed JSON: ", 0), 0u);
}

TEST(ScenarioText, ADuplicateKeyIsLocatedAtItsKey) {
  auto e = error_of("{\n \"a\": 1,\n \"a\": 2}");
  EXPECT_EQ(e.json_path(), "$.a");
  EXPECT_EQ(e.line(), 3);  // where it appears again: what a reviewer may have missed
  EXPECT_EQ(e.col(), 2);
  EXPECT_EQ(e.message(), "this key appears twice in its object");
}

// The attack of issue 26: a second "argv" after a `//` comment that a lone
// "\r" ends. An editor shows one line; the parser reads two.
TEST(ScenarioText, AKeyHiddenBehindACommentEndedByACarriageReturnIsADuplicate) {
  auto e = error_of("{\n  \"argv\": [\"/bin/true\"], // note\r\"argv\": [\"/bin/sh\"]\n}");
  EXPECT_EQ(e.json_path(), "$.argv");
  EXPECT_EQ(e.line(), 3) << "the lone \\r ends line 2";
  EXPECT_EQ(e.col(), 1);
  EXPECT_EQ(e.message(), "this key appears twice in its object");
}

TEST(ScenarioText, TooDeepIsRefused) {
  std::string deep(40, '[');
  deep += std::string(40, ']');
  EXPECT_NE(error_of(deep).message().find("nested deeper than"), std::string::npos);
}

}  // namespace
}  // namespace harness
