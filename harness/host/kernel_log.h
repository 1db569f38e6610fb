// KernelLog: the kernel's own account of a run — segfault lines, EXT4-fs
// errors, I/O errors — read from /dev/kmsg while the run is going. Each
// kept line carries its kernel timestamp converted to the run's clock, so
// a report can put "EXT4-fs error … bad extent" next to the exec that died.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "base/scoped_fd.h"
#include "base/clock.h"

namespace harness {

struct KmsgRecord {
  int level = 6;                // syslog level, 0 (emerg) .. 7 (debug)
  unsigned long long seq = 0;
  unsigned long long usec = 0;  // since boot, kernel clock
  std::string message;          // first line only
};

// "6,1234,5678901,-;message\n SUBSYSTEM=...". nullopt if malformed.
std::optional<KmsgRecord> parse_kmsg_record(std::string_view raw);
// Worth a report line: warnings and worse, plus the info-level crash
// reports (segfault, traps, fatal signals) and filesystem/block errors.
bool is_notable_kernel_message(const KmsgRecord& r);

// Reads /dev/kmsg on a thread from the moment of construction (older
// messages are skipped) until stop() or destruction. Calls on_line with
// {"t_ms": …, "line": …} for each notable message; t_ms is relative to
// `origin` on the monotonic clock. At most `max_lines` are reported, then
// one line saying how many more were dropped.
class KernelLogWatch {
 public:
  KernelLogWatch(MonoClock::time_point origin, std::function<void(const nlohmann::json&)> on_line,
                 size_t max_lines = 2000);
  ~KernelLogWatch();
  KernelLogWatch(const KernelLogWatch&) = delete;
  KernelLogWatch& operator=(const KernelLogWatch&) = delete;
  // Drains what is readable now, then stops the thread.
  void stop();
  bool ok() const { return ok_; }  // /dev/kmsg could be opened

 private:
  void loop();
  ScopedFd fd_;
  bool ok_ = false;
  double origin_boot_ms_ = 0;
  std::function<void(const nlohmann::json&)> on_line_;
  size_t max_lines_;
  size_t kept_ = 0, dropped_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace harness
