#include "host/mount.h"

#include <libmount/libmount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <memory>
#include <utility>

#include "base/error.h"

namespace harness {

namespace {

struct ContextDeleter {
  void operator()(libmnt_context* c) const { mnt_free_context(c); }
};
using Context = std::unique_ptr<libmnt_context, ContextDeleter>;

struct TableDeleter {
  void operator()(libmnt_table* t) const { mnt_unref_table(t); }
};

Context new_context() {
  Context cxt(mnt_new_context());
  if (!cxt) throw RuntimeError("libmount: cannot allocate a context");
  // Never write /etc/mtab or /run/mount/utab: nothing outside the run dir.
  mnt_context_disable_mtab(cxt.get(), 1);
  // Call mount(2) ourselves; no /sbin/mount.* helper.
  mnt_context_disable_helpers(cxt.get(), 1);
  return cxt;
}

std::string context_error(libmnt_context* cxt, int rc) {
  char buf[BUFSIZ] = {0};
  mnt_context_get_excode(cxt, rc, buf, sizeof buf);
  if (buf[0]) return buf;
  int syserr = mnt_context_get_syscall_errno(cxt);
  if (syserr) return std::strerror(syserr);
  return fmt::format("libmount error {}", rc);
}

}  // namespace

// What /proc/self/mountinfo says of the (topmost) mount at `target`.
struct MountInfo {
  std::string source;
  std::string vfs_options;  // "ro,nosuid,nodev,relatime"
};

static MountInfo mount_info(const std::filesystem::path& target) {
  std::unique_ptr<libmnt_table, TableDeleter> tb(mnt_new_table_from_file("/proc/self/mountinfo"));
  if (!tb) return {};
  libmnt_fs* fs = mnt_table_find_target(tb.get(), target.c_str(), MNT_ITER_BACKWARD);
  if (!fs) return {};
  const char* src = mnt_fs_get_source(fs);
  const char* opts = mnt_fs_get_vfs_options(fs);
  return MountInfo{src ? src : "", opts ? opts : ""};
}

std::string mount_source(const std::filesystem::path& target) { return mount_info(target).source; }

Mount::Mount(std::filesystem::path image, std::filesystem::path target, LoopDevice loop, std::string effective)
    : image_(std::move(image)),
      target_(std::move(target)),
      effective_options_(std::move(effective)),
      loop_(std::move(loop)),
      mounted_(true) {}

Mount::Mount(Mount&& o) noexcept
    : image_(std::move(o.image_)),
      target_(std::move(o.target_)),
      effective_options_(std::move(o.effective_options_)),
      loop_(std::move(o.loop_)),
      mounted_(std::exchange(o.mounted_, false)) {}

namespace {

// mount(2) through libmount, always nodev,nosuid; what mountinfo says of it.
MountInfo mount_nodev_nosuid(const std::filesystem::path& source, const std::filesystem::path& target,
                             const std::string& options, const std::string& fstype, const char* how) {
  Context cxt = new_context();
  mnt_context_set_source(cxt.get(), source.c_str());
  mnt_context_set_target(cxt.get(), target.c_str());
  mnt_context_set_fstype(cxt.get(), fstype.c_str());
  // Whatever the scenario asks: an image may be crafted, and a device node
  // or a set-uid program on it must not reach the host.
  mnt_context_set_options(cxt.get(), (options + ",nodev,nosuid").c_str());
  int rc = mnt_context_mount(cxt.get());
  if (rc != 0 || mnt_context_get_status(cxt.get()) != 1) {
    int syserr = mnt_context_get_syscall_errno(cxt.get());
    std::string why = context_error(cxt.get(), rc);
    std::string msg = fmt::format("{}: cannot {} at {}: {}", source.string(), how, target.string(), why);
    // Without root libmount refuses before any system call ("can't find
    // in /etc/fstab"): the same advice.
    if (syserr == EPERM || syserr == EACCES || geteuid() != 0)
      throw EnvironmentError(msg + "; run the harness as root");
    if (why.find("loop") != std::string::npos)
      throw EnvironmentError(msg + "; check `losetup -f` finds a free loop device "
                                   "(modprobe loop, or free one with `harness gc`)");
    throw RuntimeError(msg);
  }
  return mount_info(target);
}

// The kernel's word, not libmount's: refuse a mount that ignored them.
void check_nodev_nosuid(const std::filesystem::path& source, const std::filesystem::path& target, const MountInfo& info) {
  struct statvfs vfs {};
  if (statvfs(target.c_str(), &vfs) != 0 || !(vfs.f_flag & ST_NODEV) || !(vfs.f_flag & ST_NOSUID))
    throw RuntimeError(fmt::format("{}: mounted at {} without nodev,nosuid (the kernel reports \"{}\"); "
                                   "refusing it",
                                   source.string(), target.string(), info.vfs_options));
}

}  // namespace

Mount Mount::loop_mount(const std::filesystem::path& image, const std::filesystem::path& target,
                        const std::string& options, const std::string& fstype) {
  MountInfo info = mount_nodev_nosuid(image, target, options, fstype, "loop-mount");
  auto st = loop_status(info.source);
  if (!st) {
    umount2(target.c_str(), MNT_DETACH);
    throw RuntimeError(fmt::format("{}: mounted at {}, but its source {} is not a loop device",
                                   image.string(), target.string(), info.source));
  }
  Mount m(image, target, LoopDevice(*st), info.vfs_options);
  check_nodev_nosuid(image, target, info);
  return m;
}

Mount Mount::device_mount(const std::filesystem::path& device, const std::filesystem::path& target,
                          const std::string& options, const std::string& fstype) {
  struct stat want {};
  if (::stat(device.c_str(), &want) != 0 || !S_ISBLK(want.st_mode))
    throw RuntimeError(fmt::format("{}: not a block device", device.string()));
  // The mountpoint itself must be a directory, not a link to one elsewhere.
  struct stat at {};
  if (::lstat(target.c_str(), &at) != 0 || !S_ISDIR(at.st_mode))
    throw RuntimeError(fmt::format("{}: not a directory (a link?); refusing to mount {} there", target.string(),
                                   device.string()));
  MountInfo info = mount_nodev_nosuid(device, target, options, fstype, "mount");
  Mount m(device, target, LoopDevice(), info.vfs_options);
  struct stat got {};
  if (::lstat(target.c_str(), &got) != 0 || got.st_dev != want.st_rdev)
    throw RuntimeError(fmt::format("{}: mounted at {}, but the filesystem there is on another device", device.string(),
                                   target.string()));
  check_nodev_nosuid(device, target, info);
  return m;
}

void Mount::unmount(bool lazy_if_busy) {
  if (!mounted_) return;
  Context cxt = new_context();
  mnt_context_set_target(cxt.get(), target_.c_str());
  int rc = mnt_context_umount(cxt.get());
  if (rc != 0 || mnt_context_get_status(cxt.get()) != 1) {
    // A straggling workload process can keep it busy for a moment; a lazy
    // unmount still lets autoclear free the device once it exits.
    if (!lazy_if_busy || umount2(target_.c_str(), MNT_DETACH) != 0)
      throw RuntimeError(fmt::format("{}: cannot unmount: {}", target_.string(),
                                     context_error(cxt.get(), rc)));
  }
  mounted_ = false;
  loop_.detach();
}

Mount::~Mount() {
  try {
    unmount();
  } catch (...) {
    // Destructors must not throw. The namespace dies with us anyway.
  }
}

}  // namespace harness
