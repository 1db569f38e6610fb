#include "report/writer_groups.h"

#include <fmt/format.h>

#include <algorithm>

#include "report/report_view.h"

namespace harness {

using nlohmann::json;

namespace {

constexpr size_t kPidsKept = 5;

std::string started_by(const json& w) {
  std::string action = str_or(w, "origin_action");
  std::string origin = str_or(w, "origin");
  if (origin == "other") return "nothing this run started";
  if (!action.empty()) return action;
  if (std::string fault = str_or(w, "origin_fault"); !fault.empty()) return fmt::format("fault \"{}\"", fault);
  return origin.empty() ? "unknown" : origin;
}

std::string program(const json& w) {
  if (std::string p = str_or(w, "program"); !p.empty()) return p;
  // A report from before "program": the executable's name.
  std::string exe = str_or(w, "exe");
  if (!exe.empty()) return exe.substr(exe.rfind('/') + 1);
  return "an exited process";
}

}  // namespace

bool writer_truncated(const json& w) { return bool_or(w, "truncated") || bool_or(w, "truncated_at_open"); }

std::vector<WriterGroup> writer_groups(const json& report) {
  std::vector<WriterGroup> groups;
  for (const auto& w : array_or_empty(report, "writers")) {
    std::string prog = program(w), by = started_by(w);
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const WriterGroup& g) { return g.program == prog && g.started_by == by; });
    if (it == groups.end()) {
      groups.push_back(WriterGroup{prog, by, {}, 0, 0, 0, -1, -1, {}});
      it = groups.end() - 1;
    }
    WriterGroup& g = *it;
    ++g.writers;
    if (writer_truncated(w)) ++g.truncating;
    if (bool_or(w, "truncated_at_open")) ++g.truncated_at_open;
    std::string path = str_or(w, "path");
    if (std::find(g.paths.begin(), g.paths.end(), path) == g.paths.end()) g.paths.push_back(path);
    double open = num_or(w, "t_open_ms", -1), first = num_or(w, "t_ms", -1);
    double start = open >= 0 ? open : first;
    double end = std::max(num_or(w, "t_last_ms", -1), first);
    if (start >= 0 && (g.first_ms < 0 || start < g.first_ms)) g.first_ms = start;
    if (end >= 0) g.last_ms = std::max(g.last_ms, end);
    if (g.pids.size() < kPidsKept) g.pids.push_back(static_cast<long long>(count_or(w, "pid")));
  }
  return groups;
}

std::string writer_group_line(const WriterGroup& g) {
  std::string when = g.first_ms < 0 ? std::string()
                     : g.writers == 1 || g.last_ms <= g.first_ms
                         ? fmt::format(", at {}", format_ms(g.first_ms))
                         : fmt::format(", {} to {}", format_ms(g.first_ms), format_ms(g.last_ms));
  // How many of them truncated it, in words that fit one or many.
  auto how_many = [&](unsigned long k) {
    return g.writers == 1 ? std::string("it") : k == g.writers ? std::string("each") : std::to_string(k);
  };
  std::string trunc;
  if (g.truncated_at_open) trunc = fmt::format("; {} opened it with truncation", how_many(g.truncated_at_open));
  else if (g.truncating) trunc = fmt::format("; {} wrote while it was truncated", how_many(g.truncating));
  std::string who = g.started_by == "nothing this run started" ? "not started by this run"
                    : g.program == "the harness"               ? fmt::format("its {}", g.started_by)
                                                               : fmt::format("started by {}", g.started_by);
  return fmt::format("{} \u00d7 {}, {}: wrote {}{}{}", g.writers, g.program, who, fmt::join(g.paths, ", "), when,
                     trunc);
}

}  // namespace harness
