#include "core/backend.h"

#include <unistd.h>

#include "base/system_info.h"

namespace harness {

RunRecord begin_record(const Scenario& s, const RunDir& dir, BackendKind backend) {
  RunRecord rec;
  rec.scenario = s.name;
  rec.scenario_file = s.file.string();
  rec.description = s.description;
  rec.run_dir = dir.path().string();
  rec.run_id = dir.path().filename().string();
  rec.started_at = iso8601_utc_now();
  rec.backend = backend;
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  rec.environment = {{"harness_version", HARNESS_VERSION},
                     {"kernel", kernel_release()},
                     {"hostname", host},
                     {"backend", to_string(backend)}};
  if (!s.sizing.empty()) rec.environment["sizing"] = s.sizing;
  for (const auto& f : s.faults) rec.planned_faults.push_back(PlannedFault{f.name, f.optional});
  return rec;
}

}  // namespace harness
