#include "core/scenario_node.h"

#include <gtest/gtest.h>

#include <string>

#include "base/error.h"
#include "core/scenario_doc_fixture.h"
#include "core/scenario_text.h"

namespace harness {
namespace {

using fixture::Doc;

template <typename F>
ScenarioError error_thrown_by(F f) {
  try {
    f();
  } catch (const ScenarioError& e) {
    return e;
  }
  ADD_FAILURE() << "no ScenarioError";
  return ScenarioError("", 0, 0, "", "");
}

TEST(ScenarioNode, AnErrorNamesTheValuesPathAndWhereItIsWritten) {
  Doc d("{\n  \"a\": [1, \"x\"]\n}");
  auto e = error_thrown_by([&] { d.root().require("a").array()[1].integer(0, 5); });
  EXPECT_EQ(e.file(), "t.json");
  EXPECT_EQ(e.json_path(), "$.a[1]");
  EXPECT_EQ(e.line(), 2);
  EXPECT_EQ(e.col(), 12);
  EXPECT_EQ(e.message(), "expected a non-negative integer, got \"x\"");
}

TEST(ScenarioNode, IntegersAreBounded) {
  Doc d(R"({"n": 7, "m": -1})");
  EXPECT_EQ(d.root().at_key("n").integer(1, 7), 7u);
  EXPECT_EQ(error_thrown_by([&] { d.root().at_key("n").integer(8, 9); }).message(), "must be at least 8, got 7");
  EXPECT_EQ(error_thrown_by([&] { d.root().at_key("n").integer(0, 6); }).message(), "must be at most 6, got 7");
  EXPECT_EQ(error_thrown_by([&] { d.root().at_key("m").integer(0, 6); }).message(), "must be at least 0");
}

TEST(ScenarioNode, AnUnknownFieldIsLocatedAtItsKeyWithAHint) {
  Doc d("{\"from\": \"a\", \"too\": \"b\", \"action\": \"overwrite\"}");
  auto e = error_thrown_by([&] { d.root().expect_object("action_overwrite"); });
  EXPECT_EQ(e.json_path(), "$.too");
  EXPECT_EQ(e.col(), 15);
  EXPECT_EQ(e.message(), "unknown field \"too\" (did you mean \"to\"?)");
}

TEST(ScenarioNode, AMissingRequiredFieldIsLocatedAtItsObject) {
  Doc d(R"({"x": {}})");
  auto e = error_thrown_by([&] { d.root().at_key("x").require("name"); });
  EXPECT_EQ(e.json_path(), "$.x");
  EXPECT_EQ(e.message(), "missing required field \"name\"");
  EXPECT_FALSE(d.root().at_key("x").optional("name").has_value());
}

TEST(ScenarioNode, ListsAreLimited) {
  Doc d(R"({"l": [1, 2, 3], "o": {"a": 1, "b": 2, "c": 3, "d": 4}})");
  d.root().at_key("l").limit_items(3, "things");
  d.root().at_key("o").limit_items(3, "things");  // not a list: array() says so where one is needed
  EXPECT_EQ(error_thrown_by([&] { d.root().at_key("l").limit_items(2, "things"); }).message(), "3 things; at most 2");
  EXPECT_EQ(error_thrown_by([&] { d.root().at_key("l").limit_items(1, "faults", "each a thread"); }).message(),
            "3 faults; at most 1 (each a thread)");
}

TEST(ScenarioNode, StringsRefuseNul) {
  Doc d(R"({"s": "a\u0000b"})");
  EXPECT_EQ(error_thrown_by([&] { d.root().at_key("s").string(); }).message(), "strings must not contain NUL (\\u0000)");
}

TEST(ScenarioNode, AnArgvNeedsAProgramAndKnownPlaceholders) {
  Doc d(R"({"ok": ["{work}/bin", "-x"], "empty": [], "bad": ["x", "{nope}"]})");
  EXPECT_EQ(d.root().at_key("ok").argv().size(), 2u);
  EXPECT_EQ(error_thrown_by([&] { d.root().at_key("empty").argv(); }).message(), "argv needs at least a program");
  EXPECT_EQ(error_thrown_by([&] { d.root().at_key("bad").argv(); }).json_path(), "$.bad[1]");
}

TEST(ScenarioNode, WorkPathsAreRelativeNormalAndStayInside) {
  Doc d(R"({"a": "x//y/./z/", "abs": "/etc", "up": "a/../../b", "dot": "./"})");
  EXPECT_EQ(work_path(d.root().at_key("a")), "x/y/z");
  EXPECT_NE(error_thrown_by([&] { work_path(d.root().at_key("abs")); }).message().find("is an absolute path"),
            std::string::npos);
  EXPECT_NE(error_thrown_by([&] { work_path(d.root().at_key("up")); }).message().find("escapes the run's work directory"),
            std::string::npos);
  EXPECT_EQ(error_thrown_by([&] { work_path(d.root().at_key("dot")); }).message(), "\"./\" names the work directory itself");
}

TEST(ScenarioNode, NamesAreShortAndPlain) {
  Doc d(R"({"good": "stack-1.img", "bad": "a b"})");
  EXPECT_EQ(name_field(d.root().at_key("good"), "image"), "stack-1.img");
  EXPECT_EQ(error_thrown_by([&] { name_field(d.root().at_key("bad"), "image"); }).message(),
            "image names use letters, digits, '.', '_' and '-' (at most 80)");
}

TEST(ScenarioNode, MillisecondFieldsHaveADefault) {
  Doc d(R"({"t": 5})");
  EXPECT_EQ(ms_field(d.root(), "t", 9, 0, 10).count(), 5);
  EXPECT_EQ(ms_field(d.root(), "u", 9, 0, 10).count(), 9);
}

TEST(LiesInside, IsTheDirectoryOrBelowIt) {
  EXPECT_TRUE(lies_inside("data", "data"));
  EXPECT_TRUE(lies_inside("data/a/b", "data"));
  EXPECT_FALSE(lies_inside("database", "data"));
  EXPECT_FALSE(lies_inside("other/data", "data"));
}

}  // namespace
}  // namespace harness
