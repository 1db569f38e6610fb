#include "runner.h"

#include "report_json.h"
#include "run_dir.h"

namespace harness {

RunOutcome run_scenario(const Scenario& s, Backend& backend, const RunOptions& opts) {
  RunOutcome out;
  RunDir dir(opts.out ? *opts.out : RunDir::default_for(s.name));
  dir.keep_work(opts.keep_work);
  out.run_dir = dir.path();
  Plan plan = make_plan(s, default_plan_paths(s, dir.work()));
  RunRecord rec = backend.run(plan, dir, opts.observer);
  Verdict v = decide(s, rec);
  out.status = v.status;
  out.interrupted = rec.interrupted;
  out.environment_error = rec.environment_error;
  out.report = build_report(rec, v);
  dir.write_file_atomic("report.json", out.report.dump(2) + "\n");
  return out;
}

}  // namespace harness
