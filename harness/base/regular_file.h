// Reading a file someone else may have put where we look (a report.json
// in a shared folder, a scenario in a folder being listed): root must not
// follow their link to a file only root may read, wait forever on their
// FIFO, or read /dev/zero until memory runs out. So the file is opened
// following no link in its last component, without blocking, checked with
// fstat to be a regular file, and read up to a cap.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "base/scoped_fd.h"

namespace harness {

// The contents of `name` in the folder `dirfd` (AT_FDCWD: the current
// one); `shown` names it in errors. Throws SystemError whose err() is
// ELOOP for a link, EINVAL for anything but a regular file, EFBIG past
// `max_bytes`, or open(2)'s errno.
std::string read_regular_file_at(int dirfd, const std::string& name, size_t max_bytes,
                                 const std::filesystem::path& shown);
std::string read_regular_file(const std::filesystem::path& path, size_t max_bytes);

// A host file a scenario names, opened to be read (a program's #! line,
// an ELF header): links are followed (programs are reached through them),
// but nothing that is not a regular file is ever opened -- stat first,
// then open without blocking or taking a terminal, then fstat must be the
// same regular file -- so a FIFO hangs nothing and no device is opened
// (a watchdog reboots on a close without its magic). Throws SystemError
// (EINVAL for anything but a regular file, else the errno).
ScopedFd open_regular_following(const std::filesystem::path& path);
// Its first `n` bytes (fewer when it is shorter), read that way.
std::string read_regular_head(const std::filesystem::path& path, size_t n);

}  // namespace harness
