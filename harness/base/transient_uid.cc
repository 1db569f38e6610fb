#include "base/transient_uid.h"

#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <sys/random.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "base/error.h"
#include "base/procfs.h"

namespace harness {

bool uid_in_use(uid_t uid) {
  DIR* d = ::opendir("/proc");
  if (!d) throw RuntimeError(errno_message("/proc: cannot list", errno));
  bool used = false;
  while (struct dirent* e = ::readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    // "Uid:\t0\t0\t0\t0": real, effective, saved, filesystem.
    const std::string ids = process_status_field(static_cast<pid_t>(pid), "Uid");
    const char* p = ids.c_str();
    while (*p && !used) {
      char* next = nullptr;
      unsigned long v = std::strtoul(p, &next, 10);
      if (next == p) break;
      used = v == uid;
      p = next;
    }
    if (used) break;
  }
  ::closedir(d);
  return used;
}

bool delegated_subordinate_id(uid_t id, const char* file) {
  // "user:first:count" per line.
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    const size_t a = line.find(':'), b = line.find(':', a == std::string::npos ? a : a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    char* end = nullptr;
    const unsigned long long first = std::strtoull(line.c_str() + a + 1, &end, 10);
    const unsigned long long count = std::strtoull(line.c_str() + b + 1, &end, 10);
    if (id >= first && id - first < count) return true;
  }
  return false;
}

uid_t transient_uid() {
  for (int attempt = 0; attempt < 64; ++attempt) {
    uint32_t r = 0;
    if (::getrandom(&r, sizeof r, 0) != sizeof r) throw RuntimeError(errno_message("getrandom", errno));
    const uid_t uid = kFirstTransientUid + r % kTransientUidCount;
    if (::getpwuid(uid) || ::getgrgid(uid) || delegated_subordinate_id(uid, "/etc/subuid") ||
        delegated_subordinate_id(uid, "/etc/subgid") || uid_in_use(uid))
      continue;
    return uid;
  }
  throw RuntimeError("no free transient uid found (64 tries)");
}

}  // namespace harness
