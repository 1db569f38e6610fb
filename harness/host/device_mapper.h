// DmDevice owns one device-mapper device that the harness made: a linear
// mapping over a block device (a scratch filesystem's loop device) that
// can be switched to device-mapper's `error` target, so that every I/O to
// it fails with EIO (a disk dying mid-copy), and healed again. Made with
// the DM ioctls on /dev/mapper/control (<linux/dm-ioctl.h>), as dmsetup
// does, with no library; the node is the kernel's own /dev/dm-N
// (devtmpfs), checked to be that very device. The destructor removes the
// device (deferred, should something still hold it open).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace harness {

// Whether this kernel has device-mapper (dm-mod loaded or built in);
// nullopt if so, else what to do.
std::optional<std::string> device_mapper_missing();

// One target line of a table, as `dmsetup table` shows it:
// "0 2048 linear 7:3 0".
struct DmTarget {
  uint64_t start = 0;    // in 512-byte sectors
  uint64_t length = 0;   // in 512-byte sectors
  std::string type;      // "linear", "error"
  std::string params;    // "7:3 0", ""
};

// The DM_TABLE_LOAD argument for `name`: struct dm_ioctl, then each
// target's struct dm_target_spec and its NUL-ended parameters, 8-byte
// aligned. Pure; the kernel's own layout.
std::vector<char> dm_table_load_payload(const std::string& name, const std::vector<DmTarget>& targets);

// For gc: removes the device a dead run made, found by the uuid its marker
// records, if it is still there under `name` (deferred while something
// holds it open). Returns what it did (with dry_run: would do); nullopt
// when there is no such device. Throws EnvironmentError without
// device-mapper, SystemError when an ioctl fails.
std::optional<std::string> remove_dm_device_by_uuid(const std::string& name, const std::string& uuid,
                                                    bool dry_run = false);

class DmDevice {
 public:
  // A linear device `name` over the block device `under` (its first
  // `sectors` sectors), active, with `uuid` (which gc finds it by). Throws
  // EnvironmentError without device-mapper, SystemError when an ioctl
  // fails.
  static DmDevice linear(const std::string& name, dev_t under, uint64_t sectors, const std::string& uuid = "");
  DmDevice(DmDevice&& o) noexcept;
  DmDevice& operator=(DmDevice&&) = delete;
  DmDevice(const DmDevice&) = delete;
  DmDevice& operator=(const DmDevice&) = delete;
  ~DmDevice();

  const std::string& name() const { return name_; }
  dev_t dev() const { return dev_; }
  const std::string& node() const { return node_; }  // "/dev/dm-3"
  // Every I/O from now on fails (EIO): the `error` target replaces the
  // linear one without flushing or freezing the filesystem on it (I/O
  // already sent below completes first).
  void fail_all();
  // The linear mapping again: the disk answers as before.
  void heal();
  bool failing() const { return failing_; }
  // Removes the device now; throws SystemError (EBUSY while mounted).
  void remove();

 private:
  DmDevice(std::string name, dev_t dev, std::string node, DmTarget linear)
      : name_(std::move(name)), dev_(dev), node_(std::move(node)), linear_(std::move(linear)) {}
  void swap_table(const DmTarget& t);
  std::string name_;
  dev_t dev_ = 0;
  std::string node_;
  DmTarget linear_;
  bool failing_ = false;
};

}  // namespace harness
