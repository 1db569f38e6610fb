// ConfinedImageTool: runs a program that parses an image whose bytes an
// untrusted guest chose (a power cut's crash state: e2fsck, debugfs), so
// that a parser bug in it reaches that image and no more:
// - the image is given to a transient uid of its own (base/transient_uid.h),
//   mode 0600, and the program runs as that uid, no groups, no new
//   privileges, with an environment of its own, in /;
// - it reads the image as /proc/self/fd/N (the descriptor we opened,
//   without following a link), never by a path it could be tricked with;
// - it has no network (a namespace of its own) and may run no more than
//   a few processes (RLIMIT_NPROC of its uid, which is its alone);
// - it may write no file larger than the image plus `max_output_bytes`
//   (its output to a memory file included: a sparse file of terabytes in
//   the image is cut short with SIGXFSZ) and map no more than 2 GiB.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/child.h"

namespace harness {

struct ConfinedImageRun {
  std::vector<std::string> argv;  // the image's /proc/self/fd/N is appended
  std::filesystem::path image;    // a regular file in the run's private folder
  bool writable = false;          // e2fsck -y writes; debugfs -c does not
  unsigned long long max_output_bytes = 1 << 20;
  int stdout_fd = -1, stderr_fd = -1;  // the caller's (memory files); -1: /dev/null
  std::chrono::milliseconds timeout{60000};
};

// Throws EnvironmentError when the program is not installed (with what to
// install), RuntimeError when the image cannot be opened or given away.
ChildResult run_confined_on_image(const ConfinedImageRun& r);

inline constexpr unsigned long long kConfinedToolMemoryBytes = 2ull << 30;
// e2fsck and debugfs start nothing; a few, should a pager or helper run.
inline constexpr unsigned long kConfinedToolProcesses = 4;

}  // namespace harness
