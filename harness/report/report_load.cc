#include "report/report_load.h"

#include <fmt/format.h>

#include <fcntl.h>

#include <cerrno>

#include "base/error.h"
#include "base/json_locator.h"
#include "base/regular_file.h"
#include "base/scoped_fd.h"
#include "report/report_files.h"
#include "report/report_junit.h"

namespace harness {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Error bad_report(const std::string& what) { return Error(ErrorKind::invalid_scenario, what); }

std::string unreadable(const std::string& what, int err) {
  return what + (err == ENOENT ? " (is this a run directory? `harness run --out DIR` writes DIR/report.json)" : "");
}

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
  fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  ScopedFd dirfd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dirfd.is_open()) {
    const int err = errno;
    throw bad_report(unreadable(errno_message(fmt::format("{}: cannot read the report", file.string()), err), err));
  }
  return load_report_at(dirfd.get(), file.filename().string(), file);
}

json load_report_at(int dirfd, const std::string& name, const fs::path& file) {
  std::string text;
  try {
    text = read_regular_file_at(dirfd, name, kMaxReportBytes, file);
  } catch (const SystemError& e) {
    // A link, a FIFO or a file too large says so; else open(2)'s reason.
    const bool refused = e.err() == ELOOP || e.err() == EINVAL || e.err() == EFBIG;
    throw bad_report(refused ? e.what()
                             : unreadable(errno_message(fmt::format("{}: cannot read the report", file.string()), e.err()),
                                          e.err()));
  }
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
