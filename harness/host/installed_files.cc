#include "host/installed_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/error.h"
#include "host/file_state.h"

namespace harness {

FileState read_file_state(const RunDir& dir, const std::string& path, const char* moment) {
  FileState f;
  f.moment = moment;
  f.path = path;
  try {
    ScopedFd fd = dir.open_regular(path, O_RDONLY);
    read_file_state(fd.get(), f);
  } catch (const SystemError& e) {
    if (e.err() != ENOENT) f.head = e.what();
  }
  return f;
}

}  // namespace harness
