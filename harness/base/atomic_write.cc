#include "base/atomic_write.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/error.h"
#include "base/scoped_fd.h"

namespace harness {

namespace fs = std::filesystem;

void write_file_atomically_at(int dirfd, const std::string& name, std::string_view content, const fs::path& shown,
                              std::string_view full_disk_advice) {
  std::string tmp;
  ScopedFd fd;
  for (int attempt = 0; attempt < 100 && !fd.is_open(); ++attempt) {
    unsigned long long r = 0;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof r)) r ^= static_cast<unsigned>(attempt);
    tmp = fmt::format(".{}.tmp-{}-{:016x}", name, getpid(), r);
    fd = ScopedFd(openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd.is_open() && errno != EEXIST) break;
  }
  if (!fd.is_open()) throw EnvironmentError(errno_message(shown.string() + ": cannot create a temporary file", errno));
  auto fail = [&](const std::string& what, int err) {
    unlinkat(dirfd, tmp.c_str(), 0);
    throw EnvironmentError(errno_message(fmt::format("{}: {}", shown.string(), what), err) +
                           (err == ENOSPC ? "; " + std::string(full_disk_advice) : ""));
  };
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write", errno);
    }
    off += static_cast<size_t>(n);
  }
  if (::fchmod(fd.get(), 0644) != 0) fail("cannot chmod", errno);  // whatever the umask
  if (::fsync(fd.get()) != 0) fail("cannot fsync", errno);
  fd.reset();
  if (::renameat(dirfd, tmp.c_str(), dirfd, name.c_str()) != 0) fail("cannot rename into place", errno);
}

void write_file_atomically(const fs::path& path, std::string_view content) {
  fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  ScopedFd dirfd(::open(dir.c_str(), O_DIRECTORY | O_PATH | O_CLOEXEC));
  if (!dirfd.is_open()) throw EnvironmentError(errno_message(path.string() + ": cannot open its folder", errno));
  write_file_atomically_at(dirfd.get(), path.filename().string(), content, path);
}

}  // namespace harness
