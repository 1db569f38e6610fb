#include "base/file_copy.h"

#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <vector>

namespace harness {

uint64_t copy_fd(int src, int dst, const std::string& what, uint64_t limit) {
  static constexpr size_t kChunk = 128 * 1024;  // what coreutils cat uses
  std::vector<char> buf(kChunk);
  uint64_t total = 0;
  while (true) {
    // One byte past the limit tells "exactly at the limit" from "more".
    uint64_t left = limit - total;
    size_t want = left >= buf.size() ? buf.size() : static_cast<size_t>(left) + 1;
    ssize_t n = ::read(src, buf.data(), want);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "read " + what);
    }
    if (n == 0) return total;
    if (static_cast<uint64_t>(n) > limit - total)
      throw std::system_error(EFBIG, std::generic_category(),
                              "read " + what + ": more than " + std::to_string(limit) + " bytes");
    size_t off = 0;
    while (off < static_cast<size_t>(n)) {
      ssize_t w = ::write(dst, buf.data() + off, static_cast<size_t>(n) - off);
      if (w < 0) {
        if (errno == EINTR) continue;
        throw std::system_error(errno, std::generic_category(), "write " + what);
      }
      off += static_cast<size_t>(w);
      total += static_cast<uint64_t>(w);
    }
  }
}

}  // namespace harness
