// Byte copying the way `cat src > dst` does it: read/write in chunks, no
// reflinks or copy offload, so the page cache sees ordinary writes.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

namespace harness {

// Copies from the current offsets until EOF; returns bytes written. Throws
// std::system_error (errno) with `what` in the message. A source with more
// than `limit` bytes left throws EFBIG once `limit` bytes are written, so
// a file that grew after it was checked cannot fill the disk.
uint64_t copy_fd(int src, int dst, const std::string& what,
                 uint64_t limit = std::numeric_limits<uint64_t>::max());

}  // namespace harness
