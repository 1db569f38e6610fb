// Compare: two runs side by side, from their report.json files alone — a
// reproduction against its prevention run, or one installer build against
// the next. The comparison is a list of tables (verdicts, counts,
// statistics, expectation outcomes, fault actions, evidence) that render
// to markdown or HTML; a row whose two sides differ is marked.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace harness {

struct CompareTable {
  std::string id;     // HTML section id
  std::string title;
  std::vector<std::string> head;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> notes;  // sentences under the table
};

// The last column of every table is "differs": "yes" or "".
std::vector<CompareTable> compare_reports(const nlohmann::json& a, const nlohmann::json& b);
std::string compare_markdown(const nlohmann::json& a, const nlohmann::json& b);
std::string compare_html(const nlohmann::json& a, const nlohmann::json& b);


}  // namespace harness
