#include "host/fanotify_watch.h"

#include <fcntl.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fmt/format.h>
#include <set>

#include "base/error.h"

namespace harness {

namespace {

constexpr unsigned kInitFlags = FAN_CLOEXEC | FAN_NONBLOCK | FAN_UNLIMITED_QUEUE;
constexpr unsigned kEventFlags = O_RDONLY | O_LARGEFILE | O_CLOEXEC;

void allow(int group, int event_fd) {
  fanotify_response r{};
  r.fd = event_fd;
  r.response = FAN_ALLOW;
  // Retried on EINTR: an unanswered permission event would hold the opener
  // until the group is closed.
  while (::write(group, &r, sizeof r) < 0 && errno == EINTR) {
  }
}

}  // namespace

FanotifyWatch::FanotifyWatch() {
  int fd = fanotify_init(FAN_CLASS_CONTENT | kInitFlags, kEventFlags);
  if (fd >= 0) {
    holds_opens_ = true;
  } else {
    // A kernel without permission events: notifications still name writers.
    fd = fanotify_init(FAN_CLASS_NOTIF | kInitFlags, kEventFlags);
  }
  if (fd < 0)
    throw EnvironmentError(errno_message("fanotify_init failed", errno) +
                           "; write evidence needs root and a kernel with CONFIG_FANOTIFY");
  fd_ = ScopedFd(fd);
}

void FanotifyWatch::watch(int file_fd, const std::string& what) {
  uint64_t mask = FAN_MODIFY | FAN_CLOSE_WRITE | (holds_opens_ ? FAN_OPEN_PERM : 0);
  if (fanotify_mark(fd_.get(), FAN_MARK_ADD, mask, file_fd, nullptr) != 0)
    throw RuntimeError(errno_message(fmt::format("{}: cannot watch with fanotify", what), errno));
}

void FanotifyWatch::unwatch(int file_fd) {
  if (!fd_.is_open()) return;
  uint64_t mask = FAN_MODIFY | FAN_CLOSE_WRITE | (holds_opens_ ? FAN_OPEN_PERM : 0);
  fanotify_mark(fd_.get(), FAN_MARK_REMOVE, mask, file_fd, nullptr);
}

std::string FanotifyWatch::watch_execs(const std::vector<std::string>& paths) {
  std::set<dev_t> marked;
  std::vector<std::string> failed;
  for (const auto& p : paths) {
    struct stat st {};
    if (p.empty() || ::stat(p.c_str(), &st) != 0 || !marked.insert(st.st_dev).second) continue;
    if (fanotify_mark(fd_.get(), FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN_EXEC, AT_FDCWD, p.c_str()) != 0)
      failed.push_back(errno_message(p, errno));
  }
  return fmt::format("{}", fmt::join(failed, "; "));
}

void FanotifyWatch::read_events(const std::function<void(const FileEvent&)>& handler) {
  if (!fd_.is_open()) return;
  alignas(fanotify_event_metadata) char buf[8192];
  while (true) {
    ssize_t len = ::read(fd_.get(), buf, sizeof buf);
    if (len <= 0) break;  // EAGAIN: nothing queued
    auto* md = reinterpret_cast<fanotify_event_metadata*>(buf);
    for (; FAN_EVENT_OK(md, len); md = FAN_EVENT_NEXT(md, len)) {
      if (md->vers != FANOTIFY_METADATA_VERSION) break;
      ScopedFd efd(md->fd >= 0 ? md->fd : -1);
      FileEvent e;
      e.pid = md->pid;
      e.overflow = md->mask & FAN_Q_OVERFLOW;
      e.open = md->mask & FAN_OPEN_PERM;
      e.modify = md->mask & FAN_MODIFY;
      e.close_write = md->mask & FAN_CLOSE_WRITE;
      e.exec = md->mask & FAN_OPEN_EXEC;
      if (e.exec && efd.is_open()) {
        std::error_code ec;
        e.path = std::filesystem::read_symlink(fmt::format("/proc/self/fd/{}", efd.get()), ec).string();
      }
      struct stat st {};
      if (efd.is_open() && fstat(efd.get(), &st) == 0) {
        e.dev = st.st_dev;
        e.inode = st.st_ino;
        e.size = st.st_size;
      }
      try {
        handler(e);
      } catch (...) {
        if (e.open && efd.is_open()) allow(fd_.get(), efd.get());
        throw;
      }
      if (e.open && efd.is_open()) allow(fd_.get(), efd.get());
    }
  }
}

}  // namespace harness
