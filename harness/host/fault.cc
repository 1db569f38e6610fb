#include "host/fault.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <atomic>
#include <system_error>

#include "base/cgroup.h"
#include "base/child.h"
#include "base/error.h"
#include "base/file_copy.h"
#include "base/interrupt.h"
#include "base/procfs.h"
#include "core/kill_timing.h"
#include "host/write_count.h"

#include <random>
#include <thread>

namespace harness {

namespace fs = std::filesystem;

static constexpr const char* kDropCaches = "/proc/sys/vm/drop_caches";

void check_drop_caches_writable() {
  if (access(kDropCaches, W_OK) != 0)
    throw EnvironmentError(errno_message(fmt::format("{} is not writable", kDropCaches), errno) +
                           "; run as root on a host (or VM) where /proc/sys is writable, "
                           "not in an unprivileged container");
}

namespace {

// A failed system call inside an action becomes its outcome ("EPERM").
struct ActionFailed {
  int err;
  std::string what;
};

template <typename F>
auto or_fail(F&& f) {
  try {
    return f();
  } catch (const SystemError& e) {
    throw ActionFailed{e.err(), e.what()};
  }
}

// Every file an action reads or writes must be a regular file: a device
// node (made by a run action, or on a crafted image) or a FIFO is refused.
ScopedFd open_or_fail(const RunDir& run, const std::string& rel, int flags, mode_t mode = 0644) {
  return or_fail([&] { return run.open_regular(rel, flags, mode); });
}

uint64_t copy_or_fail(int src, int dst, const std::string& what) {
  try {
    return copy_fd(src, dst, what);
  } catch (const std::system_error& e) {
    throw ActionFailed{e.code().value(), e.what()};
  }
}

std::string overwrite(const Action& a, FaultContext& ctx, bool truncate) {
  ScopedFd src = open_or_fail(ctx.run, a.from, O_RDONLY);
  // `cat src > dst` is O_CREAT|O_TRUNC; the truncation waits until the
  // target is known to be a regular file. Without truncation the old bytes
  // stay in place until overwritten.
  ScopedFd dst = open_or_fail(ctx.run, a.to, O_WRONLY | O_CREAT);
  if (truncate && ftruncate(dst.get(), 0) != 0) throw ActionFailed{errno, a.to + ": ftruncate"};
  uint64_t n = copy_or_fail(src.get(), dst.get(), a.to);
  return fmt::format("wrote {} bytes from {} into {}{}", n, a.from, a.to,
                     truncate ? " after truncating it" : " in place, without truncating");
}

std::string atomic_replace(const Action& a, FaultContext& ctx, unsigned long serial) {
  fs::path to(a.to);
  std::string tmp = (to.parent_path() / fmt::format(".{}.harness-tmp.{}.{}", to.filename().string(),
                                                     getpid(), serial))
                        .string();
  ScopedFd src = open_or_fail(ctx.run, a.from, O_RDONLY);
  ScopedFd dst = open_or_fail(ctx.run, tmp, O_WRONLY | O_CREAT | O_EXCL);
  uint64_t n = 0;
  try {
    n = copy_or_fail(src.get(), dst.get(), tmp);
    if (fsync(dst.get()) != 0) throw ActionFailed{errno, tmp + ": fsync"};
  } catch (...) {
    ctx.run.remove_file(tmp);
    throw;
  }
  std::string parent = to.has_parent_path() ? to.parent_path().string() : ".";
  ScopedFd dir = or_fail([&] { return ctx.run.open(parent, O_DIRECTORY | O_RDONLY); });
  if (renameat(dir.get(), fs::path(tmp).filename().c_str(), dir.get(), to.filename().c_str()) != 0) {
    int err = errno;
    ctx.run.remove_file(tmp);
    throw ActionFailed{err, fmt::format("rename {} over {}", tmp, a.to)};
  }
  fsync(dir.get());
  return fmt::format("replaced {} by rename with a {}-byte copy of {}", a.to, n, a.from);
}

std::string truncate_file(const Action& a, FaultContext& ctx) {
  ScopedFd f = open_or_fail(ctx.run, a.to, O_WRONLY);
  if (ftruncate(f.get(), static_cast<off_t>(a.size_bytes)) != 0)
    throw ActionFailed{errno, a.to + ": ftruncate"};
  return fmt::format("truncated {} to {} bytes", a.to, a.size_bytes);
}

std::string drop_caches(const Action& a) {
  ScopedFd f(::open(kDropCaches, O_WRONLY | O_CLOEXEC));
  if (!f.is_open()) throw ActionFailed{errno, kDropCaches};
  std::string v = fmt::format("{}\n", a.level);
  if (::write(f.get(), v.data(), v.size()) < 0) throw ActionFailed{errno, kDropCaches};
  return fmt::format("echo {} > {}", a.level, kDropCaches);
}

// A command may report its decision as a JSON object on its last line of
// stdout (stack-install --json does); keep it structured in the event.
nlohmann::json last_json_line(const std::string& out) {
  size_t end = out.find_last_not_of(" \n\r\t");
  if (end == std::string::npos) return nullptr;
  size_t start = out.rfind('\n', end);
  std::string line = out.substr(start == std::string::npos ? 0 : start + 1, end + 1 - (start == std::string::npos ? 0 : start + 1));
  auto j = nlohmann::json::parse(line, nullptr, false);
  return j.is_object() ? j : nlohmann::json(nullptr);
}

// Partial memory pressure: the kernel forgets the cached pages of one
// file from `from_page` on, so the next access re-reads them from the
// (possibly rewritten) disk while earlier pages stay cached.
std::string evict(const Action& a, FaultContext& ctx) {
  ScopedFd f = open_or_fail(ctx.run, a.path, O_RDONLY);
  long page = sysconf(_SC_PAGESIZE);
  off_t from = static_cast<off_t>(a.from_page) * page;
  int err = posix_fadvise(f.get(), from, 0, POSIX_FADV_DONTNEED);
  if (err != 0) throw ActionFailed{err, a.path + ": posix_fadvise(DONTNEED)"};
  return fmt::format("evicted {} from page {} on", a.path, a.from_page);
}

// Writes `text` over the file at `offset`, in place: a damaged sidecar.
std::string corrupt(const Action& a, FaultContext& ctx) {
  ScopedFd f = open_or_fail(ctx.run, a.path, O_WRONLY);
  ssize_t n = pwrite(f.get(), a.text.data(), a.text.size(), static_cast<off_t>(a.offset));
  if (n < 0) throw ActionFailed{errno, a.path + ": pwrite"};
  if (fsync(f.get()) != 0) throw ActionFailed{errno, a.path + ": fsync"};
  return fmt::format("wrote {} bytes (\"{}\") over {} at offset {}", n, a.text, a.path, a.offset);
}

// Where a kill or a timed io_error struck the target fault's command.
struct Strike {
  RunningCommand target;
  WriteCounter writes;              // the command's write system calls
  std::chrono::milliseconds at{0};  // after the command started
  uint64_t seed = 0;
  nlohmann::json result;  // target, seed, window: the event's result
};

// Waits for the target fault's command, then until the planned moment
// (a time after its start, or its N-th write). nullopt when the command
// ended first: the event then says so ("missed").
std::optional<Strike> await_strike(const Action& a, FaultContext& ctx, FaultEvent& ev) {
  const char* what = to_string(a.kind).data();
  if (!ctx.running) throw ActionFailed{ENOSYS, fmt::format("{}: no running commands are tracked here", what)};
  auto found = ctx.running->wait_for(a.target_fault, a.wait, ctx.stop);
  if (found.empty())
    throw ActionFailed{ESRCH, fmt::format("fault \"{}\" had no command running within {} ms", a.target_fault,
                                          a.wait.count())};
  static const ProcProcessIo io;
  Strike s{found.front(), WriteCounter(io, found.front().pid), {}, 0, {}};
  const RunningCommand& target = s.target;
  s.seed = kill_seed(a, std::random_device{}() ^ (static_cast<uint64_t>(std::random_device{}()) << 32));
  const auto delay = kill_delay(a, s.seed);
  auto stopped = [&] { return (ctx.stop && *ctx.stop) || interrupted(); };
  auto gone = [&] { return !ctx.running->running(a.target_fault, target.pid); };
  s.result = {{"target_fault", a.target_fault}, {"target_pid", target.pid}};
  if (a.kind == ActionKind::kill) s.result["signal"] = signal_name(a.signal);
  if (a.random_window) {
    s.result["seed"] = s.seed;
    s.result["window_ms"] = {a.random_window->first.count(), a.random_window->second.count()};
  }
  if (a.at_dest_op && !ctx.destinations)
    throw ActionFailed{ENOSYS, fmt::format("{}: no destination folder is watched here (at_dest_op)", what)};
  const double target_start_ms = ctx.clock.ms_since_start(target.started);
  auto dest_ops = [&] { return a.at_dest_op ? ctx.destinations->ops_since(target_start_ms) : 0; };
  // at_dest_op: when the target's N-th operation was seen; a random_ms
  // delay then counts from it.
  std::optional<MonoClock::time_point> op_seen;
  for (;;) {
    if (stopped()) throw ActionFailed{ECANCELED, fmt::format("the run stopped before the {}", what)};
    uint64_t n = s.writes.sample();
    if (a.at_dest_op && !op_seen && dest_ops() >= *a.at_dest_op) op_seen = MonoClock::now();
    bool due = a.at_write     ? n >= *a.at_write
               : a.at_dest_op ? op_seen && MonoClock::now() >= *op_seen + (a.random_window ? delay : delay.zero())
                              : MonoClock::now() >= target.started + delay;
    if (due) break;
    if (gone()) {
      s.result["writes"] = n;
      ev.result = s.result;
      ev.outcome = "missed";
      ev.ok = false;
      ev.detail = fmt::format("fault \"{}\"'s command (pid {}) ended before the {} was due ({} writes seen{})",
                              a.target_fault, target.pid, what, n,
                              a.at_write     ? fmt::format(", waiting for write {}", *a.at_write)
                              : a.at_dest_op ? fmt::format(", waiting for its operation {} in its destination "
                                                           "folders{}, {} seen",
                                                           *a.at_dest_op,
                                                           a.random_window ? fmt::format(" and {} ms more", delay.count())
                                                                           : "",
                                                           dest_ops())
                                             : fmt::format(", due at {} ms", delay.count()));
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  s.at = std::chrono::duration_cast<std::chrono::milliseconds>(MonoClock::now() - target.started);
  s.result["offset_ms"] = s.at.count();
  // On the run's clock, beside the destination folders' operations
  // (core/exercise.h tells from these whether it struck the installer's work).
  s.result["t_ms"] = ctx.clock.now_ms();
  if (a.at_dest_op) s.result["dest_ops"] = dest_ops();
  return s;
}

// " 120 ms after it started, after 16 write system calls (random in ...)"
std::string strike_text(const Action& a, const Strike& s, uint64_t writes) {
  std::string random = a.random_window ? fmt::format("random in [{}, {}] ms, seed {}", a.random_window->first.count(),
                                                     a.random_window->second.count(), s.seed)
                                       : "";
  std::string how = a.at_dest_op ? fmt::format(" (at its operation {} in its destination folders{}: {} seen)",
                                               *a.at_dest_op, random.empty() ? "" : ", then a delay " + random,
                                               s.result.value("dest_ops", 0UL))
                    : !random.empty() ? " (" + random + ")"
                                      : std::string();
  return fmt::format("{} ms after it started, after {} write system call{}{}", s.at.count(), writes, writes == 1 ? "" : "s",
                     how);
}

// Waits for the target fault's command, then signals it at the planned
// moment. The result says when it struck: the crash point.
std::string kill_target(const Action& a, FaultContext& ctx, FaultEvent& ev) {
  std::optional<Strike> s = await_strike(a, ctx, ev);
  if (!s) return ev.detail;
  const RunningCommand& target = s->target;
  std::vector<pid_t> hit = ctx.running->signal(a.target_fault, a.signal);
  uint64_t n = s->writes.total();
  s->result["writes"] = n;
  s->result["pids"] = hit;
  ev.result = s->result;
  if (hit.empty()) {
    ev.outcome = "missed";
    ev.ok = false;
    return fmt::format("fault \"{}\"'s command (pid {}) ended just before the kill", a.target_fault, target.pid);
  }
  return fmt::format("{} to fault \"{}\"'s command (pid {}) {}", signal_name(a.signal), a.target_fault, target.pid,
                     strike_text(a, *s, n));
}

// Fails every I/O of a scratch filesystem's disk: at once, or at the
// planned moment of another fault's command (as a kill would strike).
std::string io_error(const Action& a, FaultContext& ctx, FaultEvent& ev) {
  if (!ctx.disks) throw ActionFailed{ENOSYS, "io_error: no scratch disks can fail here"};
  if (a.target_fault.empty()) return ctx.disks->fail_disk(a.scratch);
  std::optional<Strike> s = await_strike(a, ctx, ev);
  if (!s) return ev.detail;
  std::string done = ctx.disks->fail_disk(a.scratch);
  uint64_t n = s->writes.total();
  s->result["writes"] = n;
  ev.result = s->result;
  return fmt::format("{}, while fault \"{}\"'s command (pid {}) ran: {}", done, a.target_fault, s->target.pid,
                     strike_text(a, *s, n));
}

// setup/finally: the command returned; what it left running in the
// background is part of it, waited for until the action's timeout, then
// killed (the action timed out).
void await_background(const Cgroup& leaf, const Action& a, const ChildResult& r, FaultContext& ctx,
                         FaultEvent& ev) {
  if (r.timed_out || r.stopped || r.interrupted) return;  // the whole cgroup was killed with it
  const auto deadline = MonoClock::now() + std::max(std::chrono::milliseconds(0), a.timeout - r.elapsed);
  if (leaf.wait_empty(deadline, [&] { return (ctx.stop && *ctx.stop) || interrupted(); })) return;
  std::vector<std::string> left;
  for (pid_t pid : leaf.members()) {
    std::string name = std::filesystem::path(process_exe(pid)).filename().string();
    left.push_back(fmt::format("{} (pid {})", name.empty() ? "a process" : name, pid));
  }
  leaf.kill_all();
  bool stopped = (ctx.stop && *ctx.stop) || interrupted();
  ev.ok = false;
  ev.outcome = stopped ? (interrupted() ? "interrupted" : "stopped") : "timeout";
  ev.detail += fmt::format("; it left {} running in the background{}, killed then", fmt::join(left, ", "),
                           stopped ? " when the run stopped" : fmt::format(" at its {} ms timeout", a.timeout.count()));
}

// A `run`: every instance started before any is waited for, so that
// several race; one event each.
std::vector<FaultEvent> run_commands(const Action& a, FaultContext& ctx, FaultEvent proto, unsigned long serial) {
  // Fresh log files beneath work/ (never through a link a setup step
  // planted at a predictable name), handed over as descriptors.
  ctx.run.make_dirs("logs");
  struct Started {
    ScopedFd out, err;
    const Cgroup* leaf = nullptr;
    std::optional<Child> child;
    FaultEvent ev;
  };
  std::vector<Started> started;
  std::vector<FaultEvent> events;
  for (unsigned i = 0; i < a.instances; ++i) {
    Started s;
    s.ev = proto;
    std::string base = fmt::format("logs/run-{}-{}{}", getpid(), serial, a.instances > 1 ? fmt::format("-{}", i + 1) : "");
    try {
      s.out = ctx.run.open(base + ".out", O_RDWR | O_CREAT | O_EXCL);
      s.err = ctx.run.open(base + ".err", O_RDWR | O_CREAT | O_EXCL);
      ChildOptions opts;
      opts.cwd = ctx.run.work();
      opts.stdout_fd = s.out.get();
      opts.stderr_fd = s.err.get();
      opts.timeout = a.timeout;
      opts.stop = ctx.stop;
      if (ctx.cgroups) {
        s.leaf = &ctx.cgroups->new_leaf();
        opts.cgroup = s.leaf;
        s.ev.cgroup = s.leaf->place().proc_path;
      }
      s.child.emplace(a.argv, opts);
      s.ev.pid = s.child->pid();
      s.ev.argv = a.argv;
      if (ctx.running) ctx.running->started(ctx.fault, s.ev.pid);
    } catch (const std::exception& e) {
      // E.g. the installer's program is missing: it could not even start.
      // Record it; the expectations decide whether that matters.
      s.ev.ok = false;
      s.ev.outcome = "error";
      s.ev.detail = e.what();
      // As a shell would have said, exit 127: is its program (or #! interpreter) here?
      s.ev.missing = missing_message(find_missing(127, a.argv, "", CommandProbe::real()), ctx.where);
    }
    started.push_back(std::move(s));
  }
  for (auto& s : started) {
    if (s.child) {
      ChildResult r = s.child->wait();
      if (ctx.running) ctx.running->ended(ctx.fault, s.ev.pid);
      s.ev.stdout_text = read_fd_capped(s.out.get(), 16 * 1024);
      s.ev.result = last_json_line(s.ev.stdout_text);
      s.ev.stderr_text = read_fd_capped(s.err.get(), 16 * 1024);
      s.ev.outcome = r.succeeded() ? "ok" : r.describe();
      s.ev.ok = r.succeeded();
      if (WIFEXITED(r.wait_status))
        s.ev.missing = missing_message(
            find_missing(WEXITSTATUS(r.wait_status), a.argv, s.ev.stderr_text, CommandProbe::real()), ctx.where);
      s.ev.detail = fmt::format("{} ({} ms){}", r.describe(), r.elapsed.count(),
                                a.instances > 1 ? fmt::format(", one of {} started together", a.instances) : "");
      if (s.leaf && ctx.wait_for_background) await_background(*s.leaf, a, r, ctx, s.ev);
    }
    if (s.leaf && ctx.cgroups) ctx.cgroups->command_ended(*s.leaf);
    s.ev.t_end_ms = ctx.clock.now_ms();
    events.push_back(std::move(s.ev));
  }
  return events;
}

}  // namespace

std::vector<FaultEvent> perform(const Action& a, FaultContext& ctx) {
  FaultEvent ev;
  ev.action = std::string(to_string(a.kind));
  ev.label = a.label;
  ev.t_start_ms = ctx.clock.now_ms();
  if (ctx.on_start) ctx.on_start();
  static std::atomic<unsigned long> serial_counter{0};
  const unsigned long serial = ++serial_counter;  // unique helper log and temp names
  try {
    switch (a.kind) {
      case ActionKind::overwrite_truncate: ev.detail = overwrite(a, ctx, true); break;
      case ActionKind::overwrite: ev.detail = overwrite(a, ctx, false); break;
      case ActionKind::atomic_replace: ev.detail = atomic_replace(a, ctx, serial); break;
      case ActionKind::truncate: ev.detail = truncate_file(a, ctx); break;
      case ActionKind::drop_caches: ev.detail = drop_caches(a); break;
      case ActionKind::evict: ev.detail = evict(a, ctx); break;
      case ActionKind::sleep:
        interruptible_sleep(a.duration, ctx.stop);
        ev.detail = fmt::format("slept {} ms", a.duration.count());
        break;
      case ActionKind::run:
        return run_commands(a, ctx, ev, serial);
      case ActionKind::kill: ev.detail = kill_target(a, ctx, ev); break;
      case ActionKind::corrupt: ev.detail = corrupt(a, ctx); break;
      case ActionKind::io_error: ev.detail = io_error(a, ctx, ev); break;
    }
    if (ev.outcome.empty()) ev.outcome = "ok";
  } catch (const ActionFailed& f) {
    ev.ok = false;
    ev.outcome = errno_name(f.err);
    ev.detail = f.what;
  } catch (const std::exception& e) {
    // E.g. the installer's program is missing: the action could not even
    // start. Record it; the expectations decide whether that matters.
    ev.ok = false;
    ev.outcome = "error";
    ev.detail = e.what();
  }
  ev.t_end_ms = ctx.clock.now_ms();
  return {ev};
}

}  // namespace harness
