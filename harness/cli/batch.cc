#include "cli/batch.h"

#include <fmt/format.h>

#include <atomic>
#include <exception>
#include <mutex>
#include <set>
#include <thread>

#include "base/error.h"
#include "base/interrupt.h"
#include "base/run_dir.h"
#include "cli/progress.h"
#include "report/merge.h"
#include "report/report_files.h"

namespace harness {

namespace fs = std::filesystem;

BatchSlot batch_slot(const std::string& name, unsigned k, const BatchOptions& opts, size_t total_runs) {
  BatchSlot slot;
  unsigned width = std::max<unsigned>(2, static_cast<unsigned>(std::to_string(opts.repeat).size()));
  slot.dir_name = opts.repeat > 1 ? fmt::format("{}-{:0{}}", name, k, width) : name;
  slot.label = opts.repeat > 1 ? fmt::format("{} #{}", name, k) : name;
  if (opts.out) slot.run_dir = total_runs == 1 ? *opts.out : *opts.out / slot.dir_name;
  return slot;
}

BatchResult run_batch(const std::vector<Scenario>& scenarios, Backend& backend, const BatchOptions& opts,
                      const std::function<void(const RunOutcome&)>& on_done) {
  struct Job {
    const Scenario* scenario;
    BatchSlot slot;
  };
  const size_t total = scenarios.size() * std::max(1u, opts.repeat);
  std::vector<Job> jobs;
  std::set<std::string> dir_names;
  for (const auto& s : scenarios)
    for (unsigned k = 1; k <= std::max(1u, opts.repeat); ++k) {
      Job j{&s, batch_slot(s.name, k, opts, total)};
      if (total > 1 && opts.out && !dir_names.insert(j.slot.dir_name).second)
        throw Error(ErrorKind::usage,
                    fmt::format("two scenarios are named \"{}\": their run directories in {} would collide; "
                                "rename one or run them separately",
                                s.name, opts.out->string()));
      jobs.push_back(std::move(j));
    }

  BatchResult result;
  std::mutex mu;  // result, on_done, first_error
  std::exception_ptr first_error;
  std::atomic<size_t> next{0};
  const bool live = opts.jobs <= 1;
  auto worker = [&] {
    for (;;) {
      {
        std::lock_guard<std::mutex> l(mu);
        if (first_error) return;
      }
      if (interrupted()) return;
      size_t i = next++;
      if (i >= jobs.size()) return;
      const Job& job = jobs[i];
      RunOptions ro;
      ro.keep_work = opts.keep_work;
      ro.out = job.slot.run_dir ? *job.slot.run_dir : RunDir::default_for(job.slot.dir_name);
      try {
        RunOutcome outcome;
        {
          Progress progress(*job.scenario, job.slot.label, live);
          ro.observer = progress.observer();
          outcome = run_scenario(*job.scenario, backend, ro);
        }
        std::lock_guard<std::mutex> l(mu);
        if (on_done) on_done(outcome);
        result.outcomes.push_back(std::move(outcome));
      } catch (...) {
        std::lock_guard<std::mutex> l(mu);
        if (!first_error) first_error = std::current_exception();
        return;
      }
    }
  };
  unsigned n_threads = static_cast<unsigned>(std::min<size_t>(std::max(1u, opts.jobs), jobs.size()));
  if (n_threads <= 1) {
    worker();
  } else {
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < n_threads; ++t) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
  }
  if (first_error) std::rethrow_exception(first_error);
  result.not_started = static_cast<unsigned>(jobs.size() - std::min(jobs.size(), result.outcomes.size()));

  if (total > 1 && !result.outcomes.empty()) {
    std::vector<nlohmann::json> reports;
    for (const auto& o : result.outcomes) reports.push_back(o.report);
    Merged m = merge_reports(std::move(reports));
    result.by_scenario = m.summary.at("by_scenario");
    if (opts.out) {
      write_file_atomically(*opts.out / "summary.json", m.summary.dump(2) + "\n");
      write_file_atomically(*opts.out / "junit.xml", m.junit);
      result.summary = *opts.out / "summary.json";
    }
  }
  return result;
}

}  // namespace harness
