#include "cli/report_commands.h"
#include "cli/usage.h"

#include <fmt/format.h>

#include <fcntl.h>

#include <filesystem>
#include <optional>

#include "base/atomic_write.h"
#include "base/error.h"
#include "base/scoped_fd.h"
#include "cli/ablate.h"
#include "cli/matrix.h"
#include "cli/command_args.h"
#include "cli/exit_code.h"
#include "report/ablation_report.h"
#include "report/compare.h"
#include "report/matrix_report.h"
#include "report/merge.h"
#include "report/report_files.h"
#include "report/report_junit.h"
#include "report/report_load.h"
#include "base/terminal_text.h"

namespace harness {

namespace fs = std::filesystem;
using nlohmann::json;

int cmd_report(const std::vector<std::string>& args) {
  CommandArgs ca = parse_command_args("report", args, {"--junit"}, {});
  if (ca.help) {
    fmt::print("{}", usage_text("report"));
    return kExitPass;
  }
  std::vector<fs::path> dirs(ca.positional.begin(), ca.positional.end());
  std::optional<fs::path> junit = ca.value("--junit");
  if (dirs.empty()) throw Error(ErrorKind::usage, "report needs a run directory (usage: harness report RUN_DIR... [--junit FILE])");
  // Read everything before writing anything.
  std::vector<json> reports;
  for (const auto& d : dirs) reports.push_back(load_report(d));
  for (size_t i = 0; i < dirs.size(); ++i) {
    fs::path dir = report_run_dir(dirs[i]);
    ScopedFd dirfd(::open(dir.c_str(), O_DIRECTORY | O_PATH | O_CLOEXEC));
    if (!dirfd.is_open()) throw EnvironmentError(errno_message(dir.string() + ": cannot open", errno));
    write_report_files(dirfd.get(), dir, reports[i]);
    fmt::print("{}: wrote {}, {}, {}\n", dir.string(), kReportMarkdownFile, kReportHtmlFile, kJunitFile);
  }
  if (junit) {
    write_file_atomically(*junit, render_junit(reports));
    fmt::print("wrote {} ({} scenarios)\n", junit->string(), reports.size());
  }
  return kExitPass;
}

int cmd_compare(const std::vector<std::string>& args) {
  CommandArgs ca = parse_command_args("compare", args, {"--out"}, {});
  if (ca.help) {
    fmt::print("{}", usage_text("compare"));
    return kExitPass;
  }
  const std::vector<std::string>& runs = ca.positional;
  std::optional<fs::path> out = ca.value("--out");
  if (runs.size() != 2)
    throw Error(ErrorKind::usage,
                fmt::format("compare needs exactly two run directories, got {} (usage: harness compare RUN_A RUN_B "
                            "[--out DIR])",
                            runs.size()));
  json a = load_report(runs[0]), b = load_report(runs[1]);
  if (!out) {
    fmt::print("{}", terminal_safe(compare_markdown(a, b), true));
    return kExitPass;
  }
  std::error_code ec;
  fs::create_directories(*out, ec);
  if (ec) throw EnvironmentError(fmt::format("{}: cannot create the directory: {}", out->string(), ec.message()));
  write_file_atomically(*out / "compare.md", compare_markdown(a, b));
  write_file_atomically(*out / "compare.html", compare_html(a, b));
  fmt::print("wrote {} and {}\n", (*out / "compare.md").string(), (*out / "compare.html").string());
  return kExitPass;
}

int cmd_merge(const std::vector<std::string>& args) {
  CommandArgs ca = parse_command_args("merge", args, {"--out"}, {});
  if (ca.help) {
    fmt::print("{}", usage_text("merge"));
    return kExitPass;
  }
  std::vector<fs::path> dirs(ca.positional.begin(), ca.positional.end());
  fs::path out = ca.value("--out").value_or(".");
  if (dirs.empty()) throw Error(ErrorKind::usage, "merge needs at least one directory");
  // The shards of one ablation (harness ablate --shard I/N).
  std::vector<fs::path> ablations;
  for (const auto& d : dirs)
    if (fs::exists(d / "ablation.json")) ablations.push_back(d / "ablation.json");
  if (!ablations.empty()) {
    if (ablations.size() != dirs.size())
      throw Error(ErrorKind::usage, "merge: some directories hold an ablation and some do not");
    json a = merge_ablations(ablations, out);
    fmt::print("{}\nmerged {} ablation shards into {}\n", terminal_safe(ablation_sentence(a), true), ablations.size(),
               (out / "ablation.json").string());
    return kExitPass;
  }
  // The shards of one matrix (harness matrix --shard I/N).
  std::vector<fs::path> matrices;
  for (const auto& d : dirs)
    if (fs::exists(d / "matrix.json")) matrices.push_back(d / "matrix.json");
  if (!matrices.empty()) {
    if (matrices.size() != dirs.size())
      throw Error(ErrorKind::usage, "merge: some directories hold a matrix and some do not");
    fs::create_directories(out);
    json m = merge_matrices(matrices, fs::absolute(out));
    fmt::print("merged {} matrix shards into {}: {}\n{}\n", matrices.size(), (out / "matrix.json").string(),
               matrix_counts_text(m), gate_text(m));
    return matrix_exit_code(matrix_cells(m));
  }
  auto files = find_reports(dirs);
  if (files.empty()) throw Error(ErrorKind::usage, "merge: no report.json found in the given directories");
  Merged m = merge_reports(files);
  std::error_code ec;
  fs::create_directories(out, ec);
  write_file_atomically(out / "summary.json", m.summary.dump(2) + "\n");
  write_file_atomically(out / "junit.xml", m.junit);
  for (const auto& row : m.summary.at("scenarios"))
    fmt::print("{:34} {}\n", terminal_safe(row.at("scenario").get<std::string>()),
               terminal_safe(row.at("verdict").get<std::string>()));
  if (files.size() > m.summary.at("by_scenario").size())
    fmt::print("{}", terminal_safe(pooled_text(m.summary.at("by_scenario")), true));
  fmt::print("merged {} reports into {} and {}\n", files.size(), (out / "summary.json").string(),
             (out / "junit.xml").string());
  int rc = kExitPass;
  for (const auto& [status, interrupted] : m.outcomes) rc = more_serious(rc, exit_code_for(status, interrupted, std::nullopt));
  return rc;
}

}  // namespace harness
