// FanotifyWatch owns a fanotify group that watches image files (inode
// marks) for modification, so that a run can say, from the kernel's own
// record, whether and by whom a mounted image was written.
//
// Where the kernel allows it (CONFIG_FANOTIFY_ACCESS_PERMISSIONS), opens of
// a watched file are permission events: the opening process is held in
// open(2) until the harness has looked at it and answered "allow", so the
// opener is identified exactly, even if it exits a moment later. Nothing is
// ever denied, and a hold lasts only as long as the caller's handler; if
// the harness dies, the kernel lets every held open through. Elsewhere the
// group falls back to notifications only.
//
// The queue is unlimited (FAN_UNLIMITED_QUEUE); if the kernel still
// reports an overflow, the caller hears of it and the evidence is marked
// incomplete.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "base/scoped_fd.h"

namespace harness {

struct FileEvent {
  pid_t pid = 0;
  bool open = false;         // FAN_OPEN_PERM: the process is held in open(2) while the handler runs
  bool modify = false;       // FAN_MODIFY: data written, or the size changed (truncation)
  bool close_write = false;  // FAN_CLOSE_WRITE: a write-open of the file was closed
  bool overflow = false;     // FAN_Q_OVERFLOW: the kernel dropped events
  bool exec = false;         // FAN_OPEN_EXEC: `path` was opened to be executed (a program, its #! interpreter
                             // or its ELF loader), by pid, even if that process is gone by now
  std::string path;          // exec: the file, named while the kernel still held it
  dev_t dev = 0;
  ino_t inode = 0;
  long long size = -1;  // the file's size when the event was read
};

class FanotifyWatch {
 public:
  // Throws EnvironmentError when fanotify is unavailable (not root, or a
  // kernel without CONFIG_FANOTIFY).
  FanotifyWatch();
  FanotifyWatch(FanotifyWatch&&) = default;
  FanotifyWatch& operator=(FanotifyWatch&&) = default;

  // Marks the inode `file_fd` refers to (never a path, which could be
  // swapped): it stays watched even after a rename replaces its name.
  void watch(int file_fd, const std::string& what);
  void unwatch(int file_fd);
  // Reports every program executed from the filesystems holding these
  // paths (filesystem marks, FAN_OPEN_EXEC; notifications only, nothing
  // is held), so that a short-lived writer's program is known even after
  // it exited. Returns what could not be marked.
  std::string watch_execs(const std::vector<std::string>& paths);
  int fd() const { return fd_.get(); }
  // Whether opens are held (permission events) or only noticed.
  bool holds_opens() const { return holds_opens_; }
  // Reads what is queued now (non-blocking), calling `handler` for each
  // event; a held open is allowed once the handler returns.
  void read_events(const std::function<void(const FileEvent&)>& handler);
  // Lets every held open through and stops watching; later opens are not held.
  void close() { fd_.reset(); }

 private:
  ScopedFd fd_;
  bool holds_opens_ = false;
};

}  // namespace harness
