#include "host/evidence.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fmt/format.h>
#include <set>

#include "base/digest.h"
#include "host/loop_device.h"
#include "host/page_cache.h"

namespace harness {

namespace {

constexpr auto kSampleEvery = std::chrono::milliseconds(100);
constexpr size_t kMaxSamplesPerFile = 3000;
constexpr size_t kMaxKernelLines = 2000;

long long mtime_ns(const struct stat& st) {
  return static_cast<long long>(st.st_mtim.tv_sec) * 1'000'000'000LL + st.st_mtim.tv_nsec;
}

constexpr const char* kTimeSource =
    "an open is timed when the kernel held the opener (fanotify permission event; exact to the harness's "
    "response, well under a millisecond); a write is timed when the harness read the kernel's modify event, "
    "which its evidence thread waits for with poll(2), so it is at most the time to wake that thread late";

}  // namespace

EvidenceRecorder::EvidenceRecorder(const RunClock& clock) : clock_(clock), self_(getpid()) {
  kmsg_.emplace(clock.start(), [this](const nlohmann::json& line) {
    std::lock_guard<std::mutex> lock(mu_);
    kernel_log_.push_back(line);
  }, kMaxKernelLines);
  try {
    fan_.emplace();
  } catch (const std::exception& e) {
    fan_error_ = e.what();  // the verdict says what it cannot prove without it
  }
  procs_.emplace(self_);
  writers_.emplace(self_, *procs_);
  thread_ = std::thread([this] { loop(); });
}

EvidenceRecorder::~EvidenceRecorder() { stop(); }

void EvidenceRecorder::watch_image(const std::string& work_path, const std::filesystem::path& abs, ScopedFd image) {
  Image img;
  img.watch.path = work_path;
  img.abs = abs;
  img.fd = std::move(image);
  struct stat st {};
  if (fstat(img.fd.get(), &st) == 0) {
    img.watch.dev = st.st_dev;
    img.watch.inode = st.st_ino;
    img.watch.size_at_watch = st.st_size;
    img.watch.mtime_ns_at_watch = mtime_ns(st);
  }
  if (fan_) {
    try {
      fan_->watch(img.fd.get(), work_path);
      img.watching = true;
    } catch (const std::exception& e) {
      fan_error_ = e.what();
    }
  }
  img.watch.t_watch_ms = clock_.now_ms();
  std::lock_guard<std::mutex> lock(mu_);
  writers_->watch(WatchedInode{img.watch.path, img.watch.dev, img.watch.inode, img.watch.size_at_watch});
  images_.push_back(std::move(img));
}

void EvidenceRecorder::watch_execs(const std::vector<std::string>& paths) {
  if (!fan_) return;
  std::lock_guard<std::mutex> lock(mu_);
  exec_watch_error_ = fan_->watch_execs(paths);
}

void EvidenceRecorder::mounted(const std::string& work_path, const MountRecord& mount) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& img : images_)
    if (img.watch.path == work_path) {
      img.watch.mountpoint = mount.mountpoint;
      img.watch.loop_device = mount.loop_device;
      img.watch.mount_options = mount.options;
    }
}

void EvidenceRecorder::unwatch_all() {
  // Writes up to the unmount are read before the marks go.
  drain();
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& img : images_) {
    if (img.watch.t_unwatch_ms >= 0) continue;
    if (img.watching && fan_) fan_->unwatch(img.fd.get());
    img.watching = false;
    struct stat st {};
    if (fstat(img.fd.get(), &st) == 0) {
      img.watch.size_at_unwatch = st.st_size;
      img.watch.mtime_ns_at_unwatch = mtime_ns(st);
    }
    img.watch.t_unwatch_ms = clock_.now_ms();
  }
}

void EvidenceRecorder::sample_file(const std::string& label, const std::filesystem::path& abs) {
  ScopedFd fd(::open(abs.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.is_open()) return;
  std::lock_guard<std::mutex> lock(mu_);
  sampled_.push_back(Sampled{label, std::move(fd)});
}

std::set<std::string> EvidenceRecorder::images_written() {
  std::lock_guard<std::mutex> lock(mu_);
  return writers_->images_written(fan_ && fan_->holds_opens());
}

void EvidenceRecorder::stop_sampling_mounted_files() {
  std::lock_guard<std::mutex> lock(mu_);
  sampled_.clear();
}

void EvidenceRecorder::snapshot(const std::string& when) {
  std::vector<std::tuple<std::string, std::filesystem::path, int, std::string>> todo;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& img : images_) todo.emplace_back(img.watch.path, img.abs, img.fd.get(), img.watch.loop_device);
  }
  for (const auto& [work_path, abs, fd, loop_device] : todo) {
    nlohmann::json s{{"path", work_path}, {"when", when}, {"t_ms", clock_.now_ms()}};
    struct stat st {};
    if (::stat(abs.c_str(), &st) == 0) {
      s["size_bytes"] = st.st_size;
      s["inode"] = st.st_ino;
      try {
        s["sha256"] = file_digest_hex(DigestAlgo::sha256, abs);
      } catch (const std::exception& e) {
        s["sha256_error"] = e.what();
      }
    } else {
      s["missing"] = true;
    }
    // The loop device's view: is it still bound to the inode we mounted,
    // and is that inode still the one the path names?
    struct stat mounted {};
    if (fd >= 0 && fstat(fd, &mounted) == 0) {
      s["mounted_inode"] = mounted.st_ino;
      s["mounted_size_bytes"] = mounted.st_size;
      s["mounted_inode_links"] = mounted.st_nlink;
      s["backing_replaced"] = st.st_ino != mounted.st_ino;
      s["backing_deleted"] = mounted.st_nlink == 0;
    }
    if (!loop_device.empty())
      if (auto ls = loop_status(loop_device)) {
        s["loop_device"] = ls->device;
        s["loop_backing_file"] = ls->backing_file;
        s["loop_backing_inode"] = static_cast<unsigned long long>(ls->backing_inode);
      }
    std::lock_guard<std::mutex> lock(mu_);
    snapshots_.push_back(std::move(s));
  }
}

// An open with O_TRUNC truncates right after the permission was granted,
// and the kernel reports no modify event for it: look at the size at once,
// briefly, before the opener (or a child it starts) writes again.
void EvidenceRecorder::check_truncation(const WriterLog::FreshOpener& o) {
  if (o.size_at_open <= 0) return;
  for (const auto& img : images_) {
    if (img.watch.inode != o.image.inode || img.watch.dev != o.image.dev) continue;
    for (int i = 0; i < 100; ++i) {
      struct stat st {};
      if (fstat(img.fd.get(), &st) != 0) return;
      if (st.st_size < o.size_at_open) {
        writers_->opener_truncated(o.pid);
        return;
      }
      usleep(20);
    }
  }
}

// Runs on the evidence thread (or in stop(), after it was joined); a held
// opener waits in open(2) until its event has been handled.
void EvidenceRecorder::drain() {
  std::lock_guard<std::mutex> lock(mu_);
  // Process events first: a writer's fork is then known when its write is read.
  procs_->read_events();
  if (!fan_) return;
  fan_->read_events([this](const FileEvent& e) {
    if (!e.exec) procs_->read_events();
    writers_->on_event(e, clock_.now_ms());
  });
  for (const auto& o : writers_->take_fresh_openers()) check_truncation(o);
}

void EvidenceRecorder::loop() {
  auto next_sample = MonoClock::now();
  while (!stop_) {
    pollfd fds[2];
    nfds_t n = 0;
    if (fan_) fds[n++] = pollfd{fan_->fd(), POLLIN, 0};
    if (procs_->fd() >= 0) fds[n++] = pollfd{procs_->fd(), POLLIN, 0};
    poll(fds, n, 20);
    drain();
    if (MonoClock::now() >= next_sample) {
      next_sample += kSampleEvery;
      double t = clock_.now_ms();
      std::lock_guard<std::mutex> lock(mu_);
      auto sample = [&](const std::string& label, int fd) {
        auto r = page_cache_residency(fd);
        if (!r) return;
        if (page_cache_.size() >= kMaxSamplesPerFile * (images_.size() + sampled_.size())) return;
        page_cache_.push_back({{"t_ms", t}, {"path", label}, {"resident_pages", r->resident_pages},
                               {"total_pages", r->total_pages}});
      };
      for (const auto& img : images_)
        if (img.fd.is_open()) sample(img.watch.path, img.fd.get());
      for (const auto& s : sampled_) sample(s.label, s.fd.get());
    }
  }
}

void EvidenceRecorder::stop() {
  if (stopped_) return;
  stopped_ = true;
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  unwatch_all();  // drains, then records the end of every watch
  // No thread answers held opens any more: let them all through.
  if (fan_) fan_->close();
  if (kmsg_) kmsg_->stop();
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& img : images_) img.fd.reset();
  sampled_.clear();
}

void EvidenceRecorder::flush_into(RunRecord& rec) {
  std::lock_guard<std::mutex> lock(mu_);
  std::set<pid_t> workload_pids;
  for (const auto& e : rec.execs) workload_pids.insert(e.pid);
  WriteEvidence& ev = rec.writes;
  ev.writers = writers_->writers(workload_pids, fan_ && fan_->holds_opens());
  ev.watches.clear();
  for (const auto& img : images_) ev.watches.push_back(img.watch);
  if (!fan_) ev.unavailable = fan_error_;
  else if (!fan_error_.empty()) ev.unavailable = fan_error_;  // a mark could not be placed
  std::vector<std::string> gaps;
  if (!writers_->incomplete().empty()) gaps.push_back(writers_->incomplete());
  if (!procs_->lost().empty()) gaps.push_back(procs_->lost());
  ev.incomplete = fmt::format("{}", fmt::join(gaps, "; "));
  ev.method = fmt::format("fanotify marks on each image's inode from before its mount to after its unmount ({}); "
                          "writers traced through {}",
                          fan_ && fan_->holds_opens() ? "opens held and identified as they happen, then modify "
                                                        "and close-after-write events"
                                                      : "modify and close-after-write events; no permission events "
                                                        "in this kernel, so an opener that exits at once may go "
                                                        "unnamed",
                          procs_->method());
  ev.time_source = kTimeSource;
  if (!exec_watch_error_.empty())
    ev.method += fmt::format("; programs of exited writers may be unnamed (exec events: {})", exec_watch_error_);
  rec.images_evidence = std::move(snapshots_);
  rec.page_cache = std::move(page_cache_);
  for (auto& l : kernel_log_) rec.kernel_log.push_back(std::move(l));
  snapshots_ = nlohmann::json::array();
  page_cache_ = nlohmann::json::array();
  kernel_log_ = nlohmann::json::array();
}

}  // namespace harness
