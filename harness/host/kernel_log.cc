#include "host/kernel_log.h"

#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <fmt/format.h>

namespace harness {

std::optional<KmsgRecord> parse_kmsg_record(std::string_view raw) {
  size_t semi = raw.find(';');
  if (semi == std::string_view::npos) return std::nullopt;
  std::string head(raw.substr(0, semi));
  KmsgRecord r;
  unsigned long long prefix = 0;
  char flag = 0;
  if (std::sscanf(head.c_str(), "%llu,%llu,%llu,%c", &prefix, &r.seq, &r.usec, &flag) < 3) return std::nullopt;
  r.level = static_cast<int>(prefix & 7);
  std::string_view msg = raw.substr(semi + 1);
  size_t nl = msg.find('\n');
  r.message = std::string(msg.substr(0, nl));
  return r;
}

bool is_notable_kernel_message(const KmsgRecord& r) {
  if (r.level <= 4) return true;  // warning, err, crit, alert, emerg
  static const char* kPatterns[] = {"segfault", "traps:", "trap ", "general protection", "invalid opcode",
                                    "fatal signal", "EXT4-fs", "I/O error", "Buffer I/O", "blk_update_request",
                                    "SQUASHFS error", "Bus error"};
  for (const char* p : kPatterns)
    if (r.message.find(p) != std::string::npos) return true;
  return false;
}

static double clock_ms(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

KernelLogWatch::KernelLogWatch(MonoClock::time_point origin, std::function<void(const nlohmann::json&)> on_line,
                               size_t max_lines)
    : on_line_(std::move(on_line)), max_lines_(max_lines) {
  fd_ = ScopedFd(::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd_.is_open()) return;
  ok_ = true;
  ::lseek(fd_.get(), 0, SEEK_END);  // only what happens from now on
  // kmsg stamps are the kernel's local clock since boot, which on Linux
  // tracks CLOCK_MONOTONIC: the origin in that clock is "now" minus the
  // time already elapsed since `origin`.
  double since_origin = std::chrono::duration<double, std::milli>(MonoClock::now() - origin).count();
  origin_boot_ms_ = clock_ms(CLOCK_MONOTONIC) - since_origin;
  thread_ = std::thread([this] { loop(); });
}

KernelLogWatch::~KernelLogWatch() {
  stop();
}

void KernelLogWatch::stop() {
  if (stop_.exchange(true)) return;
  if (thread_.joinable()) thread_.join();
}

void KernelLogWatch::loop() {
  char buf[8192];
  for (;;) {
    bool stopping = stop_.load();
    ssize_t n = ::read(fd_.get(), buf, sizeof buf - 1);
    if (n < 0) {
      if (errno == EPIPE) continue;  // overwritten before we read it; skip ahead
      if (errno == EINTR) continue;
      if (errno != EAGAIN) return;
      if (stopping) return;  // drained
      pollfd p{fd_.get(), POLLIN, 0};
      ::poll(&p, 1, 50);
      continue;
    }
    if (n == 0) return;
    auto rec = parse_kmsg_record(std::string_view(buf, static_cast<size_t>(n)));
    if (!rec || !is_notable_kernel_message(*rec)) continue;
    if (kept_ >= max_lines_) {
      ++dropped_;
      continue;
    }
    ++kept_;
    double t = static_cast<double>(rec->usec) / 1000.0 - origin_boot_ms_;
    // t_ms on the run's clock; kernel_s as dmesg prints it (seconds since
    // that kernel booted: the guest's, in a VM).
    on_line_(nlohmann::json{{"t_ms", t}, {"kernel_s", static_cast<double>(rec->usec) / 1e6}, {"line", rec->message}});
  }
}

}  // namespace harness
