// SetupDurable: the guest's half of a power cut's durable point
// (core/durable_mark.h). After the setup actions, what they installed on a
// power-cut scratch filesystem is made durable, and the write log on the
// host gets a mark it can find at that moment:
//   1. syncfs() on the filesystem: every write it made is complete and
//      flushed (ext4 commits its journal and flushes the device; the loop
//      device under it fsyncs the raw disk);
//   2. the mark's block written to the raw disk past the filesystem's end
//      (durable_mark_offset()), with O_DIRECT|O_DSYNC: one write that
//      bypasses the page cache and is flushed before pwrite returns;
//   3. fdatasync() of the disk, for a device that ignores O_DSYNC's FUA.
// The disk must be larger than the filesystem (vm/scratch_disk.h makes it
// kDurableMarkReserve larger): a disk without room is refused, never
// written inside the filesystem.
#pragma once

#include <filesystem>
#include <string>

#include "core/scenario.h"

namespace harness {

// Steps 1-3 for the `index`-th scratch folder `sc`, whose filesystem is
// mounted with `fs_root` (a descriptor of its root) from `device`.
// Returns what was done, for the setup's event. Throws RuntimeError.
std::string make_setup_durable(int fs_root, const std::filesystem::path& device, const ScratchSpec& sc, size_t index);

}  // namespace harness
