#include "host/machine_needs.h"
#include "host/image.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <system_error>

#include "base/child.h"
#include "base/error.h"
#include "base/file_copy.h"

namespace harness {

namespace fs = std::filesystem;

// A host file the scenario names, opened once and checked on what was
// opened: validation saw it earlier, and it may since have been replaced
// (by a device, a FIFO) or have grown.
static ScopedFd open_host_file(const ImageFile& f, unsigned long long image_bytes, struct stat& st) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  ScopedFd src(::open(f.from.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!src.is_open()) throw RuntimeError(errno_message(f.from.string() + ": cannot read", errno));
  if (fstat(src.get(), &st) != 0) throw RuntimeError(errno_message(f.from.string() + ": cannot stat", errno));
  if (!S_ISREG(st.st_mode))
    throw RuntimeError(fmt::format("{}: not a regular file (it was when the scenario was validated); "
                                   "refusing to copy it into an image",
                                   f.from.string()));
  if (static_cast<unsigned long long>(st.st_size) > image_bytes)
    throw RuntimeError(fmt::format("{}: {} bytes, larger than the image ({} bytes); it grew after the "
                                   "scenario was validated",
                                   f.from.string(), st.st_size, image_bytes));
  fcntl(src.get(), F_SETFL, fcntl(src.get(), F_GETFL) & ~O_NONBLOCK);
  return src;
}

BuiltImage build_image(const ImageSpec& spec, const RunDir& run) {
  std::optional<std::filesystem::path> mkfs = need_mkfs(spec.fs);
  const unsigned long long size = static_cast<unsigned long long>(spec.size_mib) << 20;
  std::string staging = fmt::format(".staging/{}", spec.name);
  run.make_dirs(staging);
  for (const auto& f : spec.files) {
    fs::path to(f.to);
    if (to.has_parent_path()) run.make_dirs((fs::path(staging) / to.parent_path()).string());
    struct stat st {};
    ScopedFd src = open_host_file(f, size, st);
    ScopedFd dst = run.open((fs::path(staging) / to).string(), O_WRONLY | O_CREAT | O_EXCL,
                            f.mode.value_or(st.st_mode & 07777));
    try {
      copy_fd(src.get(), dst.get(), f.from.string(), size);
    } catch (const std::system_error& e) {
      if (e.code().value() != EFBIG) throw;
      throw RuntimeError(fmt::format("{}: larger than the image ({} bytes); it grew after the scenario "
                                     "was validated",
                                     f.from.string(), size));
    }
    fchmod(dst.get(), f.mode.value_or(st.st_mode & 07777));
  }

  fs::path parent = fs::path(spec.path).parent_path();
  if (!parent.empty()) run.make_dirs(parent.string());
  ScopedFd img = run.open(spec.path, O_RDWR | O_CREAT | O_EXCL, 0644);
  if (ftruncate(img.get(), static_cast<off_t>(size)) != 0)
    throw EnvironmentError(errno_message(spec.path + ": cannot size the image", errno));
  ScopedFd staged = run.open(staging, O_DIRECTORY | O_RDONLY);
  ScopedFd log = run.open(fmt::format(".staging/{}.mkfs.log", spec.name), O_RDWR | O_CREAT | O_EXCL);
  ChildOptions opts;
  opts.cwd = run.work();
  opts.stdout_fd = log.get();
  opts.stderr_fd = log.get();
  // mkfs gets the image and the staging folder as descriptors opened
  // beneath work/, so no path is resolved again between the check and it
  // (/proc/self/fd, not /dev/fd: a guest's devtmpfs has no /dev/fd).
  opts.pass_fds = {img.get(), staged.get()};
  opts.timeout = std::chrono::seconds(120);
  auto r = run_child({mkfs->string(), "-q", "-F", "-E", "nodiscard", "-d", fmt::format("/proc/self/fd/{}", staged.get()),
                      fmt::format("/proc/self/fd/{}", img.get())},
                     opts);
  if (!r.succeeded()) {
    std::string text = read_fd_capped(log.get(), 4096);
    if (text.find("No space left on device") != std::string::npos)
      throw EnvironmentError(fmt::format("{}: mkfs.{} failed: No space left on device (ENOSPC); free some "
                                         "space or use --out on another filesystem: {}",
                                         spec.path, spec.fs, text));
    throw RuntimeError(fmt::format("{}: mkfs.{} failed ({}): {}", spec.path, spec.fs, r.describe(), text));
  }
  remove_tree_one_fs_at(run.work_fd(), ".staging");
  return BuiltImage{spec.name, spec.path, size, spec.fs};
}

void copy_work_file(const RunDir& run, const std::string& from, const std::string& to) {
  ScopedFd src = run.open_regular(from, O_RDONLY);
  fs::path parent = fs::path(to).parent_path();
  if (!parent.empty()) run.make_dirs(parent.string());
  ScopedFd dst = run.open(to, O_WRONLY | O_CREAT | O_EXCL, 0644);
  copy_fd(src.get(), dst.get(), from);
}

}  // namespace harness
