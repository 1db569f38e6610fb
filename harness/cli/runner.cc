#include "cli/runner.h"

#include <fmt/format.h>

#include "base/error.h"
#include "base/run_dir.h"
#include "report/report_files.h"
#include "report/report_json.h"

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
  if (rec.environment_error) out.error_kind = ErrorKind::environment;
  else if (rec.scenario_error) out.error_kind = ErrorKind::invalid_scenario;
  else if (!rec.error.empty()) out.error_kind = ErrorKind::runtime;
  out.report = build_report(rec, v);
  // The backend has torn everything down; work/ goes before the report so
  // that on a full disk its space is free for report.json.
  dir.remove_work();
  try {
    dir.write_file_atomic("report.json", out.report.dump(2) + "\n");
  } catch (const EnvironmentError& e) {
    if (rec.error.empty()) throw;
    throw EnvironmentError(fmt::format("{} (the run had failed: {})", e.what(), rec.error));
  }
  // report.md, report.html and junit.xml, rendered from report.json alone.
  write_report_files(dir.fd(), dir.path(), out.report);
  return out;
}

}  // namespace harness
