#include "host/device_mapper.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/dm-ioctl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <algorithm>
#include <cstring>
#include <thread>

#include "base/error.h"
#include "base/scoped_fd.h"

namespace harness {

namespace {

constexpr const char* kControl = "/dev/mapper/control";
constexpr size_t kAlign = 8;

size_t aligned(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

// A dm_ioctl naming `name` (and/or `uuid`: the kernel finds a device by
// its uuid when no name is given), in a buffer of `size` bytes (room for
// the kernel's answer).
std::vector<char> header(const std::string& name, size_t size, const std::string& uuid = "") {
  if ((name.empty() && uuid.empty()) || name.size() >= DM_NAME_LEN)
    throw RuntimeError(fmt::format("device-mapper name \"{}\": 1 to {} bytes", name, DM_NAME_LEN - 1));
  if (uuid.size() >= DM_UUID_LEN)
    throw RuntimeError(fmt::format("device-mapper uuid \"{}\": at most {} bytes", uuid, DM_UUID_LEN - 1));
  std::vector<char> buf(std::max(size, sizeof(dm_ioctl)), 0);
  dm_ioctl io{};
  io.version[0] = DM_VERSION_MAJOR;  // the kernel accepts any older minor
  io.data_size = static_cast<uint32_t>(buf.size());
  io.data_start = static_cast<uint32_t>(aligned(sizeof(dm_ioctl)));
  std::memcpy(io.name, name.data(), name.size());
  std::memcpy(io.uuid, uuid.data(), uuid.size());
  std::memcpy(buf.data(), &io, sizeof io);
  return buf;
}

ScopedFd open_control() {
  ScopedFd fd(::open(kControl, O_RDWR | O_CLOEXEC));
  if (!fd.is_open())
    throw EnvironmentError(fmt::format("{}: {}; io_errors needs device-mapper: modprobe dm-mod, or use --backend vm "
                                       "(the guest kernel has it)",
                                       kControl, std::strerror(errno)));
  return fd;
}

// One DM ioctl; returns the header the kernel wrote back.
dm_ioctl dm_call(unsigned long request, std::vector<char>& buf, const char* what, const std::string& name) {
  ScopedFd control = open_control();
  if (ioctl(control.get(), request, buf.data()) != 0) {
    int err = errno;
    if (err == ENODEV || err == ENOTTY)
      throw EnvironmentError(fmt::format("{}: this kernel has no device-mapper ({}); io_errors needs it: "
                                         "modprobe dm-mod, or use --backend vm",
                                         kControl, std::strerror(err)));
    throw SystemError(fmt::format("device-mapper {} of {}: {}", what, name, std::strerror(err)), err);
  }
  dm_ioctl io{};
  std::memcpy(&io, buf.data(), sizeof io);
  return io;
}

void simple_call(unsigned long request, const std::string& name, uint32_t flags, const char* what) {
  std::vector<char> buf = header(name, 16 * 1024);
  reinterpret_cast<dm_ioctl*>(buf.data())->flags = flags;
  dm_call(request, buf, what, name);
}

}  // namespace

std::optional<std::string> device_mapper_missing() {
  try {
    std::vector<char> buf = header("version", 16 * 1024);
    dm_call(DM_VERSION, buf, "version", "the kernel");
    return std::nullopt;
  } catch (const Error& e) {
    return std::string(e.what());
  }
}

std::vector<char> dm_table_load_payload(const std::string& name, const std::vector<DmTarget>& targets) {
  size_t size = aligned(sizeof(dm_ioctl));
  for (const auto& t : targets) size += aligned(sizeof(dm_target_spec) + t.params.size() + 1);
  std::vector<char> buf = header(name, size);
  auto* io = reinterpret_cast<dm_ioctl*>(buf.data());
  io->target_count = static_cast<uint32_t>(targets.size());
  size_t at = io->data_start;
  for (const auto& t : targets) {
    if (t.type.empty() || t.type.size() >= DM_MAX_TYPE_NAME) throw RuntimeError(fmt::format("device-mapper target type \"{}\"", t.type));
    dm_target_spec spec{};
    spec.sector_start = t.start;
    spec.length = t.length;
    const size_t len = aligned(sizeof(dm_target_spec) + t.params.size() + 1);
    spec.next = static_cast<uint32_t>(len);  // from this spec to the next
    std::memcpy(spec.target_type, t.type.data(), t.type.size());
    std::memcpy(buf.data() + at, &spec, sizeof spec);
    std::memcpy(buf.data() + at + sizeof spec, t.params.data(), t.params.size());  // NUL from the zeroed buffer
    at += len;
  }
  return buf;
}

DmDevice DmDevice::linear(const std::string& name, dev_t under, uint64_t sectors, const std::string& uuid) {
  std::vector<char> create = header(name, 16 * 1024, uuid);
  dm_ioctl made = dm_call(DM_DEV_CREATE, create, "create", name);
  const dev_t dev = static_cast<dev_t>(made.dev);
  DmTarget lin{0, sectors, "linear", fmt::format("{}:{} 0", major(under), minor(under))};
  // Owned from here: a failure below removes it.
  DmDevice d(name, dev, fmt::format("/dev/dm-{}", minor(dev)), lin);
  std::vector<char> load = dm_table_load_payload(name, {lin});
  dm_call(DM_TABLE_LOAD, load, "table load", name);
  simple_call(DM_DEV_SUSPEND, name, 0, "resume");  // no suspend flag: activate the loaded table
  // devtmpfs makes the node as the disk appears; it must be this device.
  struct stat st {};
  for (int i = 0; i < 200 && ::stat(d.node_.c_str(), &st) != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (::stat(d.node_.c_str(), &st) != 0 || !S_ISBLK(st.st_mode) || st.st_rdev != dev)
    throw EnvironmentError(fmt::format("{}: not the block device {}:{} of device-mapper's {} (is /dev a devtmpfs?)", d.node_,
                                       major(dev), minor(dev), name));
  return d;
}

std::optional<std::string> remove_dm_device_by_uuid(const std::string& name, const std::string& uuid, bool dry_run) {
  if (uuid.empty()) return std::nullopt;
  std::vector<char> status = header("", 16 * 1024, uuid);
  dm_ioctl found{};
  try {
    found = dm_call(DM_DEV_STATUS, status, "status", uuid);
  } catch (const SystemError& e) {
    if (e.err() == ENXIO) return std::nullopt;  // gone already
    throw;
  }
  if (std::string(found.name, strnlen(found.name, sizeof found.name)) != name) return std::nullopt;
  if (dry_run) return fmt::format("removed device-mapper device {}", name);
  std::vector<char> remove = header("", 16 * 1024, uuid);
  try {
    dm_call(DM_DEV_REMOVE, remove, "remove", name);
    return fmt::format("removed device-mapper device {}", name);
  } catch (const SystemError& e) {
    if (e.err() != EBUSY) throw;
  }
  // Still open (a filesystem on it not yet released): the kernel removes it
  // at the last close.
  std::vector<char> deferred = header("", 16 * 1024, uuid);
  reinterpret_cast<dm_ioctl*>(deferred.data())->flags = DM_DEFERRED_REMOVE;
  dm_call(DM_DEV_REMOVE, deferred, "deferred remove", name);
  return fmt::format("removed device-mapper device {} (deferred: still open)", name);
}

DmDevice::DmDevice(DmDevice&& o) noexcept
    : name_(std::move(o.name_)), dev_(o.dev_), node_(std::move(o.node_)), linear_(std::move(o.linear_)), failing_(o.failing_) {
  o.name_.clear();
}

void DmDevice::swap_table(const DmTarget& t) {
  std::vector<char> load = dm_table_load_payload(name_, {t});
  dm_call(DM_TABLE_LOAD, load, "table load", name_);
  // Resume swaps the loaded table in, suspending first without freezing
  // the filesystem (no flush through the old table). The suspend still
  // waits for I/O already sent to the device below, which completes.
  simple_call(DM_DEV_SUSPEND, name_, DM_SKIP_LOCKFS_FLAG | DM_NOFLUSH_FLAG, "table swap");
}

void DmDevice::fail_all() {
  swap_table(DmTarget{0, linear_.length, "error", ""});
  failing_ = true;
}

void DmDevice::heal() {
  swap_table(linear_);
  failing_ = false;
}

void DmDevice::remove() {
  if (name_.empty()) return;
  simple_call(DM_DEV_REMOVE, name_, 0, "remove");
  name_.clear();
}

DmDevice::~DmDevice() {
  if (name_.empty()) return;
  try {
    for (int i = 0; i < 20; ++i) {
      try {
        remove();
        return;
      } catch (const SystemError& e) {
        if (e.err() != EBUSY) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    // Still open: the kernel removes it at the last close.
    simple_call(DM_DEV_REMOVE, name_, DM_DEFERRED_REMOVE, "deferred remove");
  } catch (...) {
  }
}

}  // namespace harness
