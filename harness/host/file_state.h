// FileStateReader: a file's digests, size and first bytes read from an open
// descriptor into a FileState (core/installed_state.h), for the files an
// `installed` expectation judges: in the run's work folder, or on a
// power-cut crash state mounted on the host.
#pragma once

#include "core/installed_state.h"

namespace harness {

// Reads `fd` to its end: sets size, sha256, md5, head (its first 256
// bytes) and exists. Throws SystemError on a read error.
void read_file_state(int fd, FileState& f);

}  // namespace harness
