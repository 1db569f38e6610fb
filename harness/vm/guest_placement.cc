#include "vm/guest_placement.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/error.h"
#include "base/scoped_fd.h"

namespace harness {

namespace fs = std::filesystem;

void bind_read_only(const fs::path& from, const fs::path& to) {
  if (::mount(from.c_str(), to.c_str(), nullptr, MS_BIND, nullptr) != 0)
    throw RuntimeError(errno_message(fmt::format("{}: cannot bind {} over it", to.string(), from.string()), errno));
  // A bind mount takes the read-only flag only on a remount.
  if (::mount(nullptr, to.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0)
    throw RuntimeError(errno_message(fmt::format("{}: cannot make it read-only", to.string()), errno));
}

size_t place_bundle(const fs::path& bundle, const fs::path& root, const PlaceFile& place) {
  size_t placed = 0;
  // Pre-order: a folder comes before what it holds.
  for (auto it = fs::recursive_directory_iterator(bundle); it != fs::recursive_directory_iterator(); ++it) {
    const fs::path& from = it->path();
    const fs::path to = root / from.lexically_relative(bundle);
    struct stat have {}, st {};
    if (::lstat(to.c_str(), &have) == 0) continue;  // the initramfs has it
    if (::lstat(from.c_str(), &st) != 0)
      throw RuntimeError(errno_message(fmt::format("{}: cannot stat", from.string()), errno));
    if (S_ISDIR(st.st_mode)) {
      if (::mkdir(to.c_str(), st.st_mode & 07777) != 0)
        throw RuntimeError(errno_message(fmt::format("{}: cannot make the folder", to.string()), errno));
    } else if (S_ISLNK(st.st_mode)) {
      fs::create_symlink(fs::read_symlink(from), to);
    } else if (S_ISREG(st.st_mode)) {
      ScopedFd fd(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0));
      if (!fd.is_open()) throw RuntimeError(errno_message(fmt::format("{}: cannot create", to.string()), errno));
      fd.reset();
      place(from, to);
      ++placed;
    }
  }
  return placed;
}

}  // namespace harness
