#include "report/report_command.h"

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

int cmd_report(const std::vector<std::string>& args) {
  std::vector<fs::path> dirs;
  std::optional<fs::path> junit;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--junit") {
      if (i + 1 >= args.size()) throw bad_report("--junit needs a file name");
      junit = args[++i];
    } else if (args[i] == "--help") {
      fmt::print("usage: harness report RUN_DIR... [--junit FILE]\n");
      return 0;
    } else if (args[i].rfind("--", 0) == 0) {
      throw bad_report(fmt::format("report: unknown option {}", args[i]));
    } else {
      dirs.emplace_back(args[i]);
    }
  }
  if (dirs.empty()) throw bad_report("report needs a run directory (usage: harness report RUN_DIR... [--junit FILE])");
  // Read everything before writing anything.
  std::vector<json> reports;
  for (const auto& d : dirs) reports.push_back(load_report(d));
  for (size_t i = 0; i < dirs.size(); ++i) {
    fs::path dir = report_run_dir(dirs[i]);
    write_report_files(dir, reports[i]);
    fmt::print("{}: wrote {}, {}, {}\n", dir.string(), kReportMarkdownFile, kReportHtmlFile, kJunitFile);
  }
  if (junit) {
    write_file_atomically(*junit, render_junit(reports));
    fmt::print("wrote {} ({} scenarios)\n", junit->string(), reports.size());
  }
  return 0;
}

}  // namespace harness
