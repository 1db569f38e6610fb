// EvidenceRecorder gathers what a postmortem needs beyond crash counts,
// while a run is in progress: who wrote each mounted image (fanotify),
// each image's size, digest and inode at named moments, the loop device's
// view of its backing file, the page-cache residency of the image and of
// the workload binary over time, and the kernel's own log lines. It runs
// one sampler thread; stop() (or the destructor) joins it and closes every
// file it holds, which must happen before the mounts are undone.
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/scoped_fd.h"
#include "core/run_record.h"
#include "host/fanotify_watch.h"
#include "host/kernel_log.h"

namespace harness {

class EvidenceRecorder {
 public:
  explicit EvidenceRecorder(const RunClock& clock);
  ~EvidenceRecorder();
  EvidenceRecorder(const EvidenceRecorder&) = delete;
  EvidenceRecorder& operator=(const EvidenceRecorder&) = delete;

  // A mounted image: watched for writers, sampled for residency.
  void watch_image(const std::string& work_path, const std::filesystem::path& abs,
                   const MountRecord& mount);
  // Any other file to sample for residency (the workload binary).
  void sample_file(const std::string& label, const std::filesystem::path& abs);
  void start();
  // Size, SHA-256 and inode of every watched image, now; `when` names the
  // moment ("mounted", "before redeploy", "after redeploy", "end").
  void snapshot(const std::string& when);
  // Joins the sampler, drains the last events, closes every held file.
  void stop();
  // Moves everything gathered into the record (call after stop()). Uses
  // the record's execs to drop a false writer: a workload child that
  // inherited a write fd across posix_spawn and closed it at exec.
  void flush_into(RunRecord& rec);

 private:
  struct Image {
    std::string work_path;
    std::filesystem::path abs;
    MountRecord mount;
    ScopedFd fd;  // the mounted inode, even after a rename replaces the path
    unsigned long long dev = 0, inode = 0;
    long long size_at_mount = -1;
  };
  struct Sampled {
    std::string label;
    ScopedFd fd;
  };
  struct Writer {
    pid_t pid = 0;
    std::string exe;
    std::vector<std::string> argv;
    std::string path;
    double first_ms = 0, last_ms = 0;
    unsigned long modifies = 0, close_writes = 0;
    long long min_size = -1;  // smallest size seen at an event: 0 means it truncated
  };

  void loop();
  void drain();

  const RunClock& clock_;
  std::optional<FanotifyWatch> fan_;
  std::string fan_error_;
  std::optional<KernelLogWatch> kmsg_;
  std::vector<Image> images_;
  std::vector<Sampled> sampled_;
  std::mutex mu_;
  std::map<std::pair<pid_t, unsigned long long>, Writer> writers_;
  nlohmann::json snapshots_ = nlohmann::json::array();
  nlohmann::json page_cache_ = nlohmann::json::array();
  nlohmann::json kernel_log_ = nlohmann::json::array();
  std::atomic<bool> stop_{false};
  std::thread thread_;
  bool stopped_ = false;
};

}  // namespace harness
