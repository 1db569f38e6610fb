// Writer groups: the writers of a report, one row per program and the
// action that started it ("116 x cat, started by fault "redeploy"
// (install-in-place.sh)"), with counts and first/last time. An installer
// redeployed every 300 ms leaves hundreds of writers; a postmortem wants
// the few kinds of them. report.json keeps every writer.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace harness {

struct WriterGroup {
  std::string program;     // "cat", "sh install-in-place.sh", "the harness"
  std::string started_by;  // "fault "redeploy" (install-in-place.sh)", "nothing this run started"
  std::vector<std::string> paths;  // the images they wrote
  unsigned long writers = 0;
  unsigned long truncating = 0;  // wrote while the image was truncated, or truncated it at open
  unsigned long truncated_at_open = 0;
  double first_ms = -1, last_ms = -1;  // first open or write .. last write
  std::vector<long long> pids;          // the first few
};

// In order of first appearance (the writers are in time order).
std::vector<WriterGroup> writer_groups(const nlohmann::json& report);
// "116 x cat, started by fault "redeploy" (install-in-place.sh): data/app.img,
// 0.35-5.10 s, 116 while it was truncated"
std::string writer_group_line(const WriterGroup& g);
// Whether a writer truncated, or wrote while the image was truncated.
bool writer_truncated(const nlohmann::json& writer);

}  // namespace harness
