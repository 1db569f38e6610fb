// Batch: the runs of one `harness run` -- every scenario, `repeat` times
// each -- with up to `jobs` of them at once. Each run is the ordinary data
// path (run_scenario); the batch only schedules them, names their run
// directories, hands each outcome over as it arrives and, when there is
// more than one run, pools them per scenario (merge.h) into summary.json
// and junit.xml beside the run directories.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

#include "cli/runner.h"
#include "core/backend.h"
#include "core/scenario.h"

namespace harness {

struct BatchOptions {
  unsigned jobs = 1;
  unsigned repeat = 1;
  // One run: its run directory. Several: the directory that holds them
  // (DIR/NAME, or DIR/NAME-01... when repeated) and summary.json.
  std::optional<std::filesystem::path> out;
  bool keep_work = false;
};

// Where run `k` (1-based) of scenario `name` goes, and the label its
// progress lines carry.
struct BatchSlot {
  std::optional<std::filesystem::path> run_dir;  // empty: RunDir::default_for(label_for_dir)
  std::string dir_name;
  std::string label;
};
BatchSlot batch_slot(const std::string& name, unsigned k, const BatchOptions& opts, size_t total_runs);

struct BatchResult {
  std::vector<RunOutcome> outcomes;  // finished runs, in the order they finished
  unsigned not_started = 0;          // skipped after Ctrl-C
  nlohmann::json by_scenario;        // pool_by_scenario() when more than one run, else null
  std::optional<std::filesystem::path> summary;  // summary.json, when written
};

// Refuses (ErrorKind::usage, exit 2) a batch whose run
// directories would collide, or would reuse a directory that already holds
// something (runs never reuse one). Called before anything is created.
void check_batch_dirs(const std::vector<Scenario>& scenarios, const BatchOptions& opts);

// Checks the run directories (check_batch_dirs), then runs. Throws the
// first run's exception after the others have finished.
BatchResult run_batch(const std::vector<Scenario>& scenarios, Backend& backend, const BatchOptions& opts,
                      const std::function<void(const RunOutcome&)>& on_done);

}  // namespace harness
