#include "core/scenario_node.h"

#include <fmt/format.h>

#include <climits>
#include <filesystem>
#include <regex>

#include "base/edit_distance.h"
#include "base/error.h"
#include "core/plan.h"

namespace harness {

void ScenarioNode::expect_object(const std::string& kind) const {
  if (!v_.is_object()) fail(fmt::format("expected an object ({}), got {}", kind, v_.type_name()));
  const auto& known = scenario_object_fields().at(kind);
  for (const auto& [key, _] : v_.items()) {
    if (known.count(key)) continue;
    std::vector<std::string> cands(known.begin(), known.end());
    auto hint = closest_match(key, cands);
    ScenarioNode child = at_key(key);
    child.fail_key(hint ? fmt::format("unknown field \"{}\" (did you mean \"{}\"?)", key, *hint)
                        : fmt::format("unknown field \"{}\" (allowed: {})", key, fmt::join(cands, ", ")));
  }
}

ScenarioNode ScenarioNode::at_key(const std::string& key) const {
  return ScenarioNode(v_.at(key), json_path_member(path_, key), loc_, file_);
}

ScenarioNode ScenarioNode::require(const std::string& key) const {
  if (!has(key)) fail(fmt::format("missing required field \"{}\"", key));
  return at_key(key);
}

std::optional<ScenarioNode> ScenarioNode::optional(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return at_key(key);
}

void ScenarioNode::limit_items(size_t max, std::string_view items, std::string_view why) const {
  if (!v_.is_array() || v_.size() <= max) return;
  fail(why.empty() ? fmt::format("{} {}; at most {}", v_.size(), items, max)
                   : fmt::format("{} {}; at most {} ({})", v_.size(), items, max, why));
}

std::string ScenarioNode::placeholder_string() const {
  std::string s = string();
  if (auto bad = unknown_placeholder(s))
    fail(fmt::format("unknown placeholder {} (known: {{{}}})", *bad, fmt::join(placeholder_names(), "}, {")));
  return s;
}

std::vector<std::string> ScenarioNode::argv() const {
  std::vector<std::string> out;
  for (const auto& a : array()) out.push_back(a.placeholder_string());
  if (out.empty() || out[0].empty()) fail("argv needs at least a program");
  return out;
}

std::vector<ScenarioNode> ScenarioNode::array() const {
  if (!v_.is_array()) fail(fmt::format("expected an array, got {}", v_.type_name()));
  std::vector<ScenarioNode> out;
  for (size_t i = 0; i < v_.size(); ++i) out.emplace_back(v_[i], json_path_index(path_, i), loc_, file_);
  return out;
}

bool ScenarioNode::boolean() const {
  if (!v_.is_boolean()) fail(fmt::format("expected true or false, got {}", v_.type_name()));
  return v_.get<bool>();
}

std::string ScenarioNode::string() const {
  if (!v_.is_string()) fail(fmt::format("expected a string, got {}", v_.type_name()));
  std::string s = v_.get<std::string>();
  // open(2) and execve(2) stop at a NUL: the file acted on would not be
  // the one the scenario (and the report) names.
  if (s.find('\0') != std::string::npos) fail("strings must not contain NUL (\\u0000)");
  return s;
}

std::string ScenarioNode::nonempty_string() const {
  std::string s = string();
  if (s.empty()) fail("must not be empty");
  return s;
}

unsigned long long ScenarioNode::integer(unsigned long long min, unsigned long long max) const {
  if (!v_.is_number_integer() ||
      (v_.is_number_integer() && !v_.is_number_unsigned() && v_.get<long long>() < 0)) {
    if (v_.is_number_integer()) fail(fmt::format("must be at least {}", min));
    fail(fmt::format("expected a non-negative integer, got {}", v_.dump()));
  }
  auto n = v_.get<unsigned long long>();
  if (n < min) fail(fmt::format("must be at least {}, got {}", min, n));
  if (n > max) fail(fmt::format("must be at most {}, got {}", max, n));
  return n;
}

void ScenarioNode::fail_at(TextLocation at, const std::string& msg) const {
  throw ScenarioError(file_, at.line, at.col, path_, msg);
}

std::string name_field(const ScenarioNode& n, const char* what) {
  std::string name = n.nonempty_string();
  // Bounded: std::regex recurses per character, so an unbounded pattern
  // lets a long name overflow the stack.
  static const std::regex name_re("[A-Za-z0-9][A-Za-z0-9._-]{0,79}");
  if (name.size() > 80 || !std::regex_match(name, name_re))
    n.fail(fmt::format("{} names use letters, digits, '.', '_' and '-' (at most 80)", what));
  return name;
}

WorkPath work_path(const ScenarioNode& n) {
  std::string s = n.nonempty_string();
  if (s.front() == '/')
    n.fail(fmt::format("\"{}\" is an absolute path; paths here are relative to the run's work "
                       "directory, and the harness never writes outside it",
                       s));
  std::filesystem::path p(s);
  // The kernel refuses longer ones (ENAMETOOLONG); say so now.
  if (s.size() >= PATH_MAX) n.fail(fmt::format("the path is {} bytes long; at most {}", s.size(), PATH_MAX - 1));
  for (const auto& part : p) {
    if (part == "..")
      n.fail(fmt::format("\"{}\" escapes the run's work directory (\"..\" is not allowed)", s));
    if (part.native().size() > NAME_MAX)
      n.fail(fmt::format("a path component is {} bytes long; at most {}", part.native().size(), NAME_MAX));
  }
  std::string norm = p.lexically_normal().generic_string();
  if (norm.empty() || norm == ".") n.fail(fmt::format("\"{}\" names the work directory itself", s));
  if (norm.back() == '/') norm.pop_back();
  return norm;
}

std::chrono::milliseconds ms_field(const ScenarioNode& parent, const char* key, unsigned long long def,
                                   unsigned long long min, unsigned long long max) {
  auto n = parent.optional(key);
  return std::chrono::milliseconds(n ? n->integer(min, max) : def);
}

bool lies_inside(const WorkPath& path, const WorkPath& dir) {
  auto rel = std::filesystem::path(path).lexically_relative(std::filesystem::path(dir));
  return !rel.empty() && *rel.begin() != "..";
}

}  // namespace harness
