// For the core layer's tests: a scenario document parsed from text, kept
// alive with the file name its nodes refer to. Header-only test code.
#pragma once

#include <string>

#include "core/scenario_node.h"
#include "core/scenario_text.h"

namespace harness::fixture {

struct Doc {
  explicit Doc(std::string t) : text(std::move(t)), doc(parse_scenario_text(text, file)) {}
  ScenarioNode root() const { return ScenarioNode(doc.json, "$", doc.locator, file); }
  std::string file = "t.json";
  std::string text;
  ScenarioDocument doc;
};

}  // namespace harness::fixture
