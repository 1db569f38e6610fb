#include "base/run_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <chrono>
#include <ctime>
#include <fmt/format.h>

#include "base/atomic_write.h"
#include "base/child.h"
#include "base/procfs.h"
#include "base/error.h"
#include "base/private_dir.h"
#include "base/system_info.h"

namespace harness {

namespace fs = std::filesystem;

static int openat2_beneath(int dirfd, const std::string& rel, int flags, mode_t mode, unsigned long long resolve = 0) {
  struct open_how how {};
  how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | resolve;
  return static_cast<int>(syscall(SYS_openat2, dirfd, rel.c_str(), &how, sizeof how));
}

static std::string escape_hint(int err, bool same_filesystem) {
  if (err == EXDEV && same_filesystem) return " (it lies on another mounted filesystem, such as an image mounted by the run)";
  if (err == EXDEV) return " (the path escapes the run directory)";
  if (err == ELOOP) return " (a symlink in the path was refused)";
  return "";
}

// The run folder is ours alone: in a shared parent such as /tmp, a folder
// that another user made or may write to lets them swap what the run
// writes for a symlink.
static void check_ours_alone(const struct stat& st, const fs::path& dir) {
  if (auto why = why_not_ours_alone(st))
    throw EnvironmentError(fmt::format("{}: the run directory is {}; a run never writes where someone else "
                                       "could swap its files: pick a new --out",
                                       dir.string(), *why));
}

static bool is_empty_dir(int dirfd) {
  int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  DIR* d = fd < 0 ? nullptr : fdopendir(fd);
  if (!d) {
    if (fd >= 0) close(fd);
    return false;
  }
  bool empty = true;
  while (dirent* e = readdir(d))
    if (std::string_view(e->d_name) != "." && std::string_view(e->d_name) != "..") empty = false;
  closedir(d);
  return empty;
}

RunDir::RunDir(fs::path dir) : dir_(fs::absolute(dir).lexically_normal()), work_(dir_ / "work") {
  // Root mounts and unmounts by path beneath the run folder: no one else
  // may be able to move it (or a folder above it) and leave a link. The
  // walk from / checks each folder on its descriptor and follows no link;
  // everything after it happens beneath the descriptors it yields.
  ScopedFd parent = open_trusted_parent(dir_, "a run directory");
  const std::string leaf = dir_.filename().string();
  bool created = mkdirat(parent.get(), leaf.c_str(), 0755) == 0;
  if (!created && errno != EEXIST)
    throw EnvironmentError(errno_message(dir_.string() + ": cannot create the run directory", errno) +
                           "; choose another place with --out");
  // Never through a symlink; then every check is on what we hold open.
  dir_fd_ = ScopedFd(openat(parent.get(), leaf.c_str(), O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir_fd_.is_open()) throw EnvironmentError(errno_message(dir_.string() + ": cannot open", errno));
  struct stat st {};
  if (fstat(dir_fd_.get(), &st) != 0) throw EnvironmentError(errno_message(dir_.string() + ": cannot stat", errno));
  if (created && fchmod(dir_fd_.get(), 0755) != 0)  // whatever the umask
    throw EnvironmentError(errno_message(dir_.string() + ": cannot chmod", errno));
  if (!created) check_ours_alone(st, dir_);
  if (!is_empty_dir(dir_fd_.get()))
    throw EnvironmentError(fmt::format("{}: the run directory is not empty; runs never reuse a "
                                       "directory, pick a new --out",
                                       dir_.string()));
  // The marker first: a run killed at any later point has one, so gc
  // recognises whatever it left (an unmarked work/ would be nobody's).
  MarkerContents initial;
  initial.pid = getpid();
  initial.work = work_.string();
  marker_.emplace(dir_fd_.get(), dir_, std::move(initial));
  auto fail = [&](const std::string& what) {
    int err = errno;
    unlinkat(dir_fd_.get(), "work", AT_REMOVEDIR);
    marker_.reset();
    throw EnvironmentError(errno_message(work_.string() + ": " + what, err) +
                           (err == ENOSPC ? "; free some space or use --out on another filesystem" : ""));
  };
  if (mkdirat(dir_fd_.get(), "work", 0755) != 0) fail("cannot create");
  work_fd_ = ScopedFd(openat(dir_fd_.get(), "work", O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!work_fd_.is_open()) fail("cannot open");
}

RunDir::~RunDir() {
  remove_work();
  marker_.reset();  // removed, then unlocked
}

void RunDir::record_process(const std::string& what, pid_t pid) {
  auto st = process_stat(pid);
  if (!st) return;  // already gone: nothing to undo
  marker_->add(MarkedProcess{what, pid, st->start_time});
}

void RunDir::record_loop_device(const std::string& device, dev_t backing_dev, ino_t backing_inode) {
  marker_->add(MarkedLoopDevice{device, static_cast<unsigned long long>(backing_dev),
                                static_cast<unsigned long long>(backing_inode)});
}

void RunDir::record_cgroup(const fs::path& dir, unsigned long long id) {
  marker_->add(MarkedCgroup{dir.string(), id});
}

void RunDir::record_dm_device(const std::string& name, const std::string& uuid) {
  marker_->add(MarkedDmDevice{name, uuid});
}

void RunDir::remove_work() noexcept {
  if (keep_work_ || work_removed_) return;
  try {
    // Beneath the run folder's descriptor: whatever became of its path.
    remove_tree_one_fs_at(dir_fd_.get(), "work");
    work_removed_ = true;
  } catch (...) {
    // Must not throw (the destructor calls it); a leftover work/ is
    // visible to gc.
  }
}

ScopedFd RunDir::open(const std::string& rel, int flags, mode_t mode) const {
  int fd = openat2_beneath(work_fd_.get(), rel, flags, mode);
  if (fd < 0) {
    int err = errno;
    throw SystemError(errno_message(fmt::format("{}: cannot open", rel), err) + escape_hint(err, false), err);
  }
  return ScopedFd(fd);
}

ScopedFd RunDir::open_in_run_folder(const std::string& name, int flags, mode_t mode) const {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
    throw RuntimeError(fmt::format("{}: not a file name in the run folder", name));
  ScopedFd fd(openat(dir_fd_.get(), name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!fd.is_open()) throw EnvironmentError(errno_message((dir_ / name).string() + ": cannot open", errno));
  return fd;
}

std::string RunDir::read_capped(const std::string& name, size_t max_bytes) const {
  ScopedFd fd(openat(dir_fd_.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  return fd.is_open() ? read_fd_capped(fd.get(), max_bytes) : std::string();
}

ScopedFd RunDir::open_without_crossing_mounts(const std::string& rel, int flags) const {
  int fd = openat2_beneath(work_fd_.get(), rel, flags, 0, RESOLVE_NO_XDEV);
  if (fd < 0) {
    int err = errno;
    throw SystemError(errno_message(fmt::format("{}: cannot open", rel), err) + escape_hint(err, true), err);
  }
  return ScopedFd(fd);
}

ScopedFd RunDir::open_on_filesystem_of(int dirfd, const std::string& rel, int flags) {
  int fd = openat2_beneath(dirfd, rel, flags, 0, RESOLVE_NO_XDEV);
  if (fd < 0) {
    int err = errno;
    throw SystemError(errno_message(fmt::format("{}: cannot open", rel), err) + escape_hint(err, true), err);
  }
  return ScopedFd(fd);
}

ScopedFd RunDir::open_regular(const std::string& rel, int flags, mode_t mode) const {
  // O_NONBLOCK: opening a FIFO must not wait for its other end; O_NOCTTY:
  // a terminal must not become ours. Neither matters for a regular file.
  ScopedFd fd = open(rel, flags | O_NONBLOCK | O_NOCTTY, mode);
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) throw SystemError(errno_message(rel + ": cannot stat", errno), errno);
  if (!S_ISREG(st.st_mode)) {
    const char* what = S_ISBLK(st.st_mode)   ? "a block device"
                       : S_ISCHR(st.st_mode) ? "a character device"
                       : S_ISFIFO(st.st_mode) ? "a FIFO"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                       : S_ISDIR(st.st_mode)  ? "a directory"
                                              : "not a regular file";
    throw SystemError(fmt::format("{}: {}, not a regular file; refused", rel, what), EINVAL);
  }
  if (!(flags & O_NONBLOCK)) fcntl(fd.get(), F_SETFL, fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
  return fd;
}

void RunDir::remove_file(const std::string& rel) const noexcept {
  try {
    fs::path p(rel);
    ScopedFd parent = p.has_parent_path() ? open(p.parent_path().string(), O_DIRECTORY | O_PATH)
                                          : ScopedFd(fcntl(work_fd_.get(), F_DUPFD_CLOEXEC, 0));
    unlinkat(parent.get(), p.filename().c_str(), 0);
  } catch (...) {
    // Nothing to remove beneath work/ at that path.
  }
}

void RunDir::make_dirs(const std::string& rel) const {
  fs::path p;
  for (const auto& part : fs::path(rel)) {
    p /= part;
    std::string s = p.string();
    // mkdirat follows no symlink in its last component, and the parent is
    // opened beneath, so a planted link cannot redirect it.
    ScopedFd parent = p.has_parent_path() && p.parent_path() != ""
                          ? open(p.parent_path().string(), O_DIRECTORY | O_RDONLY)
                          : ScopedFd(fcntl(work_fd_.get(), F_DUPFD_CLOEXEC, 0));
    if (mkdirat(parent.get(), p.filename().c_str(), 0755) != 0 && errno != EEXIST)
      throw RuntimeError(errno_message(fmt::format("{}: cannot create directory", s), errno));
    open(s, O_DIRECTORY | O_RDONLY);  // refuses it if it turned out to be a symlink
  }
}

fs::path RunDir::absolute(const std::string& rel) const {
  fs::path p = (work_ / rel).lexically_normal();
  auto r = p.lexically_relative(work_);
  if (r.empty() || *r.begin() == "..")
    throw RuntimeError(fmt::format("{}: escapes the run directory", rel));
  return p;
}

void RunDir::write_file_atomic(const std::string& name, const std::string& content) const {
  write_file_atomically_at(dir_fd_.get(), name, content, dir_ / name,
                           "free some space or use --out on another filesystem");
}

fs::path RunDir::default_for(const std::string& scenario_name) {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
  return fs::path("reports") / "runs" /
         fmt::format("{}.{:03d}Z-{}-{}", stamp, ms, scenario_name, getpid());
}

static void clear_immutable(int dirfd, const std::string& name) {
  ScopedFd fd(openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (!fd.is_open()) return;
  int flags = 0;
  if (ioctl(fd.get(), FS_IOC_GETFLAGS, &flags) == 0 && (flags & (FS_IMMUTABLE_FL | FS_APPEND_FL))) {
    flags &= ~(FS_IMMUTABLE_FL | FS_APPEND_FL);
    ioctl(fd.get(), FS_IOC_SETFLAGS, &flags);
  }
}

static void remove_below(int dirfd, dev_t dev, const std::string& shown) {
  int fd = openat(dirfd, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  DIR* d = fdopendir(fd);
  if (!d) {
    close(fd);
    return;
  }
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    if (fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      if (st.st_dev != dev) continue;  // a mount point: leave it alone
      int sub = openat(dirfd, name.c_str(), O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0) {
        remove_below(sub, dev, shown + "/" + name);
        close(sub);
      }
      unlinkat(dirfd, name.c_str(), AT_REMOVEDIR);
    } else if (unlinkat(dirfd, name.c_str(), 0) != 0 && errno == EPERM && S_ISREG(st.st_mode)) {
      // The hardened installer marks images immutable (chattr +i); the
      // image is ours, so clear the flag and try once more.
      clear_immutable(dirfd, name);
      unlinkat(dirfd, name.c_str(), 0);
    }
  }
  closedir(d);
}

void remove_tree_one_fs_at(int dirfd, const std::string& name) {
  struct stat st {};
  if (fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return;
  if (!S_ISDIR(st.st_mode)) {
    unlinkat(dirfd, name.c_str(), 0);
    return;
  }
  int fd = openat(dirfd, name.c_str(), O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  remove_below(fd, st.st_dev, name);
  close(fd);
  unlinkat(dirfd, name.c_str(), AT_REMOVEDIR);
}


}  // namespace harness
