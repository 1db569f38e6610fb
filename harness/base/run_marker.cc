#include "base/run_marker.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/error.h"

namespace harness {

using nlohmann::json;

std::string marker_json(const MarkerContents& m) {
  json processes = json::array(), loops = json::array(), cgroups = json::array(), dms = json::array();
  for (const auto& p : m.processes)
    processes.push_back({{"what", p.what}, {"pid", p.pid}, {"start_time", p.start_time}});
  for (const auto& d : m.loop_devices)
    loops.push_back({{"device", d.device}, {"backing_dev", d.backing_dev}, {"backing_inode", d.backing_inode}});
  for (const auto& c : m.cgroups) cgroups.push_back({{"path", c.path}, {"id", c.id}});
  for (const auto& d : m.dm_devices) dms.push_back({{"name", d.name}, {"uuid", d.uuid}});
  return json{{"tool", "harness"}, {"pid", m.pid},          {"work", m.work},       {"processes", processes},
              {"loop_devices", loops}, {"cgroups", cgroups}, {"dm_devices", dms}}
             .dump() +
         "\n";
}

std::optional<MarkerContents> parse_marker(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || j.value("tool", "") != "harness") return std::nullopt;
  try {
    MarkerContents m;
    m.pid = j.value("pid", 0);
    m.work = j.value("work", "");
    for (const auto& p : j.value("processes", json::array()))
      m.processes.push_back(MarkedProcess{p.at("what").get<std::string>(), p.at("pid").get<pid_t>(),
                                          p.at("start_time").get<unsigned long long>()});
    for (const auto& d : j.value("loop_devices", json::array()))
      m.loop_devices.push_back(MarkedLoopDevice{d.at("device").get<std::string>(),
                                                d.at("backing_dev").get<unsigned long long>(),
                                                d.at("backing_inode").get<unsigned long long>()});
    for (const auto& c : j.value("cgroups", json::array()))
      m.cgroups.push_back(MarkedCgroup{c.at("path").get<std::string>(), c.at("id").get<unsigned long long>()});
    for (const auto& d : j.value("dm_devices", json::array()))
      m.dm_devices.push_back(MarkedDmDevice{d.at("name").get<std::string>(), d.at("uuid").get<std::string>()});
    return m;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

namespace {

void write_all(int fd, const std::string& s, const std::string& shown) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      throw EnvironmentError(errno_message(shown + ": cannot write", err) +
                             (err == ENOSPC ? "; free some space or use --out on another filesystem" : ""));
    }
    off += static_cast<size_t>(n);
  }
}

// A new, locked file in dirfd with `content`, made under the name `tmp` and
// then renamed to `name` (over it when `replace`, else only where there is
// none): `name` never shows an unlocked file, so a concurrent gc can never
// lock a live run's marker between its creation and its lock. Never through
// a link or over an existing `tmp`.
ScopedFd create_locked(int dirfd, const std::string& tmp, const std::string& name, bool replace,
                       const std::string& content, const std::filesystem::path& shown_dir) {
  std::string shown = (shown_dir / name).string();
  ScopedFd fd(openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd.is_open()) throw EnvironmentError(errno_message((shown_dir / tmp).string() + ": cannot create", errno));
  try {
    if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) throw EnvironmentError(errno_message(shown + ": cannot lock", errno));
    write_all(fd.get(), content, shown);
    if (fsync(fd.get()) != 0) throw EnvironmentError(errno_message(shown + ": cannot sync", errno));
    if (renameat2(dirfd, tmp.c_str(), dirfd, name.c_str(), replace ? 0 : RENAME_NOREPLACE) != 0)
      throw EnvironmentError(errno_message(shown + (replace ? ": cannot replace" : ": cannot create"), errno));
  } catch (...) {
    unlinkat(dirfd, tmp.c_str(), 0);
    throw;
  }
  return fd;
}

std::string temporary_name() { return fmt::format(".{}.tmp.{}", kRunMarkerName, getpid()); }

}  // namespace

RunMarker::RunMarker(int dirfd, std::filesystem::path shown, MarkerContents initial)
    : dirfd_(dirfd), shown_(std::move(shown)), contents_(std::move(initial)) {
  std::string tmp = temporary_name();
  unlinkat(dirfd_, tmp.c_str(), 0);  // a leftover of an earlier process with this pid
  fd_ = create_locked(dirfd_, tmp, kRunMarkerName, false, marker_json(contents_), shown_);
}

RunMarker::~RunMarker() {
  // Unlinked while still locked: gc never sees it unlocked.
  unlinkat(dirfd_, kRunMarkerName, 0);
}

void RunMarker::add(const MarkedProcess& p) {
  std::lock_guard<std::mutex> l(mu_);
  contents_.processes.push_back(p);
  rewrite();
}

void RunMarker::add(const MarkedLoopDevice& d) {
  std::lock_guard<std::mutex> l(mu_);
  contents_.loop_devices.push_back(d);
  rewrite();
}

void RunMarker::add(const MarkedCgroup& c) {
  std::lock_guard<std::mutex> l(mu_);
  contents_.cgroups.push_back(c);
  rewrite();
}

void RunMarker::add(const MarkedDmDevice& d) {
  std::lock_guard<std::mutex> l(mu_);
  contents_.dm_devices.push_back(d);
  rewrite();
}

void RunMarker::rewrite() {
  // The new marker is locked before it replaces the old one, and the old
  // one's lock is let go only after: at every moment the name is locked.
  std::string tmp = temporary_name();
  unlinkat(dirfd_, tmp.c_str(), 0);  // a leftover of a rewrite that failed
  fd_ = create_locked(dirfd_, tmp, kRunMarkerName, true, marker_json(contents_), shown_);
}

MarkerCheck check_run_marker(int dirfd) {
  MarkerCheck c;
  ScopedFd fd(openat(dirfd, kRunMarkerName, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  struct stat st {};
  if (!fd.is_open() || fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return c;
  if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    c.state = MarkerCheck::State::alive;
    return c;
  }
  // The lock may have been let go because a rewrite replaced the file we
  // opened: only the marker the name still points to counts.
  struct stat now {};
  if (fstatat(dirfd, kRunMarkerName, &now, AT_SYMLINK_NOFOLLOW) != 0 || now.st_dev != st.st_dev ||
      now.st_ino != st.st_ino) {
    c.state = MarkerCheck::State::alive;
    return c;
  }
  c.state = MarkerCheck::State::dead;
  c.fd = std::move(fd);
  return c;
}

}  // namespace harness
