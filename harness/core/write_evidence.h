// WriteEvidence: what the kernel reported about writes to the images a
// run mounted — the cause the incident is about, observed directly rather
// than inferred from crashes. Each mounted image's inode is watched from
// just before it is mounted until just after it is unmounted (a Watch);
// every process that modified that inode, or closed it after opening it
// for writing, in that window is a Writer, with who it was and which
// processes started it. A backend fills this in; the verdict
// (no_write_while_mounted, image_unchanged) and the reports read it.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace harness {

// A process as the harness identified it. exe and argv are empty when the
// process had exited before they could be read.
struct ProcessInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  std::string exe;
  std::vector<std::string> argv;
  // The cgroup it was in when it was identified, as /proc/PID/cgroup names
  // it; empty when unknown. A `run` action's descendants are in its cgroup
  // however they left its process group, session or tree.
  std::string cgroup = {};
};

// One watched image, for its whole mounted life.
struct Watch {
  std::string path;          // the image, relative to the work directory
  std::string mountpoint;
  std::string loop_device;   // the loop device that serves it
  std::string mount_options;
  unsigned long long dev = 0, inode = 0;  // the inode the loop device serves
  double t_watch_ms = -1;    // the watch was in place from here (before the mount) ...
  double t_unwatch_ms = -1;  // ... to here (after the unmount); -1: never removed
  // The inode's modification time and size when it was watched and when
  // the watch ended: a second, independent kernel record of a write.
  long long mtime_ns_at_watch = -1, mtime_ns_at_unwatch = -1;
  long long size_at_watch = -1, size_at_unwatch = -1;
  bool modified_per_mtime() const {
    return mtime_ns_at_watch >= 0 && mtime_ns_at_unwatch >= 0 && mtime_ns_at_unwatch != mtime_ns_at_watch;
  }
};

struct Writer {
  ProcessInfo process;
  // Its parent, grandparent ... up to (not including) the harness, from the
  // kernel's fork events; the first of them the harness started is the
  // action the write came from.
  std::vector<ProcessInfo> ancestors;
  // How process and ancestors were learnt: "open" (read while the kernel
  // held the process at its open of the image), "exec" (read when it
  // executed its program), "write" (read when its first write event was
  // read; it may have exited), "none" (exited before anything was read).
  std::string identity_from;
  std::string path;              // the watched image it wrote
  double t_open_ms = -1;         // its open of the image, if seen (exact: held at the open)
  double t_first_ms = -1;        // its first write event, when the harness read it
  double t_last_ms = -1;
  unsigned long modify_events = 0;       // FAN_MODIFY: data written or size changed
  unsigned long close_write_events = 0;  // FAN_CLOSE_WRITE: a write-open of it was closed
  // It opened the image with truncation (O_TRUNC): the size fell right
  // after the kernel let its open through.
  bool truncated_at_open = false;
  // The image was shorter than at mount while it wrote: truncated, by it
  // or by the process whose descriptor it wrote through (see
  // mark_inherited_truncation()).
  bool truncated = false;
  long long min_size_seen = -1;
};

struct WriteEvidence {
  // Empty when evidence was gathered; otherwise why there is none (no
  // fanotify in this kernel, not root ...). No evidence cannot prove that
  // nothing wrote.
  std::string unavailable;
  // The kernel dropped events (queue overflow, lost process events): the
  // list of writers may be incomplete, so it cannot prove an absence.
  std::string incomplete;
  std::string method;       // how it was gathered, for the report
  std::string time_source;  // how write times were obtained
  std::vector<Watch> watches;
  std::vector<Writer> writers;

  // Writers of `path` inside its watch window (every writer is, by
  // construction: events are only read while the watch is in place).
  std::vector<const Writer*> writers_of(const std::string& path) const;
  const Watch* watch_of(const std::string& path) const;
  // Whether an absence of writers is proof that nothing wrote.
  bool can_prove_absence() const { return unavailable.empty() && incomplete.empty(); }
};

// `cat new > image`: the shell opens the image with O_TRUNC and cat
// writes through that descriptor. The kernel reports cat's write only when
// it is done (the size grown back), but cat wrote into the image its
// ancestor had just truncated: marks as truncated every writer whose
// ancestor truncated the same image at its open, before the writer's
// first write and while the ancestor still held it open.
void mark_inherited_truncation(std::vector<Writer>& writers);

nlohmann::json to_json(const ProcessInfo& p);
nlohmann::json to_json(const Watch& w);
nlohmann::json to_json(const Writer& w);
nlohmann::json to_json(const WriteEvidence& e);  // everything but the writers
ProcessInfo process_info_from_json(const nlohmann::json& j);
Watch watch_from_json(const nlohmann::json& j);
Writer writer_from_json(const nlohmann::json& j);
// `evidence` as to_json(WriteEvidence) made it, `writers` an array of to_json(Writer).
WriteEvidence write_evidence_from_json(const nlohmann::json& evidence, const nlohmann::json& writers);

}  // namespace harness
