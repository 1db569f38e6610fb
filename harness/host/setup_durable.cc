#include "host/setup_durable.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <memory>

#include "base/error.h"
#include "base/scoped_fd.h"
#include "core/durable_mark.h"

namespace harness {

std::string make_setup_durable(int fs_root, const std::filesystem::path& device, const ScratchSpec& sc, size_t index) {
  const std::string where = fmt::format("scratch {} ({})", sc.path, device.string());
  // syncfs() refuses an O_PATH descriptor: the root opened for reading.
  ScopedFd root(::openat(fs_root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.is_open()) throw RuntimeError(errno_message(where + ": cannot open the filesystem's root", errno));
  if (::syncfs(root.get()) != 0) throw RuntimeError(errno_message(where + ": syncfs after the setup", errno));
  ScopedFd fd(::open(device.c_str(), O_WRONLY | O_DIRECT | O_DSYNC | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.is_open()) throw RuntimeError(errno_message(where + ": cannot open the disk for the durable mark", errno));
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) throw RuntimeError(errno_message(where + ": stat", errno));
  if (!S_ISBLK(st.st_mode)) throw RuntimeError(where + ": not a block device; refusing to write the durable mark");
  uint64_t bytes = 0;
  if (::ioctl(fd.get(), BLKGETSIZE64, &bytes) != 0) throw RuntimeError(errno_message(where + ": BLKGETSIZE64", errno));
  const uint64_t at = durable_mark_offset(sc.size_mib);
  if (bytes < at + kDurableMarkBytes)
    throw RuntimeError(fmt::format("{}: the disk is {} bytes, no room past its {} MiB filesystem for the durable mark",
                                   where, bytes, sc.size_mib));
  // O_DIRECT wants an aligned buffer.
  std::unique_ptr<char, decltype(&std::free)> buf(static_cast<char*>(std::aligned_alloc(4096, kDurableMarkBytes)),
                                                 &std::free);
  if (!buf) throw RuntimeError(where + ": out of memory for the durable mark");
  const std::string block = durable_mark_block(index, sc.path);
  std::memcpy(buf.get(), block.data(), kDurableMarkBytes);
  ssize_t n = ::pwrite(fd.get(), buf.get(), kDurableMarkBytes, static_cast<off_t>(at));
  if (n < 0) throw RuntimeError(errno_message(where + ": writing the durable mark", errno));
  if (static_cast<size_t>(n) != kDurableMarkBytes)
    throw RuntimeError(fmt::format("{}: the durable mark was written short ({} of {} bytes)", where, n, kDurableMarkBytes));
  if (::fdatasync(fd.get()) != 0) throw RuntimeError(errno_message(where + ": fdatasync of the durable mark", errno));
  return fmt::format("syncfs of {}, then the durable mark (\"{}\") written at byte {} of {}, past its filesystem, "
                     "and flushed",
                     sc.path, block.substr(0, block.find('\n')), at, device.string());
}

}  // namespace harness
