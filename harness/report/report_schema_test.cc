// reports/report.schema.json against what build_report() really writes.
// A small checker for the subset of JSON Schema 2020-12 the file uses
// ($ref to $defs, type, const, enum, required, properties,
// additionalProperties, items, anyOf, minimum/maximum), so the test needs
// no validator library.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "report/report_fixture.h"

namespace harness {
namespace {

using nlohmann::json;

json load_schema() {
  std::ifstream in(std::string(HARNESS_SOURCE_DIR) + "/reports/report.schema.json");
  std::stringstream s;
  s << in.rdbuf();
  return json::parse(s.str());
}

bool has_type(const json& v, const std::string& t) {
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "string") return v.is_string();
  if (t == "integer") return v.is_number_integer();
  if (t == "number") return v.is_number();
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  return false;
}

class Checker {
 public:
  explicit Checker(const json& root) : root_(root) {}

  // Appends "path: problem" lines; returns whether `v` matched.
  bool check(const json& schema, const json& v, const std::string& path, std::vector<std::string>& errs) const {
    size_t before = errs.size();
    if (schema.contains("$ref")) {
      std::string ref = schema["$ref"].get<std::string>();
      const std::string prefix = "#/$defs/";
      if (ref.rfind(prefix, 0) != 0) {
        errs.push_back(fmt::format("{}: unsupported $ref {}", path, ref));
        return false;
      }
      check(root_.at("$defs").at(ref.substr(prefix.size())), v, path, errs);
    }
    if (schema.contains("type")) {
      bool ok = false;
      if (schema["type"].is_array()) {
        for (const auto& t : schema["type"]) ok = ok || has_type(v, t.get<std::string>());
      } else {
        ok = has_type(v, schema["type"].get<std::string>());
      }
      if (!ok) errs.push_back(fmt::format("{}: expected type {}, got {}", path, schema["type"].dump(), v.dump()));
    }
    if (schema.contains("const") && schema["const"] != v)
      errs.push_back(fmt::format("{}: expected {}, got {}", path, schema["const"].dump(), v.dump()));
    if (schema.contains("enum")) {
      bool found = false;
      for (const auto& e : schema["enum"]) found = found || e == v;
      if (!found) errs.push_back(fmt::format("{}: {} is not one of {}", path, v.dump(), schema["enum"].dump()));
    }
    if (v.is_number()) {
      if (schema.contains("minimum") && v.get<double>() < schema["minimum"].get<double>())
        errs.push_back(fmt::format("{}: below the minimum", path));
      if (schema.contains("maximum") && v.get<double>() > schema["maximum"].get<double>())
        errs.push_back(fmt::format("{}: above the maximum", path));
    }
    if (v.is_object()) {
      for (const auto& k : schema.value("required", json::array()))
        if (!v.contains(k.get<std::string>()))
          errs.push_back(fmt::format("{}: required key \"{}\" is missing", path, k.get<std::string>()));
      const json props = schema.value("properties", json::object());
      for (const auto& [k, sub] : v.items()) {
        if (props.contains(k)) check(props[k], sub, path + "." + k, errs);
        else if (schema.contains("additionalProperties") && schema["additionalProperties"].is_object())
          check(schema["additionalProperties"], sub, path + "." + k, errs);
      }
    }
    if (v.is_array() && schema.contains("items"))
      for (size_t i = 0; i < v.size(); ++i) check(schema["items"], v[i], fmt::format("{}[{}]", path, i), errs);
    if (schema.contains("anyOf")) {
      bool any = false;
      std::vector<std::string> why;
      for (const auto& alt : schema["anyOf"]) {
        std::vector<std::string> e;
        if (check(alt, v, path, e)) any = true;
        else why.push_back(e.empty() ? "?" : e.front());
      }
      if (!any) errs.push_back(fmt::format("{}: matches no alternative ({})", path, fmt::join(why, "; ")));
    }
    return errs.size() == before;
  }

 private:
  const json& root_;
};

std::vector<std::string> validate(const json& report) {
  json schema = load_schema();
  std::vector<std::string> errs;
  Checker(schema).check(schema, report, "$", errs);
  return errs;
}

TEST(ReportSchema, IsDraft2020_12AndNamesTheCoreKeysRequired) {
  json schema = load_schema();
  EXPECT_EQ(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
  for (const char* core : {"scenario", "verdict", "counts", "events"}) {
    bool found = false;
    for (const auto& r : schema["required"]) found = found || r == core;
    EXPECT_TRUE(found) << core;
  }
  // The optional evidence keys are described, not required.
  for (const char* opt : {"writers", "writer_summary", "images_evidence", "page_cache"}) {
    EXPECT_TRUE(schema["properties"].contains(opt)) << opt;
    for (const auto& r : schema["required"]) EXPECT_NE(r, opt);
  }
}

TEST(ReportSchema, ARealReportHasEveryRequiredKeyAndValidates) {
  for (bool crashes : {true, false}) {
    json report = fixture::heroku_like_report(crashes);
    auto errs = validate(report);
    EXPECT_TRUE(errs.empty()) << fmt::format("{}", fmt::join(errs, "\n"));
  }
  // A power-cut run: its crash points and every expectation's kind.
  json cut = fixture::power_cut_cell_report();
  auto errs = validate(cut);
  EXPECT_TRUE(errs.empty()) << fmt::format("{}", fmt::join(errs, "\n"));
  cut["expectations"][0]["kind"] = "no_such_kind";
  EXPECT_FALSE(validate(cut).empty()) << "kind is an enum";
}

TEST(ReportSchema, TheCheckCatchesAMissingOrWrongKey) {
  json report = fixture::heroku_like_report();
  report.erase("counts_under_fault");
  report["counts"].erase("hung");
  report["verdict"] = "maybe";
  report["events"].push_back({{"type", "exec"}, {"t_ms", 1.0}});
  report["page_cache"].push_back({{"t_ms", 1.0}, {"path", "x"}});
  auto errs = validate(report);
  std::string all = fmt::format("{}", fmt::join(errs, "\n"));
  EXPECT_NE(all.find("$: required key \"counts_under_fault\" is missing"), std::string::npos) << all;
  EXPECT_NE(all.find("$.counts: required key \"hung\" is missing"), std::string::npos) << all;
  EXPECT_NE(all.find("$.verdict: \"maybe\" is not one of"), std::string::npos) << all;
  EXPECT_NE(all.find("matches no alternative"), std::string::npos) << all;
  EXPECT_NE(all.find("required key \"resident_pages\" is missing"), std::string::npos) << all;
}

}  // namespace
}  // namespace harness
