#include "host/writer_log.h"

#include <fmt/format.h>

#include <algorithm>

namespace harness {

namespace {

// Writers kept per run; a loop rewriting an image from a new process each
// time could otherwise grow without end. Past it the evidence says so.
constexpr size_t kMaxWriters = 10000;
// Programs remembered from exec events, machine-wide on the watched
// filesystems; past this, a writer that exited at once may go unnamed.
constexpr size_t kMaxPrograms = 200000;

}  // namespace

WriterLog::WriterLog(pid_t self, ProcessLookup& procs) : self_(self), procs_(procs) {}

void WriterLog::watch(const WatchedInode& image) { images_.push_back(image); }

const WatchedInode* WriterLog::image_of(dev_t dev, ino_t inode) const {
  for (const auto& img : images_)
    if (img.inode == static_cast<unsigned long long>(inode) && img.dev == static_cast<unsigned long long>(dev))
      return &img;
  return nullptr;
}

void WriterLog::on_event(const FileEvent& e, double now) {
  if (e.overflow) {
    incomplete_ = "the kernel's fanotify queue overflowed and dropped events";
    return;
  }
  if (e.exec) {
    // The program, not its #! interpreter or ELF loader, which come after.
    if (programs_.size() < kMaxPrograms && !programs_.count(e.pid)) programs_[e.pid] = e.path;
    return;
  }
  const WatchedInode* img = image_of(e.dev, e.inode);
  if (!img) return;
  if (e.open) {
    // The harness's own opens (digests, its fault actions) need no lookup.
    if (e.pid == self_ || openers_.count(e.pid)) return;
    Opener o;
    o.process = procs_.info(e.pid);
    o.ancestors = procs_.ancestors(e.pid);
    o.t_ms = now;
    openers_[e.pid] = std::move(o);
    fresh_.push_back(FreshOpener{e.pid, *img, e.size});
    return;
  }
  if (!e.modify && !e.close_write) return;
  auto key = std::make_pair(e.pid, static_cast<unsigned long long>(e.inode));
  auto it = writers_.find(key);
  if (it == writers_.end()) {
    if (writers_.size() >= kMaxWriters) {
      incomplete_ = fmt::format("more than {} writers; the rest were not recorded", kMaxWriters);
      return;
    }
    // Once per writer: a loop rewriting the image yields thousands of
    // events from the same process.
    Writer w;
    w.path = img->path;
    w.t_first_ms = now;
    auto op = openers_.find(e.pid);
    if (e.pid == self_) {
      w.process = ProcessInfo{self_, 0, "", {}};
      w.identity_from = "open";
    } else if (op != openers_.end() && !procs_.executed(e.pid)) {
      // The kernel held it at its open: exact, whatever happened since.
      w.process = op->second.process;
      w.ancestors = op->second.ancestors;
      w.identity_from = "open";
    } else {
      w.process = procs_.info(e.pid);
      w.ancestors = procs_.ancestors(e.pid);
      w.identity_from = procs_.executed(e.pid) ? "exec" : (w.process.exe.empty() ? "none" : "write");
    }
    if (op != openers_.end()) {
      w.t_open_ms = op->second.t_ms;
      w.truncated = w.truncated_at_open = op->second.truncated;
    }
    complete(w.process);
    for (auto& a : w.ancestors) complete(a);
    it = writers_.emplace(key, std::move(w)).first;
  }
  Writer& w = it->second;
  w.t_last_ms = now;
  if (e.modify) ++w.modify_events;
  if (e.close_write) ++w.close_write_events;
  if (e.size >= 0 && (w.min_size_seen < 0 || e.size < w.min_size_seen)) w.min_size_seen = e.size;
  if (e.size >= 0 && (e.size == 0 || e.size < img->size_at_watch)) w.truncated = true;
}

std::vector<WriterLog::FreshOpener> WriterLog::take_fresh_openers() {
  std::vector<FreshOpener> out;
  out.swap(fresh_);
  return out;
}

void WriterLog::opener_truncated(pid_t pid) {
  auto it = openers_.find(pid);
  if (it == openers_.end()) return;
  it->second.truncated = true;
  // A writer already recorded from this opener learns it too.
  for (auto& [key, w] : writers_)
    if (key.first == pid) w.truncated = w.truncated_at_open = true;
}

void WriterLog::complete(ProcessInfo& p) const {
  if (!p.exe.empty()) return;
  if (auto it = programs_.find(p.pid); it != programs_.end()) p.exe = it->second;
}

// A child the harness forked (a workload exec, a run action) inherits the
// descriptor of a write action running at that moment in another thread,
// and closes it at exec: a close-after-write with no write and no open of
// its own. Any open or modification by it still counts. Without reported
// opens, only one still running the harness's own program (not yet
// executed) can be such a child.
bool WriterLog::inherited_close(const Writer& w, bool opens_held) const {
  if (w.modify_events != 0 || w.process.ppid != self_) return false;
  if (opens_held) return w.t_open_ms < 0;
  return !procs_.executed(w.process.pid);
}

std::set<std::string> WriterLog::images_written(bool opens_held) const {
  std::set<std::string> out;
  for (const auto& [key, w] : writers_)
    if (!inherited_close(w, opens_held)) out.insert(w.path);
  return out;
}

std::vector<Writer> WriterLog::writers(const std::set<pid_t>& workload_pids, bool opens_held) const {
  std::vector<Writer> out;
  for (const auto& [key, w] : writers_) {
    if (inherited_close(w, opens_held) || (w.modify_events == 0 && workload_pids.count(w.process.pid))) continue;
    out.push_back(w);
  }
  // In the order they first touched the image: an opener (the shell doing
  // `>`) before the child that writes through its descriptor.
  auto first_seen = [](const Writer& w) { return w.t_open_ms >= 0 ? w.t_open_ms : w.t_first_ms; };
  std::sort(out.begin(), out.end(), [&](const Writer& a, const Writer& b) { return first_seen(a) < first_seen(b); });
  return out;
}

}  // namespace harness
