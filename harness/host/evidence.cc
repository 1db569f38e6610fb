#include "host/evidence.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

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
}  // namespace

EvidenceRecorder::EvidenceRecorder(const RunClock& clock) : clock_(clock) {
  kmsg_.emplace(clock.start(), [this](const nlohmann::json& line) {
    std::lock_guard<std::mutex> lock(mu_);
    kernel_log_.push_back(line);
  }, kMaxKernelLines);
  try {
    fan_.emplace();
  } catch (const std::exception& e) {
    fan_error_ = e.what();  // attribution is evidence, not a precondition
  }
}

EvidenceRecorder::~EvidenceRecorder() { stop(); }

void EvidenceRecorder::watch_image(const std::string& work_path, const std::filesystem::path& abs,
                                   const MountRecord& mount) {
  Image img;
  img.work_path = work_path;
  img.abs = abs;
  img.mount = mount;
  img.fd = ScopedFd(::open(abs.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (img.fd.is_open() && fstat(img.fd.get(), &st) == 0) {
    img.dev = st.st_dev;
    img.inode = st.st_ino;
    img.size_at_mount = st.st_size;
  }
  if (fan_) {
    try {
      fan_->watch(abs);
    } catch (const std::exception& e) {
      fan_error_ = e.what();
    }
  }
  images_.push_back(std::move(img));
}

void EvidenceRecorder::sample_file(const std::string& label, const std::filesystem::path& abs) {
  ScopedFd fd(::open(abs.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.is_open()) sampled_.push_back(Sampled{label, std::move(fd)});
}

void EvidenceRecorder::start() {
  thread_ = std::thread([this] { loop(); });
}

void EvidenceRecorder::snapshot(const std::string& when) {
  for (const auto& img : images_) {
    nlohmann::json s{{"path", img.work_path}, {"when", when}, {"t_ms", clock_.now_ms()}};
    struct stat st {};
    if (::stat(img.abs.c_str(), &st) == 0) {
      s["size_bytes"] = st.st_size;
      s["inode"] = st.st_ino;
      try {
        s["sha256"] = file_digest_hex(DigestAlgo::sha256, img.abs);
      } catch (const std::exception& e) {
        s["sha256_error"] = e.what();
      }
    } else {
      s["missing"] = true;
    }
    // The loop device's view: is it still bound to the inode we mounted,
    // and is that inode still the one the path names?
    struct stat mounted {};
    if (img.fd.is_open() && fstat(img.fd.get(), &mounted) == 0) {
      s["mounted_inode"] = mounted.st_ino;
      s["mounted_size_bytes"] = mounted.st_size;
      s["mounted_inode_links"] = mounted.st_nlink;
      s["backing_replaced"] = st.st_ino != mounted.st_ino;
      s["backing_deleted"] = mounted.st_nlink == 0;
    }
    if (auto ls = loop_status(img.mount.loop_device)) {
      s["loop_device"] = ls->device;
      s["loop_backing_file"] = ls->backing_file;
      s["loop_backing_inode"] = static_cast<unsigned long long>(ls->backing_inode);
    }
    std::lock_guard<std::mutex> lock(mu_);
    snapshots_.push_back(std::move(s));
  }
}

void EvidenceRecorder::drain() {
  double now = clock_.now_ms();
  if (fan_) {
    for (auto& e : fan_->read_events()) {
      std::string path;
      for (const auto& img : images_)
        if (img.inode == static_cast<unsigned long long>(e.inode) && img.dev == static_cast<unsigned long long>(e.dev))
          path = img.work_path;
      if (path.empty()) continue;
      std::lock_guard<std::mutex> lock(mu_);
      Writer& w = writers_[{e.pid, static_cast<unsigned long long>(e.inode)}];
      if (w.pid == 0) {
        // Once per writer: a loop rewriting the image yields thousands of
        // events from the same process.
        w.pid = e.pid;
        w.exe = process_exe(e.pid);
        w.argv = process_argv(e.pid);
        w.path = path;
        w.first_ms = now;
      }
      w.last_ms = now;
      if (e.modify) ++w.modifies;
      if (e.close_write) ++w.close_writes;
      if (e.size >= 0 && (w.min_size < 0 || e.size < w.min_size)) w.min_size = e.size;
    }
  }
}

void EvidenceRecorder::loop() {
  auto next_sample = MonoClock::now();
  while (!stop_) {
    pollfd fds[1];
    nfds_t n = 0;
    if (fan_) fds[n++] = pollfd{fan_->fd(), POLLIN, 0};
    poll(fds, n, 20);
    drain();
    if (MonoClock::now() >= next_sample) {
      next_sample += kSampleEvery;
      double t = clock_.now_ms();
      auto sample = [&](const std::string& label, int fd) {
        auto r = page_cache_residency(fd);
        if (!r) return;
        std::lock_guard<std::mutex> lock(mu_);
        if (page_cache_.size() >= kMaxSamplesPerFile * (images_.size() + sampled_.size())) return;
        page_cache_.push_back({{"t_ms", t}, {"path", label}, {"resident_pages", r->resident_pages},
                               {"total_pages", r->total_pages}});
      };
      for (const auto& img : images_)
        if (img.fd.is_open()) sample(img.work_path, img.fd.get());
      for (const auto& s : sampled_) sample(s.label, s.fd.get());
    }
  }
}

void EvidenceRecorder::stop() {
  if (stopped_) return;
  stopped_ = true;
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  drain();
  if (kmsg_) kmsg_->stop();
  for (auto& img : images_) img.fd.reset();
  sampled_.clear();
}

void EvidenceRecorder::flush_into(RunRecord& rec) {
  std::lock_guard<std::mutex> lock(mu_);
  std::set<pid_t> workload_pids;
  for (const auto& e : rec.execs) workload_pids.insert(e.pid);
  nlohmann::json writers = nlohmann::json::array();
  for (const auto& [key, w] : writers_) {
    if (w.modifies == 0 && workload_pids.count(w.pid)) continue;
    const Image* img = nullptr;
    for (const auto& i : images_)
      if (i.work_path == w.path) img = &i;
    bool truncated = w.min_size == 0 || (img && w.min_size >= 0 && w.min_size < img->size_at_mount);
    nlohmann::json j{{"pid", w.pid},
                     {"exe", w.exe},
                     {"argv", w.argv},
                     {"path", w.path},
                     {"t_ms", w.first_ms},
                     {"t_last_ms", w.last_ms},
                     {"modify_events", w.modifies},
                     {"close_write_events", w.close_writes},
                     {"access", w.modifies ? "modify" : "open_write"},
                     {"truncated", truncated},
                     {"min_size_seen", w.min_size}};
    if (img) {
      j["image_mounted_at"] = img->mount.mountpoint;
      j["loop_device"] = img->mount.loop_device;
      j["mount_options"] = img->mount.options;
    }
    writers.push_back(std::move(j));
  }
  std::sort(writers.begin(), writers.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return a.at("t_ms").get<double>() < b.at("t_ms").get<double>();
  });
  rec.writers = std::move(writers);
  if (!fan_error_.empty()) rec.environment["write_attribution"] = "unavailable: " + fan_error_;
  rec.images_evidence = std::move(snapshots_);
  rec.page_cache = std::move(page_cache_);
  for (auto& l : kernel_log_) rec.kernel_log.push_back(std::move(l));
  snapshots_ = nlohmann::json::array();
  page_cache_ = nlohmann::json::array();
  kernel_log_ = nlohmann::json::array();
}

}  // namespace harness
