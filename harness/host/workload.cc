#include "host/workload.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>

#include "base/child.h"
#include "base/interrupt.h"
#include "base/process_group.h"

extern char** environ;

namespace harness {

Workload::Workload(std::vector<std::string> argv, std::chrono::milliseconds exec_timeout,
                   const RunClock& clock)
    : argv_(std::move(argv)), exec_timeout_(exec_timeout), clock_(clock) {
  for (auto& a : argv_) argv_ptrs_.push_back(a.data());
  argv_ptrs_.push_back(nullptr);
}

namespace {

// posix_spawn attributes shared by every exec: default signal dispositions,
// an empty mask, stdio on /dev/null, and its own process group (see
// process_group.h) so that a Ctrl-C aimed at the harness does not get
// classified as a workload death, and a hung exec goes with all it forked.
class SpawnSetup {
 public:
  SpawnSetup() {
    posix_spawnattr_init(&attr_);
    sigset_t def, none;
    sigemptyset(&def);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT}) sigaddset(&def, s);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr_, &def);
    posix_spawnattr_setsigmask(&attr_, &none);
    posix_spawnattr_setpgroup(&attr_, 0);
    posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |
                                         POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_USEVFORK);
    posix_spawn_file_actions_init(&fa_);
    posix_spawn_file_actions_addopen(&fa_, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa_, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa_, 2, "/dev/null", O_WRONLY, 0);
    // Closed before exec, not at it: a descriptor of ours held through a
    // slow exec (the run's locked marker) would outlive a killed harness.
    posix_spawn_file_actions_addclosefrom_np(&fa_, 3);
  }
  ~SpawnSetup() {
    posix_spawnattr_destroy(&attr_);
    posix_spawn_file_actions_destroy(&fa_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  const posix_spawnattr_t* attr() const { return &attr_; }
  const posix_spawn_file_actions_t* fa() const { return &fa_; }

 private:
  posix_spawnattr_t attr_;
  posix_spawn_file_actions_t fa_;
};

const SpawnSetup& spawn_setup() {
  static const SpawnSetup s;
  return s;
}

}  // namespace

bool Workload::exec_once(unsigned worker, unsigned long seq, ExecPhase phase, ExecEvent& out,
                         const std::atomic<bool>* stop) const {
  const auto& ss = spawn_setup();
  auto t0 = clock_.now();
  pid_t pid = 0;
  int err = posix_spawn(&pid, argv_ptrs_[0], ss.fa(), ss.attr(), argv_ptrs_.data(), environ);
  out = ExecEvent{};
  out.t_ms = clock_.ms_since_start(t0);
  out.worker = worker;
  out.seq = seq;
  out.phase = phase;
  if (err != 0) {
    // glibc reports the child's execve errno here (EIO, ENOEXEC, EACCES...).
    out.outcome = classify_exec_failure(err);
    out.dur_ms = clock_.ms_since_start(clock_.now()) - out.t_ms;
    return true;
  }
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
  ChildResult r = run_child(w.argv(), o);
  int code = WIFEXITED(r.wait_status) ? WEXITSTATUS(r.wait_status) : it->outcome.exit_code;
  return missing_message(find_missing(code, w.argv(), read_fd_capped(err.get(), 16 * 1024), CommandProbe::real()), where);
}

}  // namespace harness
