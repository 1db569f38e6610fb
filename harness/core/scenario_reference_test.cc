// docs/scenarios.md is the scenario reference a user reads; scenarios/schema.json
// is what the parser accepts (Scenario.AgreesWithTheJsonSchema). Every field,
// action, schedule kind and exec class the schema knows must be named in the
// reference, so adding one to the language without documenting it fails here.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

namespace harness {
namespace {

std::string read_source(const std::string& rel) {
  std::ifstream in(std::string(HARNESS_SOURCE_DIR) + "/" + rel, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A name counts as documented when the reference writes it as code
// (`name`) or as a JSON key or value ("name").
bool documented(const std::string& doc, const std::string& name) {
  return doc.find("`" + name + "`") != std::string::npos || doc.find("\"" + name + "\"") != std::string::npos;
}

// Every property name, and every string const/enum value, of the schema.
void collect(const nlohmann::json& node, std::set<std::string>& props, std::set<std::string>& values) {
  if (node.is_object()) {
    if (node.contains("properties") && node.at("properties").is_object())
      for (const auto& [k, _] : node.at("properties").items()) props.insert(k);
    if (node.contains("const") && node.at("const").is_string()) values.insert(node.at("const").get<std::string>());
    if (node.contains("enum"))
      for (const auto& v : node.at("enum"))
        if (v.is_string()) values.insert(v.get<std::string>());
    for (const auto& [_, v] : node.items()) collect(v, props, values);
  } else if (node.is_array()) {
    for (const auto& v : node) collect(v, props, values);
  }
}

TEST(DocsScenarios, EveryPropertyOfTheSchemaIsDocumented) {
  const std::string doc = read_source("docs/scenarios.md");
  ASSERT_FALSE(doc.empty()) << "docs/scenarios.md is missing";
  auto schema = nlohmann::json::parse(read_source("scenarios/schema.json"));
  std::set<std::string> props, values;
  collect(schema, props, values);
  ASSERT_GT(props.size(), 50u) << "the schema walk found too few properties to mean anything";
  for (const auto& p : props) EXPECT_TRUE(documented(doc, p)) << "docs/scenarios.md does not name the field `" << p << "`";
}

TEST(DocsScenarios, EveryActionScheduleAndExecClassIsDocumented) {
  const std::string doc = read_source("docs/scenarios.md");
  auto schema = nlohmann::json::parse(read_source("scenarios/schema.json"));
  std::set<std::string> props, values;
  collect(schema, props, values);
  // Actions, schedule kinds, exec classes, signals, file systems, placeholders' users.
  ASSERT_TRUE(values.count("overwrite_truncate") && values.count("while_workload") && values.count("sigsegv"));
  for (const auto& v : values)
    EXPECT_NE(doc.find(v), std::string::npos) << "docs/scenarios.md does not name \"" << v << "\"";
}

TEST(DocsScenarios, EveryPlaceholderIsDocumented) {
  const std::string doc = read_source("docs/scenarios.md");
  for (const char* p : {"{work}", "{scenario_dir}", "{harness_dir}", "{fixtures_bin}"})
    EXPECT_TRUE(documented(doc, p)) << p;
}

}  // namespace
}  // namespace harness
