// ScratchFilesystems: a run's scratch filesystems (Scenario::scratch), each
// an empty image built under scratch-images/ and loop-mounted read-write at
// its work path before the setup actions: a data folder of its own size
// that fills up. It keeps a directory fd on each, so that an image a setup
// step installs there can be opened beneath it without crossing a mount.
// Unmounted last (an image mount may lie on one), in reverse order.
//
// A scratch with io_errors sits on a device-mapper device (linear over the
// image's loop device) that an io_error action can make fail every I/O
// (DiskFaults); after the faults, recover_failed_disks() heals it, checks
// the filesystem and mounts it again, as an operator would once the disk
// answers again.
#pragma once

#include <atomic>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/scoped_fd.h"
#include "base/run_dir.h"
#include "core/event.h"
#include "core/scenario.h"
#include "host/device_mapper.h"
#include "host/fault.h"
#include "host/image.h"
#include "host/loop_device.h"
#include "host/mount.h"

namespace harness {

class ScratchFilesystems : public DiskFaults {
 public:
  // Builds the `index`-th (0-based) scratch filesystem's image, empty.
  static BuiltImage build(const ScratchSpec& sc, size_t index, const RunDir& dir);
  // Mounts the image `build` made at `sc.path`, checking that the loop
  // device holds that very file.
  void mount(const ScratchSpec& sc, const BuiltImage& image, RunDir& dir);
  // Mounts a disk the vm backend made for the `index`-th scratch, a
  // power-cut one (its writes logged by qemu on the host): the filesystem
  // is on it already. Returns the disk's size in bytes, as its block
  // device reports it (the filesystem and, past its end, the durable mark).
  unsigned long long mount_device(const ScratchSpec& sc, size_t index, const std::filesystem::path& device, RunDir& dir);
  // After the setup actions: what they installed on each power-cut disk
  // made durable, and the disk's write log marked at that moment
  // (host/setup_durable.h). One event each (fault "setup", action
  // "durable"). Throws RuntimeError: crash points need the mark.
  std::vector<FaultEvent> make_setups_durable(const RunClock& clock);
  // `image` opened read-only beneath the scratch filesystem it lies on,
  // without crossing a mount below that; nullopt if it lies on none.
  std::optional<ScopedFd> open_beneath(const std::string& image) const;
  // DiskFaults: the scratch at `scratch` (made with io_errors) fails
  // every I/O from now on.
  std::string fail_disk(const std::string& scratch) override;
  // Whether fail_disk() failed some disk.
  bool has_failed_disks() const;
  // For each disk that fail_disk() failed, the operator's repair once the
  // errors pass: heals the disk (the errors were transient; a power-off is
  // the power_cut fault), unmounts the filesystem, runs e2fsck -fy and
  // mounts it again (read-only when errors are left). One event each (fault "recovery", action
  // "fsck"); a failure (busy, errors left) is its outcome. Nothing may
  // hold files on it. `stop` ends e2fsck early.
  std::vector<FaultEvent> recover_failed_disks(RunDir& dir, const RunClock& clock, const std::atomic<bool>* stop);
  // Closes the directory fds, then unmounts, last mounted first.
  void unmount();

 private:
  // A scratch on a device-mapper device: torn down mount, then device,
  // then loop device. Our own descriptor keeps the loop device attached
  // while the `error` table (which holds no device) is loaded: without it
  // autoclear would free it then, and the healed table would map nothing.
  struct DmScratch {
    ScratchSpec spec;
    LoopDevice loop;
    ScopedFd loop_fd;
    DmDevice dm;
    std::optional<Mount> mount;
  };
  void mount_on_device_mapper(const ScratchSpec& sc, const BuiltImage& image, RunDir& dir);
  std::vector<DmScratch> dm_;
  mutable std::mutex dm_mu_;  // fault threads fail disks concurrently
  std::vector<Mount> mounts_;
  struct PowerCutScratch {
    ScratchSpec spec;
    size_t index;
    std::filesystem::path device;
  };
  std::vector<PowerCutScratch> power_cut_;
  // Declared after mounts_: closed before the unmount.
  std::vector<std::pair<std::string, ScopedFd>> roots_;
};

// `path` relative to `dir` if it lies strictly below it (both clean work
// paths), else nullopt.
std::optional<std::string> path_below(const std::string& path, const std::string& dir);

}  // namespace harness
