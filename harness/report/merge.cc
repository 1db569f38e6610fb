#include "report/merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "base/error.h"
#include "report/report_load.h"
#include "report/report_files.h"
#include "report/report_json.h"
#include "report/report_junit.h"
#include "report/report_view.h"

namespace harness {

namespace fs = std::filesystem;

std::vector<fs::path> find_reports(const std::vector<fs::path>& dirs) {
  // Links are not followed below a named folder: in a shared one, another
  // user's link would make us read (as root) whatever it points at.
  auto report_in = [](const fs::path& d) {
    std::error_code ec;
    return fs::symlink_status(d / "report.json", ec).type() == fs::file_type::regular;
  };
  auto is_folder = [](const fs::directory_entry& e) {
    std::error_code ec;
    return e.symlink_status(ec).type() == fs::file_type::directory;
  };
  std::vector<fs::path> out;
  for (const auto& d : dirs) {
    std::error_code ec;
    if (report_in(d)) out.push_back(d / "report.json");
    for (const auto& e : fs::directory_iterator(d, ec)) {
      if (!is_folder(e)) continue;
      if (report_in(e.path())) out.push_back(e.path() / "report.json");
      for (const auto& e2 : fs::directory_iterator(e.path(), ec))
        if (is_folder(e2) && report_in(e2.path())) out.push_back(e2.path() / "report.json");
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

nlohmann::json pool_by_scenario(const std::vector<nlohmann::json>& reports) {
  struct Pool {
    unsigned long runs = 0, with_crash = 0, with_abnormal = 0, n = 0, abnormal = 0;
    std::map<std::string, unsigned long> verdicts;
  };
  std::map<std::string, Pool> pools;
  for (const auto& r : reports) {
    Pool& p = pools[str_or(r, "scenario", "(unnamed scenario)")];
    ++p.runs;
    ++p.verdicts[str_or(r, "verdict", "unknown")];
    const auto& counts = object_or_empty(r, "counts");
    p.with_crash += count_or(counts, "sigsegv") + count_or(counts, "sigbus") > 0;
    unsigned long abnormal = 0;
    // Read as the crash count above reads its classes.
    for (const auto& [cls, n] : counts.items())
      if (cls != "ok") abnormal += count_or(counts, cls);
    p.with_abnormal += abnormal > 0;
    const auto& st = object_or_empty(r, "statistics");
    p.n += count_or(st, "n");
    p.abnormal += count_or(st, "abnormal");
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [name, p] : pools) {
    nlohmann::json verdicts = nlohmann::json::object();
    for (const auto& [v, n] : p.verdicts) verdicts[v] = n;
    out.push_back({{"scenario", name},
                   {"runs", p.runs},
                   {"verdicts", verdicts},
                   {"runs_with_sigsegv_or_sigbus", p.with_crash},
                   {"runs_with_abnormal_exit", p.with_abnormal},
                   {"pooled_under_fault", binomial_statistics(p.abnormal, p.n)}});
  }
  return out;
}

// "heroku-2017-truncation: 10 runs, pass 10; SIGSEGV/SIGBUS in 10, abnormal
// in 10; pooled 9950/10000 under fault" — one line per scenario.
std::string pooled_text(const nlohmann::json& by_scenario) {
  std::string out;
  for (const auto& p : by_scenario) {
    std::vector<std::string> v;
    for (const auto& [k, n] : p.at("verdicts").items()) v.push_back(fmt::format("{} {}", k, n.get<unsigned long>()));
    std::string stat = statistics_phrase(p.at("pooled_under_fault"), " (95%)");
    if (stat.empty()) stat = "no execs under fault";
    unsigned long runs = p.at("runs").get<unsigned long>();
    out += fmt::format("{}: {} run{} ({}); SIGSEGV/SIGBUS in {}, any abnormal exit in {}; pooled: {}\n",
                       p.at("scenario").get<std::string>(), runs, runs == 1 ? "" : "s", fmt::join(v, ", "),
                       p.at("runs_with_sigsegv_or_sigbus").get<unsigned long>(),
                       p.at("runs_with_abnormal_exit").get<unsigned long>(), stat);
  }
  return out;
}

Merged merge_reports(const std::vector<fs::path>& files) {
  std::vector<nlohmann::json> reports;
  for (const auto& f : files) reports.push_back(load_report(f));
  return merge_reports(std::move(reports));
}

Merged merge_reports(std::vector<nlohmann::json> reports) {
  std::stable_sort(reports.begin(), reports.end(), [](const auto& a, const auto& b) {
    return a.at("scenario").template get<std::string>() < b.at("scenario").template get<std::string>();
  });
  Merged m;
  nlohmann::json rows = nlohmann::json::array();
  std::map<std::string, unsigned> verdicts;
  for (size_t i = 0; i < reports.size(); ++i) {
    const auto& r = reports[i];
    std::string v = r.at("verdict").get<std::string>();
    ++verdicts[v];
    m.all_pass = m.all_pass && v == "pass";
    m.outcomes.emplace_back(verdict_status_from_string(v),
                            r.contains("run") && r.at("run").is_object() && r.at("run").value("interrupted", false));
    rows.push_back({{"scenario", r.at("scenario")},
                    {"verdict", v},
                    {"counts", r.at("counts")},
                    {"run_dir", r.contains("run") ? r.at("run").value("run_dir", "") : ""}});
  }
  nlohmann::json vj = nlohmann::json::object();
  for (const auto& [k, n] : verdicts) vj[k] = n;
  m.summary = {{"scenarios", rows},
               {"verdicts", vj},
               {"by_scenario", pool_by_scenario(reports)},
               {"pass", m.all_pass},
               {"reports", reports.size()}};
  m.junit = render_junit(reports);
  return m;
}


}  // namespace harness
