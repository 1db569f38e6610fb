#include "host/installed_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <vector>

#include "base/digest.h"
#include "base/error.h"

namespace harness {

FileState read_file_state(const RunDir& dir, const std::string& path, const char* moment) {
  FileState f;
  f.moment = moment;
  f.path = path;
  try {
    ScopedFd fd = dir.open_regular(path, O_RDONLY);
    Sha256 sha;
    Md5 md5;
    std::vector<char> buf(1 << 20);
    for (;;) {
      ssize_t n = ::read(fd.get(), buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw SystemError(errno_message(path + ": read", errno), errno);
      if (n == 0) break;
      std::string_view chunk(buf.data(), static_cast<size_t>(n));
      if (f.size == 0) f.head = std::string(chunk.substr(0, 256));
      sha.update(chunk);
      md5.update(chunk);
      f.size += static_cast<unsigned long long>(n);
    }
    f.exists = true;
    f.sha256 = sha.hex_final();
    f.md5 = md5.hex_final();
  } catch (const SystemError& e) {
    if (e.err() != ENOENT) f.head = e.what();
  }
  return f;
}

}  // namespace harness
