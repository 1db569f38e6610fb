#include "base/atomic_write.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/error.h"
#include "base/scoped_fd.h"

namespace harness {

namespace fs = std::filesystem;

void write_file_atomically(const fs::path& path, std::string_view content) {
  fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::string tmpl = (dir / fmt::format(".{}.tmp-XXXXXX", path.filename().string())).string();
  ScopedFd fd(mkostemp(tmpl.data(), O_CLOEXEC));
  if (!fd.is_open()) throw EnvironmentError(errno_message(path.string() + ": cannot create a temporary file", errno));
  auto fail = [&](const std::string& what, int err) {
    ::unlink(tmpl.c_str());
    throw EnvironmentError(errno_message(fmt::format("{}: {}", path.string(), what), err) +
                           (err == ENOSPC ? "; free some space" : ""));
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
  if (::fchmod(fd.get(), 0644) != 0) fail("cannot chmod", errno);
  if (::fsync(fd.get()) != 0) fail("cannot fsync", errno);
  fd.reset();
  if (::rename(tmpl.c_str(), path.c_str()) != 0) fail("cannot rename into place", errno);
}

}  // namespace harness
