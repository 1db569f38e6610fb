// FanotifyWatch owns a fanotify group that watches image files (inode
// marks) for modification, so a report can name the process that wrote a
// mounted image. Notification class only: no permission events, so no
// process can ever be blocked by the harness.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "base/scoped_fd.h"

namespace harness {

struct FileWriteEvent {
  pid_t pid = 0;
  bool modify = false;       // FAN_MODIFY: data written or size changed
  bool close_write = false;  // FAN_CLOSE_WRITE: a write-open was closed
  dev_t dev = 0;
  ino_t inode = 0;
  long long size = -1;  // the file's size when we read the event
};

class FanotifyWatch {
 public:
  // Throws EnvironmentError when fanotify is unavailable (not root, or a
  // kernel without CONFIG_FANOTIFY).
  FanotifyWatch();
  FanotifyWatch(FanotifyWatch&&) = default;
  FanotifyWatch& operator=(FanotifyWatch&&) = default;

  void watch(const std::filesystem::path& file);
  int fd() const { return fd_.get(); }
  // Reads what is queued now (non-blocking). The caller looks up a new
  // writer's identity (process_exe/argv) at once, while it likely exists.
  std::vector<FileWriteEvent> read_events();

 private:
  ScopedFd fd_;
};

// /proc/PID/exe and /proc/PID/cmdline, best effort.
std::string process_exe(pid_t pid);
std::vector<std::string> process_argv(pid_t pid);

}  // namespace harness
