#include "report/report_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "core/exec_class.h"
#include "core/scenario.h"

namespace harness {

using nlohmann::json;

namespace {

const json* find(const json& j, std::string_view key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

// The actions that may have written an image: write actions and `run`.
bool may_write_action(const std::string& a) {
  auto k = action_kind_from_string(a);
  return k && may_write(*k);
}

std::string signal_words(const std::string& cls) {
  if (cls == "sigsegv") return "SIGSEGV";
  if (cls == "sigbus") return "SIGBUS";
  if (cls == "sigill") return "SIGILL";
  return "another signal";
}

}  // namespace

std::string str_or(const json& j, std::string_view key, std::string def) {
  const json* v = find(j, key);
  return v && v->is_string() ? v->get<std::string>() : def;
}

double num_or(const json& j, std::string_view key, double def) {
  const json* v = find(j, key);
  return v && v->is_number() ? v->get<double>() : def;
}

unsigned long long count_or(const json& j, std::string_view key, unsigned long long def) {
  const json* v = find(j, key);
  if (!v || !v->is_number()) return def;
  if (v->is_number_unsigned()) return v->get<unsigned long long>();
  if (v->is_number_integer()) return v->get<long long>() < 0 ? def : static_cast<unsigned long long>(v->get<long long>());
  double d = v->get<double>();
  return d >= 0 && std::isfinite(d) ? static_cast<unsigned long long>(d) : def;
}

bool bool_or(const json& j, std::string_view key, bool def) {
  const json* v = find(j, key);
  return v && v->is_boolean() ? v->get<bool>() : def;
}

const json& array_or_empty(const json& j, std::string_view key) {
  static const json empty = json::array();
  const json* v = find(j, key);
  return v && v->is_array() ? *v : empty;
}

const json& object_or_empty(const json& j, std::string_view key) {
  static const json empty = json::object();
  const json* v = find(j, key);
  return v && v->is_object() ? *v : empty;
}

std::string scalar_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number_float()) return fmt::format("{:.6g}", v.get<double>());
  return v.dump();
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string format_ms(double ms) {
  if (!std::isfinite(ms)) return "?";
  double a = std::fabs(ms);
  if (a < 1) return fmt::format("{:.2f} ms", ms);
  if (a < 1000) return fmt::format("{:.0f} ms", ms);
  if (a < 60000) return fmt::format("{:.2f} s", ms / 1000);
  long long s = static_cast<long long>(std::llround(ms / 1000));
  return fmt::format("{} min {} s", s / 60, s % 60);
}

std::string format_bytes(double bytes) {
  if (bytes < 1024) return fmt::format("{:.0f} B", bytes);
  if (bytes < 1024.0 * 1024) return fmt::format("{:.1f} KiB", bytes / 1024);
  if (bytes < 1024.0 * 1024 * 1024) return fmt::format("{:.1f} MiB", bytes / (1024.0 * 1024));
  return fmt::format("{:.2f} GiB", bytes / (1024.0 * 1024 * 1024));
}

std::vector<std::string> exec_class_names(const json& report) {
  std::vector<std::string> names;
  for (ExecClass c : kAllExecClasses) names.emplace_back(to_string(c));
  for (const char* key : {"counts", "counts_under_fault"})
    for (const auto& [k, v] : object_or_empty(report, key).items())
      if (std::find(names.begin(), names.end(), k) == names.end()) names.push_back(k);
  return names;
}

bool is_crash_class(std::string_view cls) {
  auto c = exec_class_from_string(cls);
  return c && is_crash(*c);
}

std::string expectation_state(const json& e) {
  if (bool_or(e, "held")) return "held";
  return bool_or(e, "undecided") ? "undecided" : "FAILED";
}

std::vector<const json*> events_of(const json& report, std::string_view type) {
  std::vector<const json*> out;
  for (const auto& e : array_or_empty(report, "events"))
    if (e.is_object() && str_or(e, "type") == type) out.push_back(&e);
  return out;
}

double run_duration_ms(const json& report) {
  double d = num_or(object_or_empty(report, "run"), "duration_ms", 0);
  if (d > 0) return d;
  for (const auto& e : array_or_empty(report, "events"))
    d = std::max({d, num_or(e, "t_ms", 0) + num_or(e, "dur_ms", 0), num_or(e, "t_end_ms", 0)});
  return d;
}

std::vector<FaultActionRow> fault_action_rows(const json& report) {
  std::vector<FaultActionRow> rows;
  for (const json* e : events_of(report, "fault")) {
    std::string fault = str_or(*e, "fault"), action = str_or(*e, "action"), label = str_or(*e, "label");
    auto it = std::find_if(rows.begin(), rows.end(), [&](const FaultActionRow& r) {
      return r.fault == fault && r.action == action && r.label == label;
    });
    double t0 = num_or(*e, "t_start_ms"), t1 = num_or(*e, "t_end_ms", t0);
    if (it == rows.end()) {
      rows.push_back(FaultActionRow{fault, action, label, 0, {}, t0, t1});
      it = rows.end() - 1;
    }
    ++it->fires;
    it->first_ms = std::min(it->first_ms, t0);
    it->last_ms = std::max(it->last_ms, t1);
    std::string outcome = str_or(*e, "outcome", "?");
    auto o = std::find_if(it->outcomes.begin(), it->outcomes.end(), [&](const auto& p) { return p.first == outcome; });
    if (o == it->outcomes.end()) it->outcomes.emplace_back(outcome, 1);
    else ++o->second;
  }
  return rows;
}

std::string outcomes_text(const FaultActionRow& row) {
  std::vector<std::string> parts;
  for (const auto& [o, n] : row.outcomes) parts.push_back(fmt::format("{} x{}", o, n));
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string what_happened(const json& report) {
  std::vector<std::string> sentences;
  const json* first_write = nullptr;
  auto faults = events_of(report, "fault");
  for (const json* f : faults)
    if (str_or(*f, "fault") != "setup" && may_write_action(str_or(*f, "action"))) {
      first_write = f;
      break;
    }

  double t0 = -1;  // execs from here on count as "after"
  if (first_write) {
    const json& w = *first_write;
    std::string fault = str_or(w, "fault"), action = str_or(w, "action");
    t0 = num_or(w, "t_start_ms");
    // Which image: the one whose path the action's detail names, or the
    // first writer's, or the first mounted one.
    std::string image;
    std::string detail = str_or(w, "detail");
    for (const auto& i : array_or_empty(report, "images"))
      if (std::string p = str_or(i, "path"); !p.empty() && detail.find(p) != std::string::npos) image = p;
    if (image.empty() && !array_or_empty(report, "writers").empty())
      image = str_or(array_or_empty(report, "writers")[0], "path");
    std::string where;
    for (const auto& m : array_or_empty(report, "mounts"))
      if (!image.empty() && str_or(m, "image") == image)
        where = fmt::format(" while it was mounted ({}) at {} on {}", str_or(m, "options", "?"),
                            str_or(m, "mountpoint", "?"), str_or(m, "loop_device", "?"));
    std::string how = str_or(w, "label");
    if (action == "run" && how.empty()) {
      std::vector<std::string> argv;
      for (const auto& a : array_or_empty(w, "argv")) argv.push_back(scalar_text(a));
      how = fmt::format("{}", fmt::join(argv, " "));
    }
    std::string what = how.empty() ? action : fmt::format("{} \"{}\"", action, how);
    std::string verb = action == "run" ? "ran" : "first wrote";
    std::string target = action == "run" ? (image.empty() ? "" : fmt::format(" against {}", image))
                                         : (image.empty() ? " an image" : " " + image);
    unsigned long fires = 0;
    double last = t0;
    for (const json* f : faults)
      if (str_or(*f, "fault") == fault && str_or(*f, "action") == action) {
        ++fires;
        last = std::max(last, num_or(*f, "t_end_ms"));
      }
    std::string repeat = fires > 1 ? fmt::format("; that action ran {} times in all, until {}", fires, format_ms(last))
                                   : std::string(", once");
    std::string outcome = str_or(w, "outcome");
    std::string result = outcome.empty() || outcome == "ok" ? "" : fmt::format(" (it ended with {})", outcome);
    sentences.push_back(fmt::format("Fault \"{}\" {}{} at {} ({}){}{}{}.", fault, verb, target,
                                    format_ms(t0), what, where, result, repeat));
  } else if (!faults.empty()) {
    std::map<std::string, unsigned long> actions;
    for (const json* f : faults) ++actions[str_or(*f, "action", "?")];
    std::vector<std::string> parts;
    for (const auto& [a, n] : actions) parts.push_back(fmt::format("{} x{}", a, n));
    sentences.push_back(fmt::format("No fault action wrote an image; the faults ran {}.", fmt::join(parts, ", ")));
    t0 = num_or(*faults.front(), "t_start_ms");
  } else {
    sentences.push_back("No fault action ran.");
  }

  auto execs = events_of(report, "exec");
  // The execs counted are those "under fault", as the statistics and the
  // tables count them: not warm-up, started once the first fault action
  // had (first_fault_ms; a report without it: the first action).
  const json* first_fault = report.contains("first_fault_ms") ? &report.at("first_fault_ms") : nullptr;
  const double from = !first_fault ? t0 : first_fault->is_number() ? first_fault->get<double>() : -1;
  if (from >= 0) {
    unsigned long after = 0;
    std::map<std::string, unsigned long> crashes;
    double first_crash = -1;
    for (const json* e : execs) {
      if (num_or(*e, "t_ms") < from || str_or(*e, "phase") == "warmup") continue;
      ++after;
      std::string cls = str_or(*e, "class");
      if (!is_crash_class(cls)) continue;
      ++crashes[cls];
      if (first_crash < 0) first_crash = num_or(*e, "t_ms");
    }
    std::string under = fmt::format("{} workload execs under fault (started from {}, when the first fault action began)",
                                    after, format_ms(from));
    if (crashes.empty()) {
      sentences.push_back(fmt::format("None of the {} died by a signal.", under));
    } else {
      std::vector<std::string> parts;
      for (const char* c : {"sigsegv", "sigbus", "sigill", "other_signal"})
        if (crashes.count(c)) parts.push_back(fmt::format("{} with {}", crashes[c], signal_words(c)));
      std::string list = parts.size() == 1 ? parts[0]
                                           : fmt::format("{} and {}", fmt::join(parts.begin(), parts.end() - 1, ", "),
                                                         parts.back());
      unsigned long died = 0;
      for (const auto& [c, k] : crashes) died += k;
      // The first crash, timed from the first writing action when there
      // is one (it may come later than the first fault action).
      sentences.push_back(fmt::format("Of the {}, {} died: {}; the first crash came {} after {}.", under, died, list,
                                      format_ms(first_crash - (first_write ? t0 : from)),
                                      first_write ? "the first writing action started" : "the first fault action started"));
    }
  } else if (!execs.empty()) {
    sentences.push_back(fmt::format("The workload ran {} execs.", execs.size()));
  }

  // The other abnormal ends, with their errnos: EIO from a truncated image
  // is part of the story.
  std::map<std::string, unsigned long> errnos;
  unsigned long failed = 0, nonzero = 0, hung = 0;
  for (const json* e : execs) {
    std::string cls = str_or(*e, "class");
    if (cls == "exec_failed") {
      ++failed;
      ++errnos[str_or(*e, "errno_name", "?")];
    } else if (cls == "exit_nonzero") {
      ++nonzero;
    } else if (cls == "hung") {
      ++hung;
    }
  }
  std::vector<std::string> other;
  if (failed) {
    std::vector<std::string> e;
    for (const auto& [name, n] : errnos) e.push_back(fmt::format("{} x{}", name, n));
    other.push_back(fmt::format("{} execs failed to start ({})", failed, fmt::join(e, ", ")));
  }
  if (nonzero) other.push_back(fmt::format("{} exited non-zero", nonzero));
  if (hung) other.push_back(fmt::format("{} hung and were killed", hung));
  if (!other.empty()) {
    std::string s = fmt::format("{}.", fmt::join(other, "; "));
    s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    sentences.push_back(s);
  }

  const json& run = object_or_empty(report, "run");
  if (std::string err = str_or(run, "error"); !err.empty())
    sentences.push_back(fmt::format("The run stopped on an error: {}.", err));
  if (bool_or(run, "timed_out")) sentences.push_back("The scenario hit its timeout and was stopped.");
  if (bool_or(run, "interrupted")) sentences.push_back("The run was interrupted.");
  return fmt::format("{}", fmt::join(sentences, " "));
}

std::string statistics_sentence(const json& report) {
  const json& st = object_or_empty(report, "statistics");
  unsigned long long n = count_or(st, "n"), k = count_or(st, "abnormal");
  if (n == 0) return "No execs ran under fault, so there is no statistic.";
  if (k == 0) {
    double upper = num_or(st, "upper95_one_sided", 1 - std::pow(0.05, 1.0 / static_cast<double>(n)));
    return fmt::format("0 abnormal exits: crash probability < {:.3g} at 95% (Clopper\u2013Pearson one-sided, {} execs)",
                       upper, n);
  }
  double rate = num_or(st, "rate", static_cast<double>(k) / static_cast<double>(n));
  return fmt::format("{} abnormal of {} execs under fault: rate {:.3g} (95% CI {:.3g}\u2013{:.3g}, Clopper\u2013Pearson)",
                     k, n, rate, num_or(st, "ci95_low"), num_or(st, "ci95_high", 1));
}

std::string statistics_phrase(const json& st, std::string_view bound_note) {
  unsigned long long n = count_or(st, "n"), k = count_or(st, "abnormal");
  if (n == 0) return "";
  if (k == 0)
    return fmt::format("0 abnormal in {} execs under fault: crash probability < {:.3g}{}", n,
                       num_or(st, "upper95_one_sided", 1), bound_note);
  return fmt::format("{} abnormal in {} execs under fault = {:.3g} (95% CI {:.3g}..{:.3g})", k, n, num_or(st, "rate"),
                     num_or(st, "ci95_low"), num_or(st, "ci95_high", 1));
}

std::vector<std::pair<std::string, std::string>> environment_rows(const json& report) {
  const json& env = object_or_empty(report, "environment");
  const json& run = object_or_empty(report, "run");
  std::vector<std::pair<std::string, std::string>> rows;
  static const std::vector<std::string> known = {"harness_version", "kernel",       "hostname",
                                                 "backend",         "accelerator",  "accelerator_reason",
                                                 "accelerator_decided_by",
                                                 "sizing",          "qemu_version", "write_attribution"};
  for (const auto& k : known)
    if (env.contains(k)) rows.emplace_back(k, scalar_text(env.at(k)));
  for (const auto& [k, v] : env.items())
    if (std::find(known.begin(), known.end(), k) == known.end()) rows.emplace_back(k, scalar_text(v));
  for (const char* k : {"id", "started_at", "run_dir"})
    if (run.contains(k)) rows.emplace_back(std::string("run ") + k, scalar_text(run.at(k)));
  if (run.contains("duration_ms")) rows.emplace_back("run duration", format_ms(num_or(run, "duration_ms")));
  if (report.contains("scenario_file")) rows.emplace_back("scenario file", str_or(report, "scenario_file"));
  return rows;
}

std::string kernel_log_prefix(const json& l) {
  if (!l.is_object()) return "";
  std::string out;
  if (l.contains("t_ms")) out += fmt::format("[{:9.1f} ms] ", num_or(l, "t_ms"));
  if (l.contains("kernel_s")) out += fmt::format("[{:12.6f}] ", num_or(l, "kernel_s"));
  return out;
}

std::string snapshot_moment(const json& report, const json& snapshot) {
  if (!snapshot.contains("t_ms")) return "";
  double t = num_or(snapshot, "t_ms");
  const json* during = nullptr;
  const json* before = nullptr;
  for (const json* f : events_of(report, "fault")) {
    double a = num_or(*f, "t_start_ms"), b = num_or(*f, "t_end_ms", a);
    if (a <= t && t <= b && !during) during = f;
    if (b < t && (!before || b >= num_or(*before, "t_end_ms"))) before = f;
  }
  auto name = [](const json& f) {
    std::string fault = str_or(f, "fault", "?");
    std::string what = str_or(f, "label");
    if (what.empty()) what = str_or(f, "action", "?");
    if (fault == "setup") return fmt::format("setup ({})", what);
    return fmt::format("fault \"{}\" #{} ({})", fault, count_or(f, "fire") + 1, what);
  };
  if (during) return fmt::format("at {}, while {} was running", format_ms(t), name(*during));
  if (before)
    return fmt::format("at {}, with no action running (the last, {}, ended at {})", format_ms(t), name(*before),
                       format_ms(num_or(*before, "t_end_ms")));
  return fmt::format("at {}, before any action", format_ms(t));
}

double residency_fraction(const json& sample, bool* clamped) {
  double total = static_cast<double>(count_or(sample, "total_pages"));
  double resident = static_cast<double>(count_or(sample, "resident_pages"));
  double f = total > 0 ? resident / total : 0;
  if (clamped) *clamped = f > 1;
  return std::min(f, 1.0);
}

std::vector<std::vector<std::string>> image_rows(const json& report) {
  std::vector<std::vector<std::string>> rows{{"name", "path", "size", "fs"}};
  for (const auto& i : array_or_empty(report, "images"))
    rows.push_back({str_or(i, "name"), str_or(i, "path"), format_bytes(static_cast<double>(count_or(i, "size_bytes"))),
                    str_or(i, "fs")});
  return rows;
}

std::vector<std::vector<std::string>> mount_rows(const json& report) {
  std::vector<std::vector<std::string>> rows{
      {"image", "mountpoint", "options", "loop device", "backing inode", "backing dev"}};
  for (const auto& m : array_or_empty(report, "mounts"))
    rows.push_back({str_or(m, "image"), str_or(m, "mountpoint"), str_or(m, "options"), str_or(m, "loop_device"),
                    m.contains("backing_inode") ? scalar_text(m.at("backing_inode")) : "",
                    m.contains("backing_dev") ? scalar_text(m.at("backing_dev")) : ""});
  return rows;
}

std::vector<std::vector<std::string>> survivor_rows(const json& report) {
  std::vector<std::vector<std::string>> rows{{"pid", "command", "started by", "killed at"}};
  for (const auto& s : array_or_empty(report, "survivors")) {
    std::string cmd;
    for (const auto& a : s.value("argv", json::array()))
      if (a.is_string()) cmd += (cmd.empty() ? "" : " ") + a.get<std::string>();
    if (cmd.empty()) cmd = str_or(s, "exe");
    std::string from = str_or(s, "fault") == "workload" ? "a workload exec" : str_or(s, "action");
    rows.push_back({s.contains("pid") ? scalar_text(s.at("pid")) : "", cmd, from,
                    fmt::format("{:.3f} s", s.value("t_killed_ms", 0.0) / 1000)});
  }
  return rows;
}

}  // namespace harness
