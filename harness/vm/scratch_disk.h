// ScratchDisk: the guest's /dev/vda, a sparse raw disk with an ext4 made
// on the host, holding the scenario's prebuilt images and copies.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/scenario.h"

namespace harness {

// A sparse raw disk with an ext4 holding `content` (mkfs.ext4 -d), big
// enough for every image and copy and `content_bytes` more (the guest
// bundle). Replaces `file`.
void make_scratch_disk(const std::filesystem::path& file, const Scenario& s, const std::filesystem::path& content,
                       unsigned long long content_bytes = 0);

// A `power_cut` scratch filesystem's disk (/dev/vdb...), logged by qemu's
// blklogwrites: `base` is the filesystem as the guest first sees it (made
// once), `image` the disk the guest writes (a copy of it), `log` the
// write log (emptied). make_power_cut_disks() makes them anew (a retried
// boot starts from the base again). The disk is power_cut_disk_bytes():
// kDurableMarkReserve more than its `size_mib` filesystem, room for the
// guest's durable mark (core/durable_mark.h).
struct PowerCutDisk {
  size_t index = 0;     // in the scenario's scratch list
  std::string scratch;  // its work path
  std::string fs;
  unsigned size_mib = 0;
  std::filesystem::path base, image, log;
};
std::vector<PowerCutDisk> power_cut_disks(const Scenario& s, const std::filesystem::path& work);
unsigned long long power_cut_disk_bytes(unsigned fs_mib);
void make_power_cut_disks(const std::vector<PowerCutDisk>& disks);

}  // namespace harness
