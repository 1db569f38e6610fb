#include "cli/derived_runs.h"

#include <fmt/format.h>

#include "base/atomic_write.h"
#include "base/error.h"
#include "base/interrupt.h"
#include "base/private_dir.h"
#include "base/process_group.h"
#include "cli/batch.h"
#include "cli/exit_code.h"
#include "cli/gc.h"
#include "cli/untrusted_mode.h"
#include "core/sizing.h"
#include "host/mount_namespace.h"
#include "base/terminal_text.h"

namespace harness {

namespace fs = std::filesystem;

std::vector<Scenario> write_derived(const std::vector<DerivedScenario>& docs, const fs::path& dir,
                                    const std::string& subdir, const RunOptionsArgs& ra) {
  // DIR and DIR/SUBDIR are made (or checked) as a run folder's parents
  // are: no link, no folder someone else could rename things in. The
  // files are a record for the user; the scenarios run are parsed from the
  // text in memory, never read back from where someone could swap them.
  ScopedFd folder = open_trusted_parent(dir / subdir / "derived.json", "the folder of derived scenarios");
  std::vector<Scenario> mine;
  for (size_t i = 0; i < docs.size(); ++i) {
    fs::path file = dir / subdir / docs[i].file_name;
    const std::string text = docs[i].document.dump(2) + "\n";
    write_file_atomically_at(folder.get(), docs[i].file_name, text, file);
    Scenario s = sized_for_backend(parse_scenario(text, file, ra.vm.untrusted ? &*ra.vm.untrusted : nullptr), ra.backend);
    if (!ra.shard || i % ra.shard->total == ra.shard->index) mine.push_back(std::move(s));
  }
  if (ra.shard)
    fmt::print(stderr, "shard {}/{}: {} of {} scenarios\n", ra.shard->index, ra.shard->total, mine.size(), docs.size());
  return mine;
}

int run_derived(const std::vector<Scenario>& scenarios, const fs::path& dir, const RunOptionsArgs& ra,
                const std::function<void(const RunOutcome&, const nlohmann::json& report)>& on_done) {
  if (scenarios.empty()) return kExitPass;
  InterruptGuard guard;
  SubreaperScope reaper;
  std::unique_ptr<Backend> backend = make_backend(ra);
  for (const auto& s : scenarios) {
    if (ra.vm.untrusted) check_untrusted_scenario(s, *ra.vm.untrusted);
    backend->preflight(s);
  }
  GcResult gc = collect_garbage({dir / "runs"}, false);
  for (const auto& a : gc.actions) fmt::print(stderr, "gc: {}: {}\n", terminal_safe(a.run_dir), terminal_safe(a.what));
  if (mounts_on_this_host(ra.backend, scenarios)) enter_private_mount_namespace();

  BatchOptions bo;
  bo.jobs = ra.jobs;
  bo.repeat = ra.repeat;
  bo.keep_work = ra.keep_work;
  bo.out = dir / "runs";
  // One run alone would be written at --out itself; keep the layout.
  if (scenarios.size() * ra.repeat == 1) bo.out = dir / "runs" / (scenarios[0].name + "-01");
  int rc = kExitPass;
  run_batch(scenarios, *backend, bo, [&](const RunOutcome& o) {
    nlohmann::json report = o.report;
    report["run"]["run_dir"] = o.run_dir.lexically_relative(dir).string();
    on_done(o, report);
    if (o.interrupted || o.error_kind)
      rc = more_serious(rc, exit_code_for(o.status, o.interrupted, o.error_kind));
  });
  if (interrupted()) rc = kExitInterrupted;
  return rc;
}

}  // namespace harness
