// EvidenceRecorder gathers what a verdict and a postmortem need beyond
// exec counts, while a run is in progress:
//   - every write to a mounted image, from the kernel (fanotify marks on
//     the inode the loop device serves, placed before the mount and removed
//     after the unmount), with the writer traced to the action that started
//     it (ProcessTracker);
//   - each image's size, digest and inode at named moments, and the loop
//     device's view of its backing file;
//   - page-cache residency of the images and the workload binary over time;
//   - the kernel's own log lines.
// It runs one thread from construction (process events must be followed
// from before the first action starts) until stop(); stop() (or the
// destructor) joins it and closes every file it holds, which must happen
// before the mounts are undone.
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/scoped_fd.h"
#include "core/run_record.h"
#include "host/fanotify_watch.h"
#include "host/kernel_log.h"
#include "host/process_tracker.h"
#include "host/writer_log.h"

namespace harness {

class EvidenceRecorder {
 public:
  explicit EvidenceRecorder(const RunClock& clock);
  ~EvidenceRecorder();
  EvidenceRecorder(const EvidenceRecorder&) = delete;
  EvidenceRecorder& operator=(const EvidenceRecorder&) = delete;

  // Follows program executions on the filesystems holding these paths
  // (the run actions' programs, PATH), so that a writer that exited at
  // once is still named by its program.
  void watch_execs(const std::vector<std::string>& paths);
  // An image about to be mounted: `image` is an open fd of it (the very
  // inode the loop device will serve). Watched for writers from now on.
  void watch_image(const std::string& work_path, const std::filesystem::path& abs, ScopedFd image);
  // The image is mounted: what the loop device and the mount are.
  void mounted(const std::string& work_path, const MountRecord& mount);
  // Every image is unmounted: stop watching (writes from here on are not
  // writes while mounted).
  void unwatch_all();
  // Any other file to sample for residency (the workload binary).
  void sample_file(const std::string& label, const std::filesystem::path& abs);
  // Closes the sampled files (they may lie inside a mount about to be
  // undone); the image watches go on.
  void stop_sampling_mounted_files();
  // Size, SHA-256 and inode of every watched image, now; `when` names the
  // moment ("mounted", "before redeploy", "after redeploy", "end").
  void snapshot(const std::string& when);
  // The watched images some process has written so far (while mounted).
  std::set<std::string> images_written();
  // Joins the thread, drains the last events, closes every held file.
  void stop();
  // Moves everything gathered into the record (call after stop()). Uses
  // the record's execs to drop a false writer: a workload child that
  // inherited a write fd across posix_spawn and closed it at exec.
  void flush_into(RunRecord& rec);

 private:
  struct Image {
    Watch watch;
    std::filesystem::path abs;
    ScopedFd fd;  // the mounted inode, even after a rename replaces the path
    bool watching = false;
  };
  struct Sampled {
    std::string label;
    ScopedFd fd;
  };
  void loop();
  void drain();
  void check_truncation(const WriterLog::FreshOpener& o);

  const RunClock& clock_;
  const pid_t self_;
  std::optional<FanotifyWatch> fan_;
  std::string fan_error_;
  std::optional<ProcessTracker> procs_;
  std::optional<KernelLogWatch> kmsg_;
  std::mutex mu_;  // guards everything below that the thread and callers share
  std::vector<Image> images_;
  std::vector<Sampled> sampled_;
  std::optional<WriterLog> writers_;  // after procs_: it asks it about processes
  std::string exec_watch_error_;
  nlohmann::json snapshots_ = nlohmann::json::array();
  nlohmann::json page_cache_ = nlohmann::json::array();
  nlohmann::json kernel_log_ = nlohmann::json::array();
  std::atomic<bool> stop_{false};
  std::thread thread_;
  bool stopped_ = false;
};

}  // namespace harness
