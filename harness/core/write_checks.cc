#include "core/write_checks.h"

#include <fmt/format.h>

#include <set>

#include "core/writer_origin.h"

namespace harness {

namespace {

std::string ms_text(double ms) {
  return ms < 1000 ? fmt::format("{:.0f} ms", ms) : fmt::format("{:.2f} s", ms / 1000);
}

// The writers of one image, each named with where it came from and when.
std::string writers_text(const std::vector<const Writer*>& ws, const RunRecord& r) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < ws.size() && i < 3; ++i) {
    const Writer& w = *ws[i];
    double t = w.t_open_ms >= 0 ? w.t_open_ms : w.t_first_ms;
    parts.push_back(fmt::format("{} at {}{}", describe_writer(w, r), ms_text(t),
                                w.truncated_at_open ? " (opened it with truncation)" : ""));
  }
  std::string more = ws.size() > 3 ? fmt::format("; and {} more writers", ws.size() - 3) : "";
  return fmt::format("{}{}", fmt::join(parts, "; "), more);
}

}  // namespace

// Fails on any write the kernel reported while `path` was mounted; can
// hold only if the evidence could have shown one.
void no_write_while_mounted(const std::string& path, const RunRecord& r, ExpectationResult& res) {
  res.basis = EvidenceBasis::invariant;
  const WriteEvidence& ev = r.writes;
  auto ws = ev.writers_of(path);
  const Watch* watch = ev.watch_of(path);
  res.observed = ws.size();
  if (!ws.empty()) {
    std::string where = watch ? fmt::format(" while it was mounted on {} ({})", watch->loop_device, watch->mountpoint)
                              : std::string(" while it was mounted");
    res.detail = fmt::format("{} process{} wrote {}{}: {}", ws.size(), ws.size() == 1 ? "" : "es", path, where,
                             writers_text(ws, r));
    return;
  }
  if (watch && watch->modified_per_mtime() && ("," + watch->mount_options + ",").find(",ro,") != std::string::npos) {
    res.observed = 1;
    res.detail = fmt::format("{}'s modification time changed while it was mounted read-only, though no writer was "
                             "reported",
                             path);
    return;
  }
  if (!ev.unavailable.empty()) {
    res.state = Judgement::undecided;
    res.detail = "no write evidence: " + ev.unavailable;
  } else if (!ev.incomplete.empty()) {
    res.state = Judgement::undecided;
    res.detail = "the write evidence is incomplete (" + ev.incomplete + "), so it cannot show that nothing wrote";
  } else if (!watch) {
    res.state = Judgement::undecided;
    res.detail = fmt::format("{} was never watched (the run did not get as far as mounting it)", path);
  } else {
    res.state = Judgement::held;
    res.detail = fmt::format("no process wrote {} while it was mounted on {} ({:.1f} s watched by fanotify)", path,
                             watch->loop_device, (watch->t_unwatch_ms - watch->t_watch_ms) / 1000);
  }
}

// Same digest and inode in every snapshot of `path`, and no write to it
// while it was mounted (an identical-bytes rewrite in place is a change:
// it is what the incident did).
void image_unchanged(const std::string& path, const RunRecord& r, ExpectationResult& res) {
  ExpectationResult writes;
  no_write_while_mounted(path, r, writes);
  res.basis = EvidenceBasis::invariant;
  std::set<std::string> states;
  std::string first, last;
  unsigned long snapshots = 0;
  for (const auto& s : r.images_evidence) {
    if (s.value("path", "") != path) continue;
    ++snapshots;
    std::string state = fmt::format("sha256:{} inode {}", s.value("sha256", "?"),
                                    s.contains("inode") ? s.at("inode").dump() : std::string("missing"));
    if (first.empty()) first = state;
    last = state;
    states.insert(state);
  }
  res.observed = states.size();
  std::string snaps = fmt::format("{} snapshots, {} distinct", snapshots, states.size());
  if (states.size() > 1) {
    res.detail = fmt::format("{}: first {}, last {}", snaps, first, last);
  } else if (writes.state == Judgement::failed) {
    res.detail = fmt::format("{} (same bytes), but {}", snaps, writes.detail);
  } else if (snapshots < 2) {
    res.state = Judgement::undecided;
    res.detail = fmt::format("only {} snapshots of {}", snapshots, path);
  } else if (writes.state == Judgement::undecided) {
    res.state = Judgement::undecided;
    res.detail = fmt::format("{}; {}", snaps, writes.detail);
  } else {
    res.state = Judgement::held;
    res.detail = fmt::format("{}; {}", snaps, writes.detail);
  }
}

}  // namespace harness
