#include "base/private_dir.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>

#include "base/error.h"
#include "base/scoped_fd.h"

namespace harness {

namespace fs = std::filesystem;

std::optional<std::string> why_not_ours_alone(const struct stat& st) {
  if (st.st_uid != geteuid()) return fmt::format("owned by uid {}, not by us (uid {})", st.st_uid, geteuid());
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return fmt::format("writable by its group or by others (mode {:o})", st.st_mode & 07777);
  return std::nullopt;
}

std::optional<std::string> why_others_could_rename_in(const struct stat& st, std::optional<uid_t> sudo_uid) {
  const bool trusted_owner = st.st_uid == 0 || st.st_uid == geteuid() || (sudo_uid && st.st_uid == *sudo_uid);
  if (!trusted_owner) return fmt::format("owned by uid {}, who could rename what is in it", st.st_uid);
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
    return fmt::format("writable by its group or by others without the sticky bit (mode {:o})", st.st_mode & 07777);
  return std::nullopt;
}

std::optional<std::string> untrusted_parent(const fs::path& dir) {
  std::optional<uid_t> sudo_uid;
  if (const char* s = std::getenv("SUDO_UID"); s && *s && geteuid() == 0) {
    char* end = nullptr;
    unsigned long v = std::strtoul(s, &end, 10);
    if (end && *end == '\0') sudo_uid = static_cast<uid_t>(v);
  }
  fs::path at;
  for (const auto& part : fs::absolute(dir).lexically_normal().parent_path()) {
    at /= part;
    struct stat st {};
    if (::stat(at.c_str(), &st) != 0) break;  // made by us from here on
    if (auto why = why_others_could_rename_in(st, sudo_uid)) return fmt::format("{}: {}", at.string(), *why);
  }
  return std::nullopt;
}

void ensure_private_dir(const fs::path& dir, const std::string& role) {
  std::error_code ec;
  if (dir.has_parent_path()) fs::create_directories(dir.parent_path(), ec);
  if (ec || (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST))
    throw EnvironmentError(fmt::format("{}: cannot create {}: {}", dir.string(), role,
                                       ec ? ec.message() : std::strerror(errno)));
  ScopedFd fd(::open(dir.c_str(), O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.is_open()) {
    const int err = errno;  // before fmt::format may change it
    throw EnvironmentError(errno_message(fmt::format("{}: cannot open {}", dir.string(), role), err));
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) throw EnvironmentError(errno_message(dir.string() + ": cannot stat", errno));
  if (st.st_uid != geteuid())
    throw EnvironmentError(fmt::format("{}: {} is {}: what it holds would decide what we run; choose "
                                       "another folder",
                                       dir.string(), role, *why_not_ours_alone(st)));
  if ((st.st_mode & 07777) != 0700 && fchmod(fd.get(), 0700) != 0)
    throw EnvironmentError(errno_message(dir.string() + ": cannot make " + role + " private", errno));
}

}  // namespace harness
