#include "base/system_info.h"

#include <sys/utsname.h>

#include <chrono>
#include <ctime>

namespace harness {

std::string kernel_release() {
  utsname u{};
  uname(&u);
  return u.release;
}

std::string iso8601_utc_now() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}


}  // namespace harness
