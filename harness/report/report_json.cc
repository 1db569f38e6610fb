#include "report/report_json.h"

#include <fmt/format.h>

#include <map>

#include "core/statistics.h"
#include "report/attribution.h"
#include "report/report_view.h"

namespace harness {

using nlohmann::json;

json binomial_statistics(unsigned long abnormal, unsigned long n) {
  auto ci = clopper_pearson(abnormal, n, 0.95);
  return {{"n", n},
          {"abnormal", abnormal},
          {"rate", n ? static_cast<double>(abnormal) / static_cast<double>(n) : 0.0},
          {"ci95_low", ci.low},
          {"ci95_high", ci.high},
          {"upper95_one_sided", clopper_pearson_upper(abnormal, n, 0.95)},
          {"method", "clopper-pearson"}};
}

json counts_to_json(const ExecCounts& c) {
  json j = json::object();
  for (ExecClass k : kAllExecClasses) j[std::string(to_string(k))] = c.of(k);
  return j;
}

json build_report(const RunRecord& r, const Verdict& v) {
  json report;
  report["format_version"] = kReportFormatVersion;
  report["scenario"] = r.scenario;
  report["scenario_file"] = r.scenario_file;
  report["description"] = r.description;
  report["verdict"] = std::string(to_string(v.status));
  json reasons = json::array(), expectations = json::array();
  for (const auto& res : v.results) {
    reasons.push_back(fmt::format("{} {} ({})", res.held ? "held:" : "FAILED:", res.text, res.detail));
    expectations.push_back({{"text", res.text}, {"held", res.held}, {"observed", res.observed}, {"detail", res.detail}});
  }
  if (!r.error.empty()) reasons.push_back("error: " + r.error);
  if (r.timed_out) reasons.push_back("the scenario hit its timeout_s and was stopped");
  report["verdict_reasons"] = reasons;
  report["expectations"] = expectations;
  report["counts"] = counts_to_json(v.counts);
  report["counts_under_fault"] = counts_to_json(v.counts_under_fault);
  report["execs"] = {{"total", v.counts.total}, {"warmup", v.warmup_execs}, {"under_fault", v.n}};
  report["statistics"] = binomial_statistics(v.k, v.n);
  report["run"] = {{"id", r.run_id},
                   {"run_dir", r.run_dir},
                   {"started_at", r.started_at},
                   {"duration_ms", r.duration_ms},
                   {"backend", r.backend},
                   {"interrupted", r.interrupted},
                   {"timed_out", r.timed_out},
                   {"error", r.error.empty() ? json(nullptr) : json(r.error)}};
  report["environment"] = r.environment;
  json images = json::array();
  for (const auto& i : r.images)
    images.push_back({{"name", i.name}, {"path", i.path}, {"size_bytes", i.size_bytes}, {"fs", i.fs}});
  report["images"] = images;
  json mounts = json::array();
  for (const auto& m : r.mounts)
    mounts.push_back({{"image", m.image},
                      {"mountpoint", m.mountpoint},
                      {"options", m.options},
                      {"loop_device", m.loop_device},
                      {"backing_dev", m.backing_dev},
                      {"backing_inode", m.backing_inode},
                      {"autoclear", m.autoclear},
                      {"effective_options", m.effective_options}});
  report["mounts"] = mounts;
  report["kernel_log"] = r.kernel_log;
  report["writers"] = r.writers;
  for (auto& w : report["writers"]) w["who"] = describe_writer(w, r);
  if (std::string s = writer_summary(r); !s.empty()) report["writer_summary"] = s;
  report["images_evidence"] = r.images_evidence;
  report["page_cache"] = r.page_cache;
  report["events"] = events_to_json(r);
  return report;
}

RunRecord record_from_report(const json& report) {
  RunRecord r;
  r.scenario = report.at("scenario").get<std::string>();
  r.scenario_file = report.value("scenario_file", "");
  r.description = report.value("description", "");
  const json& run = report.at("run");
  r.run_id = run.value("id", "");
  r.run_dir = run.value("run_dir", "");
  r.started_at = run.value("started_at", "");
  r.duration_ms = run.value("duration_ms", 0.0);
  r.backend = run.value("backend", "host");
  r.interrupted = run.value("interrupted", false);
  r.timed_out = run.value("timed_out", false);
  if (run.contains("error") && run["error"].is_string()) r.error = run["error"].get<std::string>();
  r.environment = report.value("environment", json::object());
  for (const auto& i : report.value("images", json::array()))
    r.images.push_back(ImageRecord{i.at("name").get<std::string>(), i.at("path").get<std::string>(),
                                   i.at("size_bytes").get<unsigned long long>(), i.value("fs", "")});
  for (const auto& m : report.value("mounts", json::array()))
    r.mounts.push_back(MountRecord{m.at("image").get<std::string>(), m.at("mountpoint").get<std::string>(),
                                   m.value("options", ""), m.value("loop_device", ""),
                                   m.value("backing_dev", 0ULL), m.value("backing_inode", 0ULL),
                                   m.value("autoclear", false), m.value("effective_options", "")});
  r.kernel_log = report.value("kernel_log", json::array());
  r.writers = report.value("writers", json::array());
  r.images_evidence = report.value("images_evidence", json::array());
  r.page_cache = report.value("page_cache", json::array());
  events_from_json(report.at("events"), r);
  return r;
}

std::string summary_text(const json& report, bool color) {
  auto paint = [&](const std::string& s, const char* code) {
    return color ? fmt::format("\x1b[{}m{}\x1b[0m", code, s) : s;
  };
  std::string verdict = report.at("verdict").get<std::string>();
  const char* vcolor = verdict == "pass" ? "1;32" : "1;31";
  std::string out;
  out += fmt::format("scenario  {}  [{} backend]\n", report.at("scenario").get<std::string>(),
                     report.at("run").value("backend", "host"));
  out += fmt::format("verdict   {}\n", paint(verdict, vcolor));
  const json& c = report.at("counts");
  const json& ex = report.at("execs");
  out += fmt::format("execs     {} total ({} warm-up, {} under fault) in {:.1f} s\n",
                     ex.at("total").get<unsigned long>(), ex.at("warmup").get<unsigned long>(),
                     ex.at("under_fault").get<unsigned long>(),
                     report.at("run").value("duration_ms", 0.0) / 1000.0);
  std::string counts;
  for (ExecClass k : kAllExecClasses) {
    std::string name(to_string(k));
    counts += fmt::format("{}={} ", name, c.value(name, 0UL));
  }
  out += fmt::format("counts    {}\n", counts);
  const json& st = report.at("statistics");
  if (std::string p = statistics_phrase(st, " (95% one-sided Clopper-Pearson)"); !p.empty())
    out += fmt::format("{}{}\n", count_or(st, "abnormal") == 0 ? "bound     " : "rate      ", p);
  // What each command the scenario ran decided (an installer's JSON result).
  std::map<std::string, unsigned long> decisions;
  for (const auto& e : report.at("events")) {
    if (e.at("type") != "fault" || e.at("action") != "run") continue;
    std::string who = e.value("label", e.contains("argv") ? e.at("argv")[0].get<std::string>() : "command");
    std::string what = e.at("outcome").get<std::string>();
    if (e.contains("result") && e.at("result").contains("decision"))
      what = fmt::format("{}: {}", e.at("result").value("decision", "?"), e.at("result").value("reason", ""));
    ++decisions[fmt::format("{} [{}] -> {}", who, e.at("fault").get<std::string>(), what)];
  }
  for (const auto& [d, times] : decisions) out += fmt::format("ran       {} (x{})\n", d, times);
  if (report.contains("writer_summary"))
    out += fmt::format("writer    {}\n", report.at("writer_summary").get<std::string>());
  for (const auto& r : report.at("verdict_reasons"))
    out += fmt::format("  - {}\n", r.get<std::string>());
  out += fmt::format("report    {}/report.json\n", report.at("run").value("run_dir", "."));
  return out;
}

}  // namespace harness
