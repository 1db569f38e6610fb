// ReportSummary: the part of a report a postmortem pastes, a screen at
// most: the verdict and why, who wrote what while it was mounted, the
// counts and the bound, and what to do next. Built from report.json alone
// and tolerant of what it lacks, like every renderer; report.md and
// report.html open with the same lines, the details follow them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace harness {

struct ReportSummary {
  std::string verdict;  // "FAIL"
  std::string why;      // "1 of 3 expectations failed, on the kernel's record of writes ... (deterministic)."
  // One per expectation ("FAILED: no write to data/app.img while mounted: 232 processes wrote ..."),
  // then the inconclusive reasons and the error; at most kSummaryReasons, then "N more".
  std::vector<std::string> reasons;
  std::string writer;  // the writer sentence (writer_summary), "" when nobody wrote
  std::vector<std::string> writer_groups;  // at most kSummaryWriterGroups lines, then "N more"
  std::string execs;   // "1503 execs: 3 warm-up, 0 before the first fault acted, 1500 under fault; 0 abnormal."
  std::string bound;   // the statistics sentence
  std::string next;    // what to do next
};

inline constexpr size_t kSummaryReasons = 5;
inline constexpr size_t kSummaryWriterGroups = 3;
// report.md's summary, the title included, fits in this many lines.
inline constexpr size_t kSummaryMaxLines = 25;

ReportSummary summarize(const nlohmann::json& report);

}  // namespace harness
