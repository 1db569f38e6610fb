#include "report/report_json.h"

#include "report/exercise_view.h"

#include <fmt/format.h>

#include <map>

#include "base/terminal_text.h"
#include "core/statistics.h"
#include "core/writer_origin.h"
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

json expectation_to_json(const ExpectationResult& res) {
  return json{{"text", res.text},
              {"kind", std::string(to_string(res.kind))},
              {"held", res.state == Judgement::held},
              {"undecided", res.state == Judgement::undecided},
              {"state", to_string(res.state)},
              {"basis", std::string(to_string(res.basis))},
              {"observed", res.observed},
              {"detail", res.detail}};
}

std::string reason_line(const ExpectationResult& res) {
  return fmt::format("{} {} ({})", res.state == Judgement::held ? "held:" : res.state == Judgement::undecided ? "UNDECIDED:" : "FAILED:", res.text, res.detail);
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
    // After an error the one reason is the error (every expectation is
    // undecided, and says so in "expectations").
    if (r.error.empty()) reasons.push_back(reason_line(res));
    expectations.push_back(expectation_to_json(res));
  }
  for (const auto& why : v.inconclusive_reasons) reasons.push_back("inconclusive: " + why);
  if (!r.error.empty()) reasons.push_back("error: " + r.error);
  if (r.timed_out) reasons.push_back("the scenario hit its timeout_s and was stopped");
  report["verdict_reasons"] = reasons;
  report["inconclusive_reasons"] = v.inconclusive_reasons;
  json exercise = json::array();
  for (const auto& x : v.exercise) exercise.push_back(to_json(x));
  report["exercise"] = exercise;
  report["verdict_rests_on"] = v.rests_on;
  report["expectations"] = expectations;
  report["counts"] = counts_to_json(v.counts);
  report["counts_warmup"] = counts_to_json(v.counts_warmup);
  report["counts_under_fault"] = counts_to_json(v.counts_under_fault);
  report["execs"] = {{"total", v.counts.total},
                     {"warmup", v.warmup_execs},
                     {"before_first_fault", v.before_fault_execs},
                     {"under_fault", v.n}};
  report["first_fault_ms"] = v.first_fault_ms >= 0 ? json(v.first_fault_ms) : json(nullptr);
  report["statistics"] = binomial_statistics(v.k, v.n);
  report["run"] = {{"id", r.run_id},
                   {"run_dir", r.run_dir},
                   {"started_at", r.started_at},
                   {"duration_ms", r.duration_ms},
                   {"backend", to_string(r.backend)},
                   {"harness_pid", r.harness_pid},
                   {"interrupted", r.interrupted},
                   {"timed_out", r.timed_out},
                   {"stopped_early", r.stopped_early.empty() ? json(nullptr) : json(r.stopped_early)},
                   {"stopped_early_ms", r.stopped_early.empty() ? json(nullptr) : json(r.stopped_early_ms)},
                   {"error", r.error.empty() ? json(nullptr) : json(r.error)}};
  if (!r.workload_missing.empty()) report["run"]["workload_missing"] = r.workload_missing;
  report["environment"] = r.environment;
  json faults = json::array();
  for (const auto& p : r.planned_faults) {
    unsigned long fired = 0;
    for (const auto& f : r.faults)
      if (f.fault == p.name) fired = std::max<unsigned long>(fired, f.fire + 1);
    json j = to_json(p);
    j["fired"] = fired;
    faults.push_back(std::move(j));
  }
  report["faults"] = faults;
  json images = json::array(), mounts = json::array();
  for (const auto& i : r.images) images.push_back(to_json(i));
  for (const auto& m : r.mounts) mounts.push_back(to_json(m));
  report["images"] = images;
  report["mounts"] = mounts;
  report["kernel_log"] = r.kernel_log;
  report["write_evidence"] = to_json(r.writes);
  json writers = json::array();
  for (const auto& w : r.writes.writers) {
    json j = to_json(w);
    j["who"] = describe_writer(w, r);
    WriterOrigin o = origin_of(w, r);
    j["origin"] = o.kind == WriterOrigin::Kind::harness_action ? "harness"
                  : o.kind == WriterOrigin::Kind::run_action   ? "run_action"
                                                               : "other";
    if (o.action) {
      j["origin_fault"] = o.action->fault;
      j["origin_action"] = action_phrase(*o.action);
    }
    j["program"] = writer_program(w, r);
    if (const Watch* watch = r.writes.watch_of(w.path)) {
      j["image_mounted_at"] = watch->mountpoint;
      j["loop_device"] = watch->loop_device;
      j["mount_options"] = watch->mount_options;
    }
    writers.push_back(std::move(j));
  }
  report["writers"] = writers;
  if (std::string s = writer_summary(r); !s.empty()) report["writer_summary"] = s;
  report["images_evidence"] = r.images_evidence;
  report["page_cache"] = r.page_cache;
  report["files_evidence"] = r.files_evidence;
  if (!r.power_cut.empty()) report["power_cut"] = r.power_cut;
  json survivors = json::array();
  for (const auto& s : r.survivors) survivors.push_back(to_json(s));
  report["survivors"] = survivors;
  exercise_evidence_to_json(r, report);
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
  r.backend = backend_kind_from_string(run.value("backend", "host")).value_or(BackendKind::host);
  r.interrupted = run.value("interrupted", false);
  r.timed_out = run.value("timed_out", false);
  if (run.contains("stopped_early") && run["stopped_early"].is_string()) {
    r.stopped_early = run["stopped_early"].get<std::string>();
    r.stopped_early_ms = run.value("stopped_early_ms", -1.0);
  }
  if (run.contains("error") && run["error"].is_string()) r.error = run["error"].get<std::string>();
  r.workload_missing = run.value("workload_missing", "");
  r.environment = report.value("environment", json::object());
  // Reports before format 2 kept the harness's pid in the environment.
  r.harness_pid = run.value("harness_pid", r.environment.value("harness_pid", 0));
  for (const auto& f : report.value("faults", json::array())) r.planned_faults.push_back(planned_fault_from_json(f));
  for (const auto& i : report.value("images", json::array())) r.images.push_back(image_record_from_json(i));
  for (const auto& m : report.value("mounts", json::array())) r.mounts.push_back(mount_record_from_json(m));
  r.kernel_log = report.value("kernel_log", json::array());
  r.writes = write_evidence_from_json(report.value("write_evidence", json()), report.value("writers", json::array()));
  r.images_evidence = report.value("images_evidence", json::array());
  r.files_evidence = report.value("files_evidence", json::array());
  r.power_cut = report.value("power_cut", json::array());
  for (const auto& s : report.value("survivors", json::array())) r.survivors.push_back(survivor_from_json(s));
  r.page_cache = report.value("page_cache", json::array());
  exercise_evidence_from_json(report, r);
  events_from_json(report.at("events"), r);
  return r;
}

std::string summary_text(const json& report, bool color) {
  // Every text from the report is made safe for a terminal (a guest's
  // installer chose some of it: its stderr, its result, file names); the
  // colours are added after.
  auto t = [](const std::string& s) { return terminal_safe(s); };
  auto paint = [&](const std::string& s, const char* code) {
    return color ? fmt::format("\x1b[{}m{}\x1b[0m", code, t(s)) : t(s);
  };
  std::string verdict = report.at("verdict").get<std::string>();
  const char* vcolor = verdict == "pass" ? "1;32" : verdict == "inconclusive" ? "1;33" : "1;31";
  std::string out;
  out += fmt::format("scenario  {}  [{} backend]\n", t(report.at("scenario").get<std::string>()),
                     t(report.at("run").value("backend", "host")));
  out += fmt::format("verdict   {}\n", paint(verdict, vcolor));
  if (std::string basis = report.value("verdict_rests_on", ""); !basis.empty())
    out += fmt::format("rests on  {}\n", t(basis));
  const json& c = report.at("counts");
  const json& ex = report.at("execs");
  out += fmt::format("execs     {} total ({} warm-up, {} before the first fault acted, {} under fault) in {:.1f} s\n",
                     ex.at("total").get<unsigned long>(), ex.at("warmup").get<unsigned long>(),
                     ex.value("before_first_fault", 0UL), ex.at("under_fault").get<unsigned long>(),
                     report.at("run").value("duration_ms", 0.0) / 1000.0);
  // A VM run sized by its "vm" block, or calibrated from the warm-up's pace.
  if (const json& sz = report.value("environment", json::object()).value("sizing", json()); sz.is_string())
    out += fmt::format("sizing    {}\n", t(sz.get<std::string>()));
  std::string counts;
  for (ExecClass k : kAllExecClasses) {
    std::string name(to_string(k));
    counts += fmt::format("{}={} ", name, c.value(name, 0UL));
  }
  out += fmt::format("counts    {}\n", counts);
  if (const json& why = report.at("run").value("stopped_early", json()); why.is_string())
    out += fmt::format("decided   {}; stopped early (--no-early-stop runs to the end)\n", t(why.get<std::string>()));
  const json& st = report.at("statistics");
  if (std::string p = statistics_phrase(st, " (95% one-sided Clopper-Pearson)"); !p.empty())
    out += fmt::format("{}{}\n", count_or(st, "abnormal") == 0 ? "bound     " : "rate      ", p);
  // What each command the scenario ran decided (an installer's JSON result).
  std::map<std::string, unsigned long> decisions;
  for (const auto& e : report.at("events")) {
    if (e.at("type") != "fault" || e.at("action") != "run") continue;
    std::string who = e.value("label", e.contains("argv") ? e.at("argv")[0].get<std::string>() : "command");
    std::string what = e.at("outcome").get<std::string>();
    if (!e.value("ok", true)) what += failure_context(fault_event_from_json(e));
    if (e.contains("result") && e.at("result").contains("decision"))
      what = fmt::format("{}: {}", e.at("result").value("decision", "?"), e.at("result").value("reason", ""));
    ++decisions[fmt::format("{} [{}] -> {}", who, e.at("fault").get<std::string>(), what)];
  }
  for (const auto& [d, times] : decisions) out += fmt::format("ran       {} (x{})\n", t(d), times);
  if (report.contains("writer_summary"))
    out += fmt::format("writer    {}\n", t(report.at("writer_summary").get<std::string>()));
  // What the faults offered and where they struck: a pass must be earned.
  for (const auto& l : exercise_lines(report))
    out += fmt::format("exercise  {}: {}\n", l.label == "NOT EXERCISED" ? paint(l.label, "1;33") : t(l.label), t(l.text));
  for (const auto& r : report.at("verdict_reasons"))
    out += fmt::format("  - {}\n", t(r.get<std::string>()));
  out += fmt::format("report    {}/report.json\n", t(report.at("run").value("run_dir", ".")));
  return out;
}

}  // namespace harness
