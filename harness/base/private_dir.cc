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

namespace {

std::optional<uid_t> sudo_uid() {
  if (const char* s = std::getenv("SUDO_UID"); s && *s && geteuid() == 0) {
    char* end = nullptr;
    unsigned long v = std::strtoul(s, &end, 10);
    if (end && *end == '\0') return static_cast<uid_t>(v);
  }
  return std::nullopt;
}

// `dir` absolute, without "." or ".." (lexically: no link is followed, so
// that is what they mean) and without a trailing slash.
fs::path normal_absolute(const fs::path& dir) {
  fs::path p = fs::absolute(dir).lexically_normal();
  if (p.filename().empty() && p.has_parent_path() && p != p.root_path()) p = p.parent_path();
  return p;
}

// How far the walk got: the parent's descriptor, or why a folder on the
// way is not to be trusted (no descriptor then), or neither when a folder
// is missing and the walk was not to make it.
struct Walk {
  ScopedFd parent;
  std::optional<std::string> untrusted;
};

Walk walk_to_parent(const fs::path& abs, bool create) {
  const std::optional<uid_t> sudo = sudo_uid();
  fs::path shown = "/";
  ScopedFd at(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!at.is_open()) throw EnvironmentError(errno_message("/: cannot open", errno));
  auto check = [&]() -> std::optional<std::string> {
    struct stat st {};
    if (fstat(at.get(), &st) != 0) throw EnvironmentError(errno_message(shown.string() + ": cannot stat", errno));
    if (!S_ISDIR(st.st_mode)) throw EnvironmentError(shown.string() + ": not a directory");
    if (auto why = why_others_could_rename_in(st, sudo)) return fmt::format("{}: {}", shown.string(), *why);
    return std::nullopt;
  };
  if (auto why = check()) return {ScopedFd(), why};
  const fs::path parent = abs.parent_path();
  for (const auto& part : parent.relative_path()) {
    const std::string name = part.string();
    shown /= part;
    // O_PATH: no read permission needed to pass through a folder;
    // O_NOFOLLOW with O_DIRECTORY: a link is refused (ENOTDIR or ELOOP).
    ScopedFd next(openat(at.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.is_open() && errno == ENOENT) {
      if (!create) return {};  // we would make the rest
      if (mkdirat(at.get(), name.c_str(), 0755) == 0) {
        // Ours, beneath a folder only trusted users rename in: what we
        // open is what we made. 0755 whatever the umask.
        next = ScopedFd(openat(at.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (next.is_open() && fchmod(next.get(), 0755) != 0)
          throw EnvironmentError(errno_message(shown.string() + ": cannot chmod", errno));
      } else if (errno == EEXIST) {
        next = ScopedFd(openat(at.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      } else {
        throw EnvironmentError(errno_message(shown.string() + ": cannot create", errno));
      }
    }
    if (!next.is_open()) {
      const int err = errno;
      struct stat lst {};
      if (fstatat(at.get(), name.c_str(), &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(lst.st_mode))
        return {ScopedFd(), fmt::format("{}: a symbolic link (owned by uid {}), which could be pointed elsewhere "
                                        "at any moment; name the folder it points to",
                                        shown.string(), lst.st_uid)};
      throw EnvironmentError(errno_message(shown.string() + ": cannot open", err));
    }
    at = std::move(next);
    if (auto why = check()) return {ScopedFd(), why};
  }
  return {std::move(at), std::nullopt};
}

}  // namespace

std::optional<std::string> why_entry_could_change(const struct stat& d, const struct stat& e) {
  const std::optional<uid_t> sudo = sudo_uid();
  auto trusted = [&](uid_t uid) { return uid == 0 || uid == geteuid() || (sudo && uid == *sudo); };
  if (auto why = why_others_could_rename_in(d, sudo)) return fmt::format("its folder is {}", *why);
  if ((d.st_mode & (S_IWGRP | S_IWOTH)) && !trusted(e.st_uid))
    return fmt::format("owned by uid {} in a folder others may write to, so they could rename it", e.st_uid);
  return std::nullopt;
}

std::optional<std::string> why_path_could_change(const fs::path& path) {
  fs::path pending = path.lexically_normal();
  if (!pending.is_absolute()) return fmt::format("{}: not an absolute path", path.string());
  for (int hops = 0; hops <= 40; ++hops) {
    fs::path dir = "/";
    bool restarted = false;
    for (auto it = std::next(pending.begin()); it != pending.end() && !restarted; ++it) {
      if (it->empty()) continue;  // a trailing slash
      struct stat d {}, e {};
      if (::lstat(dir.c_str(), &d) != 0) return errno_message(dir.string() + ": cannot stat", errno);
      const fs::path cur = dir / *it;
      if (::lstat(cur.c_str(), &e) != 0) return errno_message(cur.string(), errno);
      if (auto why = why_entry_could_change(d, e)) return fmt::format("{}: {}", cur.string(), *why);
      if (S_ISLNK(e.st_mode)) {
        std::error_code ec;
        const fs::path target = fs::read_symlink(cur, ec);
        if (ec) return fmt::format("{}: cannot read the link: {}", cur.string(), ec.message());
        fs::path rest;
        for (auto r = std::next(it); r != pending.end(); ++r) rest /= *r;
        const fs::path to = target.is_absolute() ? target : dir / target;
        pending = (rest.empty() ? to : to / rest).lexically_normal();
        restarted = true;
      } else {
        dir = cur;
      }
    }
    if (!restarted) return std::nullopt;
  }
  return fmt::format("{}: too many levels of symbolic links", path.string());
}

std::optional<std::string> untrusted_parent(const fs::path& dir) {
  return walk_to_parent(normal_absolute(dir), /*create=*/false).untrusted;
}

ScopedFd open_trusted_parent(const fs::path& dir, const std::string& role) {
  fs::path abs = normal_absolute(dir);
  Walk w = walk_to_parent(abs, /*create=*/true);
  if (w.untrusted)
    throw EnvironmentError(fmt::format("{}: {} must lie in folders only root (or you, through sudo) can rename "
                                       "things in; {}: pick another place",
                                       abs.string(), role, *w.untrusted));
  return std::move(w.parent);
}

ScopedFd ensure_private_dir(const fs::path& dir, const std::string& role) {
  fs::path abs = normal_absolute(dir);
  ScopedFd parent = open_trusted_parent(abs, role);
  const std::string leaf = abs.filename().string();
  if (leaf.empty()) throw EnvironmentError(fmt::format("{}: cannot be {}", abs.string(), role));
  if (mkdirat(parent.get(), leaf.c_str(), 0700) != 0 && errno != EEXIST)
    throw EnvironmentError(errno_message(fmt::format("{}: cannot create {}", abs.string(), role), errno));
  ScopedFd fd(openat(parent.get(), leaf.c_str(), O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.is_open()) {
    const int err = errno;  // before fmt::format may change it
    throw EnvironmentError(errno_message(fmt::format("{}: cannot open {}", abs.string(), role), err));
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) throw EnvironmentError(errno_message(abs.string() + ": cannot stat", errno));
  if (st.st_uid != geteuid())
    throw EnvironmentError(fmt::format("{}: {} is {}: what it holds would decide what we run; choose "
                                       "another folder",
                                       abs.string(), role, *why_not_ours_alone(st)));
  if ((st.st_mode & 07777) != 0700 && fchmod(fd.get(), 0700) != 0)
    throw EnvironmentError(errno_message(abs.string() + ": cannot make " + role + " private", errno));
  return fd;
}

}  // namespace harness
