#include "base/regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fmt/format.h>

#include "base/error.h"
#include "base/scoped_fd.h"

namespace harness {

namespace fs = std::filesystem;

std::string read_regular_file_at(int dirfd, const std::string& name, size_t max_bytes, const fs::path& shown) {
  // O_NONBLOCK: a FIFO must not wait for a writer; O_NOCTTY: a terminal
  // must not become ours. Neither changes how a regular file reads.
  ScopedFd fd(openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd.is_open()) {
    const int err = errno;
    if (err == ELOOP)
      throw SystemError(fmt::format("{}: a symbolic link; refused (name the file it points to)", shown.string()), err);
    throw SystemError(errno_message(shown.string() + ": cannot open", err), err);
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) throw SystemError(errno_message(shown.string() + ": cannot stat", errno), errno);
  if (!S_ISREG(st.st_mode))
    throw SystemError(fmt::format("{}: {}, not a regular file; refused", shown.string(),
                                  S_ISFIFO(st.st_mode)  ? "a FIFO"
                                  : S_ISCHR(st.st_mode) ? "a character device"
                                  : S_ISBLK(st.st_mode) ? "a block device"
                                  : S_ISDIR(st.st_mode) ? "a directory"
                                  : S_ISSOCK(st.st_mode) ? "a socket"
                                                         : "something else"),
                      EINVAL);
  auto too_big = [&] {
    return SystemError(fmt::format("{}: larger than {} bytes; refused", shown.string(), max_bytes), EFBIG);
  };
  if (static_cast<unsigned long long>(st.st_size) > max_bytes) throw too_big();
  // One byte more than the cap: a file that grew since fstat is caught.
  std::string text(static_cast<size_t>(st.st_size) + 1, '\0');
  size_t got = 0;
  for (;;) {
    if (got == text.size()) {
      if (text.size() > max_bytes) throw too_big();
      text.resize(std::min(max_bytes + 1, text.size() * 2));
    }
    ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw SystemError(errno_message(shown.string() + ": cannot read", errno), errno);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  text.resize(got);
  return text;
}

ScopedFd open_regular_following(const fs::path& path) {
  // O_PATH opens nothing a device driver sees; only once that descriptor
  // is known to be a regular file is the same file opened to be read.
  ScopedFd at(::open(path.c_str(), O_PATH | O_CLOEXEC));
  if (!at.is_open()) throw SystemError(errno_message(path.string() + ": cannot open", errno), errno);
  struct stat st {};
  if (fstat(at.get(), &st) != 0) throw SystemError(errno_message(path.string() + ": cannot stat", errno), errno);
  if (!S_ISREG(st.st_mode)) throw SystemError(fmt::format("{}: not a regular file; refused", path.string()), EINVAL);
  const std::string self = fmt::format("/proc/self/fd/{}", at.get());
  ScopedFd fd(::open(self.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd.is_open()) throw SystemError(errno_message(path.string() + ": cannot open", errno), errno);
  return fd;
}

std::string read_regular_head(const fs::path& path, size_t n) {
  ScopedFd fd = open_regular_following(path);
  std::string s(n, '\0');
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd.get(), s.data() + got, n - got, static_cast<off_t>(got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw SystemError(errno_message(path.string() + ": cannot read", errno), errno);
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  s.resize(got);
  return s;
}

std::string read_regular_file(const fs::path& path, size_t max_bytes) {
  fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  ScopedFd dirfd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dirfd.is_open()) {
    const int err = errno;
    throw SystemError(errno_message(path.string() + ": cannot open its folder", err), err);
  }
  return read_regular_file_at(dirfd.get(), path.filename().string(), max_bytes, path);
}

}  // namespace harness
