#include "vm/log_drain.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fmt/format.h>
#include <string>

namespace harness {

namespace {

void write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;  // a log that cannot be written loses its tail, nothing more
    p += w;
    n -= static_cast<size_t>(w);
  }
}

}  // namespace

LogDrain::LogDrain(ScopedFd from, int to, size_t cap) : from_(std::move(from)), to_(to), cap_(cap) {
  fcntl(from_.get(), F_SETFL, fcntl(from_.get(), F_GETFL) | O_NONBLOCK);
  thread_ = std::thread([this] { run(); });
}

LogDrain::~LogDrain() { finish(); }

void LogDrain::run() {
  char chunk[65536];
  // Once stopped, what is already in the pipe is copied, and no more than
  // a few chunks of it: whoever still writes does not hold us.
  unsigned after_stop = 0;
  for (;;) {
    if (stop_ && ++after_stop > 64) return;
    pollfd pfd{from_.get(), POLLIN, 0};
    int r = ::poll(&pfd, 1, 100);
    if (r < 0 && errno != EINTR) return;
    if (r <= 0) {
      if (stop_) return;
      continue;
    }
    ssize_t n = ::read(from_.get(), chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
      if (stop_) return;
      continue;
    }
    if (n <= 0) return;  // the writer is gone
    size_t keep = static_cast<size_t>(std::min<unsigned long long>(static_cast<unsigned long long>(n), cap_ - kept_));
    write_all(to_, chunk, keep);
    kept_ += keep;
    dropped_ += static_cast<unsigned long long>(n) - keep;
  }
}

void LogDrain::finish() {
  if (finished_) return;
  finished_ = true;
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (dropped_ > 0) {
    std::string note = fmt::format("\n[harness: {} more bytes were not kept: this log holds at most {} bytes]\n",
                                   dropped_.load(), cap_);
    write_all(to_, note.data(), note.size());
  }
}

}  // namespace harness
