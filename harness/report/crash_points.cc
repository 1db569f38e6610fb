#include "report/crash_points.h"

#include <fmt/format.h>

#include "report/report_view.h"

namespace harness {

using nlohmann::json;

namespace {

std::string kind_of_point(const std::string& why) {
  if (why == "flush") return "flush";
  if (why == "fua") return "FUA write";
  if (why == "between") return "sampled between flushes";
  if (why == "end") return "end of the log";
  return why;
}

}  // namespace

std::vector<CrashPointTable> crash_point_tables(const json& report) {
  std::vector<CrashPointTable> out;
  for (const auto& pc : array_or_empty(report, "power_cut")) {
    CrashPointTable t;
    const std::string scratch = str_or(pc, "scratch", "?");
    if (pc.contains("error")) {
      t.title = scratch;
      t.not_judged = "not judged: " + str_or(pc, "error");
      out.push_back(std::move(t));
      continue;
    }
    t.rows.push_back({"point", "entries replayed", "flush or sampled", "what the folder held", "held or broken"});
    const json& points = array_or_empty(pc, "crash_points");
    size_t broken = 0, n = 0;
    for (const auto& cp : points) {
      bool held = true;
      std::vector<std::string> details;
      for (const auto& ch : array_or_empty(cp, "checks")) {
        held = held && bool_or(ch, "held");
        details.push_back(str_or(ch, "detail"));
      }
      broken += !held;
      long long fsck = cp.contains("fsck") && cp.at("fsck").is_number_integer() ? cp.at("fsck").get<long long>() : 0;
      std::string what = fmt::format("{}", fmt::join(details, "; "));
      if (fsck != 0) what = fmt::format("(e2fsck exit {}) {}", fsck, what);
      t.rows.push_back({std::to_string(++n),
                        fmt::format("{} of {}", count_or(cp, "entries"), count_or(pc, "log_entries")),
                        kind_of_point(str_or(cp, "why")), what, held ? "held" : "BROKEN"});
    }
    t.title = fmt::format("{}: {} logged writes, {} flushes; {} crash point{}, {} broken", scratch,
                          count_or(pc, "log_entries"), count_or(pc, "flushes"), n, n == 1 ? "" : "s", broken);
    if (n == 0) t.not_judged = "the write log had no crash point";
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace harness
