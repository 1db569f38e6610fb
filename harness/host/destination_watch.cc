#include "host/destination_watch.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <fmt/format.h>

#include "base/error.h"

namespace harness {

namespace {
constexpr uint32_t kMask = IN_MODIFY | IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_ONLYDIR |
                           IN_EXCL_UNLINK;
}

DestinationWatch::~DestinationWatch() { stop(); }

void DestinationWatch::watch_folder(const RunDir& run, const std::string& work_path) {
  if (std::any_of(folders_.begin(), folders_.end(), [&](const Folder& f) { return f.path == work_path; })) return;
  if (!inotify_.is_open()) {
    inotify_ = ScopedFd(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!inotify_.is_open()) {
      activity_.unavailable = errno_message("inotify_init1", errno);
      return;
    }
  }
  Folder f{work_path, -1};
  try {
    // Beneath work/, no link followed; inotify then watches that very
    // folder through its descriptor.
    ScopedFd dir = run.open(work_path.empty() ? "." : work_path, O_RDONLY | O_DIRECTORY);
    std::string via = fmt::format("/proc/self/fd/{}", dir.get());
    f.wd = inotify_add_watch(inotify_.get(), via.c_str(), kMask);
    if (f.wd < 0) activity_.unavailable = errno_message(fmt::format("inotify on {}", work_path), errno);
  } catch (const Error&) {
    // Not made (yet): nothing can happen in it that the run would miss
    // elsewhere; the folder list says which were watched.
    return;
  }
  if (f.wd >= 0) {
    activity_.folders.push_back(work_path);
    folders_.push_back(std::move(f));
  }
}

void DestinationWatch::sample_space(const RunDir& run, const std::string& work_path, bool enospc) {
  Space sp;
  sp.s.path = work_path;
  sp.s.enospc = enospc;
  try {
    sp.root = run.open(work_path, O_RDONLY | O_DIRECTORY);
  } catch (const Error&) {
    return;
  }
  struct statfs st {};
  if (fstatfs(sp.root.get(), &st) != 0) return;
  sp.s.block_bytes = static_cast<unsigned long long>(st.f_bsize);
  sp.s.size_bytes = static_cast<unsigned long long>(st.f_blocks) * st.f_bsize;
  sp.s.min_free_bytes = static_cast<unsigned long long>(st.f_bfree) * st.f_bsize;
  spaces_.push_back(std::move(sp));
}

void DestinationWatch::start() {
  activity_.t_from_ms = clock_.now_ms();
  thread_ = std::thread([this] { loop(); });
}

void DestinationWatch::stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  thread_.join();
  std::lock_guard<std::mutex> l(mu_);
  activity_.t_to_ms = clock_.now_ms();
}

void DestinationWatch::loop() {
  while (!stop_) {
    if (inotify_.is_open()) {
      pollfd p{inotify_.get(), POLLIN, 0};
      if (poll(&p, 1, 1) > 0) read_events();
    } else {
      usleep(1000);
    }
    sample();
  }
  if (inotify_.is_open()) read_events();  // what came before stop()
  sample();
}

void DestinationWatch::read_events() {
  alignas(struct inotify_event) char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(inotify_.get(), buf, sizeof buf);
    if (n <= 0) return;
    double t = clock_.now_ms();
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<struct inotify_event*>(p);
      p += sizeof(struct inotify_event) + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {
        std::lock_guard<std::mutex> l(mu_);
        activity_.truncated = true;
        continue;
      }
      auto f = std::find_if(folders_.begin(), folders_.end(), [&](const Folder& x) { return x.wd == ev->wd; });
      if (f == folders_.end() || ev->len == 0) continue;
      std::string name(ev->name);
      if (ev->mask & IN_MODIFY) add(DestinationOpKind::write, f->path, name, t);
      if (ev->mask & IN_CREATE) add(DestinationOpKind::create, f->path, name, t);
      if (ev->mask & IN_MOVED_FROM) add(DestinationOpKind::rename_from, f->path, name, t);
      if (ev->mask & IN_MOVED_TO) add(DestinationOpKind::rename_to, f->path, name, t);
      if (ev->mask & IN_DELETE) add(DestinationOpKind::unlink, f->path, name, t);
    }
  }
}

void DestinationWatch::add(DestinationOpKind kind, const std::string& folder, const std::string& name, double t) {
  ++ops_seen_;
  std::lock_guard<std::mutex> l(mu_);
  auto& ops = activity_.ops;
  if (kind == DestinationOpKind::write && !ops.empty() && ops.back().kind == kind && ops.back().folder == folder &&
      ops.back().name == name) {
    ++ops.back().count;
    ops.back().t_last_ms = t;
    return;
  }
  if (ops.size() >= kMaxOps) {
    activity_.truncated = true;
    return;
  }
  ops.push_back(DestinationOp{t, t, kind, folder, name, 1});
}

void DestinationWatch::sample() {
  double t = clock_.now_ms();
  std::lock_guard<std::mutex> l(mu_);
  for (auto& sp : spaces_) {
    struct statfs st {};
    if (fstatfs(sp.root.get(), &st) != 0) continue;
    auto free_bytes = static_cast<unsigned long long>(st.f_bfree) * st.f_bsize;
    if (sp.s.samples == 0 || free_bytes < sp.s.min_free_bytes) {
      sp.s.min_free_bytes = free_bytes;
      sp.s.t_min_free_ms = t;
    }
    ++sp.s.samples;
  }
}

unsigned long DestinationWatch::ops_since(double t_ms) {
  std::lock_guard<std::mutex> l(mu_);
  unsigned long n = 0;
  for (auto it = activity_.ops.rbegin(); it != activity_.ops.rend() && it->t_ms >= t_ms; ++it) ++n;
  return n;
}

DestinationActivity DestinationWatch::take_activity() {
  stop();
  std::lock_guard<std::mutex> l(mu_);
  return std::move(activity_);
}

std::vector<ScratchSpace> DestinationWatch::take_space() {
  stop();
  std::lock_guard<std::mutex> l(mu_);
  std::vector<ScratchSpace> out;
  for (auto& sp : spaces_) out.push_back(sp.s);
  spaces_.clear();  // closes the roots: the scratch filesystems can be unmounted
  return out;
}

}  // namespace harness
