// WriterLog: turns the kernel's file events on the watched images into
// Writer records (core/write_evidence.h): who opened an image (held at the
// open, so named exactly), who then modified it or closed it after
// writing, which program each writer ran, whether its open truncated the
// image. It decides; it performs no system call. The evidence recorder
// feeds it events from fanotify and answers process questions through a
// ProcessLookup (the ProcessTracker); tests feed it events and a fake
// lookup, without root.
#pragma once

#include <sys/types.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/write_evidence.h"
#include "host/fanotify_watch.h"

namespace harness {

// What the log asks about a process. The ProcessTracker answers from the
// kernel's process events; a test answers from a table.
class ProcessLookup {
 public:
  virtual ~ProcessLookup() = default;
  virtual ProcessInfo info(pid_t pid) = 0;
  virtual std::vector<ProcessInfo> ancestors(pid_t pid) = 0;
  // Whether it executed a program since it was first seen.
  virtual bool executed(pid_t pid) const = 0;
};

struct WatchedInode {
  std::string path;  // the image, relative to the work directory
  unsigned long long dev = 0, inode = 0;
  long long size_at_watch = -1;
};

class WriterLog {
 public:
  // `self`: the harness's own pid (its fault actions write too).
  WriterLog(pid_t self, ProcessLookup& procs);

  void watch(const WatchedInode& image);
  // One event, read at `now_ms` on the run's clock.
  void on_event(const FileEvent& e, double now_ms);
  // Openers seen since the last call, with the inode and the size they
  // found: the caller looks at the size right away (O_TRUNC leaves no
  // modify event) and reports back with opener_truncated().
  struct FreshOpener {
    pid_t pid = 0;
    WatchedInode image;
    long long size_at_open = -1;
  };
  std::vector<FreshOpener> take_fresh_openers();
  void opener_truncated(pid_t pid);

  // The watched images a writer has touched so far (inherited closes aside).
  std::set<std::string> images_written(bool opens_held) const;
  // Every writer, first first; `workload_pids` are the harness's own execs,
  // `opens_held` whether the kernel reported opens (permission events).
  std::vector<Writer> writers(const std::set<pid_t>& workload_pids, bool opens_held) const;
  // Non-empty when events were lost or writers went unrecorded.
  const std::string& incomplete() const { return incomplete_; }

 private:
  struct Opener {
    ProcessInfo process;
    std::vector<ProcessInfo> ancestors;
    double t_ms = 0;
    bool truncated = false;
  };
  const WatchedInode* image_of(dev_t dev, ino_t inode) const;
  bool inherited_close(const Writer& w, bool opens_held) const;
  void complete(ProcessInfo& p) const;

  pid_t self_;
  ProcessLookup& procs_;
  std::vector<WatchedInode> images_;
  std::map<pid_t, Opener> openers_;
  std::vector<FreshOpener> fresh_;
  std::map<pid_t, std::string> programs_;  // the first program each pid executed
  std::map<std::pair<pid_t, unsigned long long>, Writer> writers_;
  std::string incomplete_;
};

}  // namespace harness
