// RunMarker: the file `harness-run.json` that says "a harness run lives
// here". RunDir creates it before anything else and holds an exclusive
// flock on it for the run's whole life, so `harness gc` calls a run dead
// only when it can take that lock itself -- never by a pid, which the
// kernel reuses. The marker also records, exactly, what the run holds
// outside its directory: each loop device with the device and inode of
// its backing file, each qemu with its pid and start time, its cgroup with
// the kernel's id of it, each device-mapper device with its uuid. gc undoes
// those and nothing else (no matching of paths or command lines).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/scoped_fd.h"

namespace harness {

inline constexpr const char* kRunMarkerName = "harness-run.json";

struct MarkedProcess {
  std::string what;  // "qemu"
  pid_t pid = 0;
  unsigned long long start_time = 0;  // /proc/PID/stat field 22, clock ticks since boot
};

struct MarkedLoopDevice {
  std::string device;  // "/dev/loop3"
  unsigned long long backing_dev = 0;
  unsigned long long backing_inode = 0;
};

// The cgroup every process of the run is in (base/cgroup.h).
struct MarkedCgroup {
  std::string path;  // its directory, "/sys/fs/cgroup/harness-812-1"
  unsigned long long id = 0;  // the kernel's id (its inode): never another's
};

struct MarkedDmDevice {
  std::string name;  // "harness-812-1"
  std::string uuid;  // what the kernel finds it by; unique to this run
};

struct MarkerContents {
  int pid = 0;  // for people reading it; gc decides by the lock
  std::string work;
  std::vector<MarkedProcess> processes;
  std::vector<MarkedLoopDevice> loop_devices;
  std::vector<MarkedCgroup> cgroups;
  std::vector<MarkedDmDevice> dm_devices;
};

std::string marker_json(const MarkerContents& m);
// What a marker says; nullopt for a torn or foreign file.
std::optional<MarkerContents> parse_marker(const std::string& text);

class RunMarker {
 public:
  // Creates the marker in `dirfd` (refusing an existing file or link) and
  // locks it. `shown` names the directory in messages. Throws
  // EnvironmentError.
  RunMarker(int dirfd, std::filesystem::path shown, MarkerContents initial);
  ~RunMarker();  // removes the marker, then lets go of the lock
  RunMarker(const RunMarker&) = delete;
  RunMarker& operator=(const RunMarker&) = delete;

  // Adds a resource and rewrites the marker (atomically, and locked before
  // it replaces the old one, so the run never looks dead meanwhile).
  // Thread-safe. Throws EnvironmentError if it cannot be written.
  void add(const MarkedProcess& p);
  void add(const MarkedLoopDevice& d);
  void add(const MarkedCgroup& c);
  void add(const MarkedDmDevice& d);

 private:
  void rewrite();
  int dirfd_;
  std::filesystem::path shown_;
  std::mutex mu_;
  MarkerContents contents_;
  ScopedFd fd_;  // the current marker, locked
};

// For gc: the marker of run folder `dirfd`, and whether its run is alive.
struct MarkerCheck {
  enum class State { absent, alive, dead } state = State::absent;
  ScopedFd fd;  // dead: the marker, locked by us (the run stays ours while held)
};
// Opens the marker (a regular file, never through a link) and tries to
// take its lock without waiting: taken means nobody runs there any more.
MarkerCheck check_run_marker(int dirfd);

}  // namespace harness
