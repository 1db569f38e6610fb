// ScenarioNode: one value of a scenario file while it is parsed. It knows
// its JSON path ("$.mounts[0].image") and where the text wrote it, and every
// check on it raises a ScenarioError located there, so the section parsers
// (core/scenario_parse.h, core/action_parse.h) never build a location by
// hand. Internal to parsing: a loaded Scenario holds no nodes.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json_locator.h"
#include "core/scenario.h"

namespace harness {

class ScenarioNode {
 public:
  // Keeps references to all four: the document, locator and file name
  // outlive every node made from them.
  ScenarioNode(const nlohmann::json& v, std::string path, const JsonLocator& loc, const std::string& file)
      : v_(v), path_(std::move(path)), loc_(loc), file_(file) {}

  [[noreturn]] void fail(const std::string& msg) const { fail_at(loc_.value(path_), msg); }
  [[noreturn]] void fail_key(const std::string& msg) const { fail_at(loc_.key(path_), msg); }

  const nlohmann::json& raw() const { return v_; }
  const std::string& path() const { return path_; }
  TextLocation where() const { return loc_.value(path_); }

  // Checks that this is an object whose keys all belong to `kind` (a key
  // of scenario_object_fields()).
  void expect_object(const std::string& kind) const;

  bool has(const std::string& key) const { return v_.is_object() && v_.contains(key); }

  ScenarioNode at_key(const std::string& key) const;
  ScenarioNode require(const std::string& key) const;
  std::optional<ScenarioNode> optional(const std::string& key) const;

  // Refuses a list of more than `max` items, named `items` in the message
  // ("40 mounts; at most 32"), with `why` in parentheses if given.
  void limit_items(size_t max, std::string_view items, std::string_view why = "") const;

  // An argv: strings, with only known {placeholders}.
  std::vector<std::string> argv() const;
  // One such string.
  std::string placeholder_string() const;
  std::vector<ScenarioNode> array() const;
  bool boolean() const;
  // Never holds a NUL.
  std::string string() const;
  std::string nonempty_string() const;
  unsigned long long integer(unsigned long long min, unsigned long long max) const;

 private:
  [[noreturn]] void fail_at(TextLocation at, const std::string& msg) const;

  const nlohmann::json& v_;
  std::string path_;
  const JsonLocator& loc_;
  const std::string& file_;
};

// A name (of the scenario, of an image): letters, digits, '.', '_' and '-',
// at most 80. `what` says whose, in the message.
std::string name_field(const ScenarioNode& n, const char* what);

// A path inside the run's work directory: relative, normalised, no "..".
WorkPath work_path(const ScenarioNode& n);

// The milliseconds at `key` of `parent`, `def` if absent.
std::chrono::milliseconds ms_field(const ScenarioNode& parent, const char* key, unsigned long long def,
                                   unsigned long long min, unsigned long long max);

// The longest duration a scenario may give anywhere: its longest timeout.
inline constexpr unsigned long long kMaxMs = 1000ULL * kMaxTimeoutSeconds;

// `path` is `dir` or below it (lexically: both are clean work paths).
bool lies_inside(const WorkPath& path, const WorkPath& dir);

}  // namespace harness
