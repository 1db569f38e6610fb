#include "host/workload.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "base/cgroup.h"
#include "base/child.h"
#include "base/error.h"
#include "base/interrupt.h"
#include "base/process_group.h"
#include "base/spawn.h"

extern char** environ;

namespace harness {

Workload::Workload(std::vector<std::string> argv, std::chrono::milliseconds exec_timeout,
                   const RunClock& clock, const Cgroup* cgroup)
    : argv_(std::move(argv)), exec_timeout_(exec_timeout), clock_(clock), cgroup_(cgroup),
      dev_null_(::open("/dev/null", O_RDWR | O_CLOEXEC)) {
  if (!dev_null_.is_open()) throw RuntimeError(errno_message("/dev/null: cannot open", errno));
  for (auto& a : argv_) argv_ptrs_.push_back(a.data());
  argv_ptrs_.push_back(nullptr);
}

bool Workload::exec_once(unsigned worker, unsigned long seq, ExecPhase phase, ExecEvent& out,
                         const std::atomic<bool>* stop) const {
  SpawnPlan plan;
  plan.exe = argv_ptrs_[0];
  plan.argv = argv_ptrs_.data();
  plan.envp = environ;
  plan.stdin_fd = plan.stdout_fd = plan.stderr_fd = dev_null_.get();
  plan.cgroup_join_fd = cgroup_ ? cgroup_->join_fd() : -1;
  auto t0 = clock_.now();
  SpawnResult started = spawn(plan);
  out = ExecEvent{};
  out.t_ms = clock_.ms_since_start(t0);
  out.worker = worker;
  out.seq = seq;
  out.phase = phase;
  if (!started.started()) {
    // Before its exec (the cgroup, a descriptor): the harness's trouble.
    if (!started.exec_failed)
      throw RuntimeError(errno_message(fmt::format("{}: cannot start a workload exec", argv_[0]), started.err));
    // The program's own: EIO, ENOEXEC, EACCES, ENOENT...
    out.outcome = classify_exec_failure(started.err);
    out.dur_ms = clock_.ms_since_start(clock_.now()) - out.t_ms;
    return true;
  }
  pid_t pid = started.pid;
  out.pid = pid;
  WaitEnd end = wait_for_exit(
      pid, t0 + exec_timeout_,
      [stop] { return interrupted() || (stop && stop->load(std::memory_order_relaxed)); }, clock_);
  const bool hung = end == WaitEnd::deadline, abandoned = end == WaitEnd::stopped;
  if (hung || abandoned) kill(-pid, SIGKILL);  // the exec leads its own group
  int status = reap(pid);  // a failed wait is the harness's error, never "ok"
  kill_process_group(pid);
  out.dur_ms = clock_.ms_since_start(clock_.now()) - out.t_ms;
  if (abandoned) return false;
  out.outcome = hung ? classify_hung(SIGKILL) : classify_wait_status(status);
  return true;
}

std::vector<ExecEvent> Workload::run(unsigned concurrency, ExecPhase phase,
                                     const WorkloadLimits& limits, const std::atomic<bool>& stop,
                                     WorkloadProgress& progress,
                                     const std::function<void(const ExecEvent&)>& on_exec) const {
  std::atomic<unsigned long> next_seq{0};
  std::atomic<unsigned long> counted{0};  // execs toward limits.iterations
  std::vector<std::vector<ExecEvent>> per_worker(concurrency);
  // The first worker's error stops the others and is rethrown here.
  std::mutex error_mu;
  std::exception_ptr error;
  std::atomic<bool> failed{false};
  auto worker = [&](unsigned w) {
    auto& events = per_worker[w];
    try {
      while (!stop.load(std::memory_order_relaxed) && !failed && !interrupted()) {
        if (limits.deadline && clock_.now() >= *limits.deadline) break;
        if (limits.iterations && counted.load() >= *limits.iterations) break;
        bool counts = !limits.count_from || limits.count_from->load();
        if (counts && limits.iterations && counted.fetch_add(1) >= *limits.iterations) break;
        unsigned long seq = next_seq.fetch_add(1);
        ExecEvent e;
        if (!exec_once(w, seq, phase, e, &stop)) break;
        progress.count(e);
        if (on_exec) on_exec(e);
        events.push_back(e);
      }
    } catch (...) {
      std::lock_guard<std::mutex> l(error_mu);
      if (!error) error = std::current_exception();
      failed = true;
    }
  };
  if (concurrency <= 1) {
    worker(0);
  } else {
    std::vector<std::thread> threads;
    for (unsigned w = 0; w < concurrency; ++w) threads.emplace_back(worker, w);
    for (auto& t : threads) t.join();
  }
  if (error) std::rethrow_exception(error);
  std::vector<ExecEvent> all;
  for (auto& v : per_worker) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end(), [](const ExecEvent& a, const ExecEvent& b) { return a.t_ms < b.t_ms; });
  return all;
}

std::string diagnose_workload(const Workload& w, const std::vector<ExecEvent>& warmup, const RunDir& dir,
                              MissingWhere where) {
  auto it = std::find_if(warmup.begin(), warmup.end(), [](const ExecEvent& e) {
    return e.outcome.cls == ExecClass::exit_nonzero && (e.outcome.exit_code == 126 || e.outcome.exit_code == 127);
  });
  if (it == warmup.end()) return "";
  dir.make_dirs("logs");
  ScopedFd err = dir.open("logs/workload-missing.err", O_RDWR | O_CREAT | O_EXCL);
  ChildOptions o;
  o.stderr_fd = err.get();
  o.timeout = w.exec_timeout();
  o.cgroup = w.cgroup();  // like every exec of the run: nothing it starts outlives the run
  ChildResult r = run_child(w.argv(), o);
  int code = WIFEXITED(r.wait_status) ? WEXITSTATUS(r.wait_status) : it->outcome.exit_code;
  return missing_message(find_missing(code, w.argv(), read_fd_capped(err.get(), 16 * 1024), CommandProbe::real()), where);
}

}  // namespace harness
