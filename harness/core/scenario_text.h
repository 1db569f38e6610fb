// The text of a scenario file read as JSON, before any field is looked at:
// the bytes (UTF-8, no byte-order mark, no NUL), the parse (comments
// allowed) and the locator's limits (depth, members, duplicate keys). Each
// problem is a ScenarioError located at the offending byte or value.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "base/json_locator.h"

namespace harness {

struct ScenarioDocument {
  nlohmann::json json;
  JsonLocator locator;  // where each value of `json` is written in the text
};

// The offset of the first byte that makes `text` not a scenario file's
// text (RFC 8259 UTF-8, no BOM, no NUL) and why; nullopt if there is none.
std::optional<std::pair<size_t, std::string>> bad_bytes(const std::string& text);

// `file` names the text in messages.
ScenarioDocument parse_scenario_text(const std::string& text, const std::string& file);

}  // namespace harness
