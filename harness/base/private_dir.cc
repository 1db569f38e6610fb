#include "base/private_dir.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
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
