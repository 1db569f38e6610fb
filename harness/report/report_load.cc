#include "report/report_load.h"

#include <fmt/format.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "base/json_locator.h"
#include "report/report_files.h"
#include "report/report_junit.h"

namespace harness {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Error bad_report(const std::string& what) { return Error(ErrorKind::invalid_scenario, what); }

fs::path report_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) ? path / "report.json" : path;
}

}  // namespace

fs::path report_run_dir(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return path;
  return path.has_parent_path() ? path.parent_path() : fs::path(".");
}

json load_report(const fs::path& path) {
  fs::path file = report_file(path);
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    int err = errno;
    throw bad_report(errno_message(fmt::format("{}: cannot read the report", file.string()), err) +
                     (err == ENOENT ? " (is this a run directory? `harness run --out DIR` writes DIR/report.json)" : ""));
  }
  std::stringstream buf;
  buf << in.rdbuf();
  std::string text = buf.str();
  json report;
  try {
    report = json::parse(text);
  } catch (const json::parse_error& e) {
    TextLocation loc = location_of_offset(text, e.byte > 0 ? e.byte - 1 : 0);
    throw bad_report(fmt::format("{}:{}:{}: not valid JSON: {}", file.string(), loc.line, loc.col, e.what()));
  }
  if (!report.is_object()) throw bad_report(fmt::format("{}: not a harness report (not a JSON object)", file.string()));
  // The core keys of reports/FORMAT.md; everything else is optional.
  auto require = [&](const char* key, bool ok, const char* type) {
    if (!report.contains(key))
      throw bad_report(fmt::format("{}: $.{}: missing; not a harness report", file.string(), key));
    if (!ok) throw bad_report(fmt::format("{}: $.{}: must be {}", file.string(), key, type));
  };
  require("scenario", report.contains("scenario") && report["scenario"].is_string(), "a string");
  require("verdict", report.contains("verdict") && report["verdict"].is_string(), "a string");
  require("counts", report.contains("counts") && report["counts"].is_object(), "an object");
  require("events", report.contains("events") && report["events"].is_array(), "an array");
  return report;
}


}  // namespace harness
