#include "base/child.h"

#include <signal.h>
#include <sys/wait.h>

#include <boost/process.hpp>
#include <fmt/format.h>
#include <fstream>
#include <thread>

#include "base/error.h"
#include "base/interrupt.h"

namespace harness {

namespace bp = boost::process;
using Clock = std::chrono::steady_clock;

bool ChildResult::succeeded() const {
  return !timed_out && !interrupted && !stopped && WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
}

std::string ChildResult::describe() const {
  if (timed_out) return "timeout";
  if (interrupted) return "interrupted";
  if (stopped) return "stopped";
  // Boost's exit_code() says 11 both for SIGSEGV and for `exit 11`; decode
  // the raw status instead.
  if (WIFEXITED(wait_status)) return fmt::format("exit {}", WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const char* abbrev = sigabbrev_np(WTERMSIG(wait_status));
    return abbrev ? fmt::format("signal SIG{}", abbrev) : fmt::format("signal {}", WTERMSIG(wait_status));
  }
  return fmt::format("status {:#x}", wait_status);
}

std::optional<std::filesystem::path> find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (access(name.c_str(), X_OK) == 0) return std::filesystem::path(name);
    return std::nullopt;
  }
  auto p = bp::search_path(name);
  if (p.empty()) {
    // Root's PATH may lack sbin on some setups; mkfs lives there.
    for (const char* dir : {"/usr/sbin", "/sbin"}) {
      std::filesystem::path cand = std::filesystem::path(dir) / name;
      if (access(cand.c_str(), X_OK) == 0) return cand;
    }
    return std::nullopt;
  }
  return std::filesystem::path(p.string());
}

// Boost 1.74's terminate() reaps with WNOHANG right after SIGKILL, which
// can leave a zombie and a garbage status; kill, then wait for real.
static void kill_and_reap(bp::child& c) {
  ::kill(c.id(), SIGKILL);
  std::error_code ec;
  c.wait(ec);
}

struct Child::Impl {
  bp::child child;
  ChildOptions opts;
  Clock::time_point started;
};

Child::Child(const std::vector<std::string>& argv, const ChildOptions& opts) {
  if (argv.empty()) throw RuntimeError("cannot run an empty command");
  auto exe = find_program(argv[0]);
  if (!exe)
    throw EnvironmentError(fmt::format("{}: program not found in PATH or not executable", argv[0]));
  std::vector<std::string> args(argv.begin() + 1, argv.end());
  auto out = opts.stdout_file.empty() ? std::string("/dev/null") : opts.stdout_file.string();
  auto err = opts.stderr_file.empty() ? std::string("/dev/null") : opts.stderr_file.string();
  impl_ = std::make_unique<Impl>();
  impl_->opts = opts;
  impl_->started = Clock::now();
  // Boost opens the output files without O_TRUNC; a reused log path must
  // not keep the tail of an older run.
  for (const auto& f : {opts.stdout_file, opts.stderr_file})
    if (!f.empty()) std::ofstream(f, std::ios::trunc);
  std::error_code ec;
  bp::environment env = boost::this_process::environment();
  for (const auto& name : opts.unset_env) env.erase(name);
  std::string cwd = opts.cwd.empty() ? std::filesystem::current_path().string() : opts.cwd.string();
  impl_->child = bp::child(exe->string(), bp::args(args), bp::std_out > out, bp::std_err > err,
                           bp::std_in < bp::null, bp::start_dir(cwd), bp::env(env), ec);
  if (ec) {
    throw RuntimeError(fmt::format("{}: cannot start: {}", exe->string(), ec.message()));
  }
}

Child::Child(Child&&) noexcept = default;

Child::~Child() {
  if (impl_ && impl_->child.valid() && impl_->child.running()) {
    kill_and_reap(impl_->child);
  }
}

pid_t Child::pid() const { return impl_->child.id(); }

ChildResult Child::wait() {
  ChildResult r;
  r.pid = impl_->child.id();
  auto deadline = impl_->started + impl_->opts.timeout;
  auto pause = std::chrono::milliseconds(1);
  std::error_code ec;
  while (impl_->child.running(ec)) {
    bool stop = impl_->opts.stop && impl_->opts.stop->load();
    if (Clock::now() >= deadline || interrupted() || stop) {
      r.interrupted = interrupted() != 0;
      r.stopped = !r.interrupted && stop;
      r.timed_out = !r.interrupted && !r.stopped;
      kill_and_reap(impl_->child);
      break;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  r.wait_status = impl_->child.native_exit_code();
  r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - impl_->started);
  return r;
}

ChildResult run_child(const std::vector<std::string>& argv, const ChildOptions& opts) {
  Child c(argv, opts);
  return c.wait();
}

std::string read_file_capped(const std::filesystem::path& p, size_t cap) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  std::string s(cap, '\0');
  in.read(s.data(), static_cast<std::streamsize>(cap));
  s.resize(static_cast<size_t>(in.gcount()));
  return s;
}

}  // namespace harness
