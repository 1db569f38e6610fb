// DestinationWatch follows, while the faults run, what happens in the
// folders an installer installs into (the folders of the mounted images and
// of the `installed` paths): every write, create, rename and unlink of an
// entry there, from inotify, timed on the run's clock within a millisecond
// or so; and how much room is left on each scratch filesystem (statfs).
// A kill or a failing disk then says whether it struck while the installer
// was at work on its destination (core/exercise.h), and an ENOSPC whether
// the folder ever ran out of room.
//
// inotify rather than fanotify: it works on every filesystem a run folder
// may be on (tmpfs included), and the time of an operation is what is
// needed; who did it is the write evidence's job (evidence.h).
//
// One thread from start() until stop() (or the destructor), which joins it
// and closes the inotify descriptor and the folders it holds.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/run_dir.h"
#include "base/scoped_fd.h"
#include "core/destination_activity.h"

namespace harness {

class DestinationWatch {
 public:
  // At most this many ops are kept (consecutive writes to one entry are one).
  static constexpr size_t kMaxOps = 20000;

  explicit DestinationWatch(const RunClock& clock) : clock_(clock) {}
  ~DestinationWatch();
  DestinationWatch(const DestinationWatch&) = delete;
  DestinationWatch& operator=(const DestinationWatch&) = delete;

  // Before start(): a folder to watch (a work path, opened beneath `run`
  // without following links); one that does not exist is noted, not an
  // error. And a scratch filesystem's root to sample for free space.
  void watch_folder(const RunDir& run, const std::string& work_path);
  void sample_space(const RunDir& run, const std::string& work_path, bool enospc);
  void start();
  // Joins the thread; what it gathered stays for take_*().
  void stop();

  // Operations seen so far in the watched folders (every event, writes
  // not coalesced): a kill aimed at the N-th waits for this.
  unsigned long ops_seen() const { return ops_seen_.load(); }
  // Operations (coalesced writes count once) that began at or after t_ms
  // on the run's clock: a kill aimed at a command's N-th waits for this.
  unsigned long ops_since(double t_ms);

  DestinationActivity take_activity();
  std::vector<ScratchSpace> take_space();

 private:
  struct Folder {
    std::string path;
    int wd = -1;
  };
  struct Space {
    ScratchSpace s;
    ScopedFd root;
  };
  void loop();
  void read_events();
  void sample();
  void add(DestinationOpKind kind, const std::string& folder, const std::string& name, double t);

  const RunClock& clock_;
  ScopedFd inotify_;
  std::vector<Folder> folders_;
  std::vector<Space> spaces_;
  std::mutex mu_;  // guards activity_ and spaces_' records
  DestinationActivity activity_;
  std::atomic<unsigned long> ops_seen_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace harness
