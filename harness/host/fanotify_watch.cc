#include "host/fanotify_watch.h"

#include <fcntl.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fmt/format.h>
#include <fstream>

#include "base/error.h"

namespace harness {

FanotifyWatch::FanotifyWatch() {
  int fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
  if (fd < 0)
    throw EnvironmentError(errno_message("fanotify_init failed", errno) +
                           "; write attribution needs root and a kernel with CONFIG_FANOTIFY");
  fd_ = ScopedFd(fd);
}

void FanotifyWatch::watch(const std::filesystem::path& file) {
  if (fanotify_mark(fd_.get(), FAN_MARK_ADD, FAN_MODIFY | FAN_CLOSE_WRITE, AT_FDCWD, file.c_str()) != 0)
    throw RuntimeError(errno_message(fmt::format("{}: cannot watch with fanotify", file.string()), errno));
}

std::string process_exe(pid_t pid) {
  std::error_code ec;
  auto p = std::filesystem::read_symlink(fmt::format("/proc/{}/exe", pid), ec);
  return ec ? std::string() : p.string();
}

std::vector<std::string> process_argv(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/cmdline", pid), std::ios::binary);
  std::vector<std::string> argv;
  for (std::string arg; std::getline(in, arg, '\0');) argv.push_back(arg);
  return argv;
}

std::vector<FileWriteEvent> FanotifyWatch::read_events() {
  std::vector<FileWriteEvent> out;
  alignas(fanotify_event_metadata) char buf[8192];
  while (true) {
    ssize_t len = ::read(fd_.get(), buf, sizeof buf);
    if (len <= 0) break;  // EAGAIN: nothing queued
    auto* md = reinterpret_cast<fanotify_event_metadata*>(buf);
    for (; FAN_EVENT_OK(md, len); md = FAN_EVENT_NEXT(md, len)) {
      if (md->vers != FANOTIFY_METADATA_VERSION) break;
      ScopedFd efd(md->fd);
      if (md->mask & FAN_Q_OVERFLOW) continue;
      FileWriteEvent e;
      e.pid = md->pid;
      e.modify = md->mask & FAN_MODIFY;
      e.close_write = md->mask & FAN_CLOSE_WRITE;
      struct stat st {};
      if (efd.is_open() && fstat(efd.get(), &st) == 0) {
        e.dev = st.st_dev;
        e.inode = st.st_ino;
        e.size = st.st_size;
      }
      out.push_back(std::move(e));
    }
  }
  return out;
}

}  // namespace harness
