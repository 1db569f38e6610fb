// Byte copying the way `cat src > dst` does it: read/write in chunks, no
// reflinks or copy offload, so the page cache sees ordinary writes.
#pragma once

#include <cstdint>
#include <string>

namespace harness {

// Copies from the current offsets until EOF; returns bytes written. Throws
// std::system_error (errno) with `what` in the message.
uint64_t copy_fd(int src, int dst, const std::string& what);

}  // namespace harness
