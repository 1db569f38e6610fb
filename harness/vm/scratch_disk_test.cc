#include "vm/scratch_disk.h"

#include <endian.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "core/durable_mark.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

ScratchSpec scratch(const std::string& path, bool power_cut, unsigned mib, const std::string& fs = "ext4") {
  ScratchSpec sc;
  sc.path = path;
  sc.size_mib = mib;
  sc.fs = fs;
  sc.power_cut = power_cut;
  return sc;
}

TEST(ScratchDisk, OnlyPowerCutScratchFoldersGetLoggedDisks) {
  Scenario s;
  s.scratch = {scratch("tmp", false, 8), scratch("data", true, 32), scratch("more", true, 16, "ext2")};
  std::vector<PowerCutDisk> disks = power_cut_disks(s, "/run/work");
  ASSERT_EQ(disks.size(), 2u);
  EXPECT_EQ(disks[0].index, 1u) << "its place in the scenario's list";
  EXPECT_EQ(disks[0].scratch, "data");
  EXPECT_EQ(disks[0].fs, "ext4");
  EXPECT_EQ(disks[0].size_mib, 32u);
  // Named by the scratch folder's place, counted from 1.
  EXPECT_EQ(disks[0].base, fs::path("/run/work/power-cut-2.base.img"));
  EXPECT_EQ(disks[0].image, fs::path("/run/work/power-cut-2.img"));
  EXPECT_EQ(disks[0].log, fs::path("/run/work/power-cut-2.log"));
  EXPECT_EQ(disks[1].index, 2u);
  EXPECT_EQ(disks[1].fs, "ext2");
  EXPECT_EQ(disks[1].log, fs::path("/run/work/power-cut-3.log"));
}

TEST(ScratchDisk, NoPowerCutNoDisks) {
  Scenario s;
  EXPECT_TRUE(power_cut_disks(s, "/w").empty());
  s.scratch = {scratch("data", false, 8)};
  EXPECT_TRUE(power_cut_disks(s, "/w").empty());
}

// The guest writes the durable mark past the filesystem's end: the disk
// must have room there, and the filesystem must not reach it.
TEST(ScratchDisk, APowerCutDiskHasRoomPastItsFilesystemForTheDurableMark) {
  testing::TempDir tmp;
  Scenario s;
  s.scratch = {scratch("data", true, 16)};
  std::vector<PowerCutDisk> disks = power_cut_disks(s, tmp.path());
  make_power_cut_disks(disks);
  EXPECT_EQ(fs::file_size(disks[0].base), power_cut_disk_bytes(16));
  EXPECT_EQ(fs::file_size(disks[0].image), power_cut_disk_bytes(16)) << "the guest's copy";
  EXPECT_EQ(fs::file_size(disks[0].log), 0u);
  EXPECT_GE(power_cut_disk_bytes(16), durable_mark_offset(16) + kDurableMarkBytes);
  // The ext superblock at byte 1024: blocks (offset 4) of 1024 << log (offset 24) bytes.
  std::ifstream in(disks[0].base, std::ios::binary);
  char sb[1024];
  in.seekg(1024);
  in.read(sb, sizeof sb);
  uint32_t blocks, log_size;
  std::memcpy(&blocks, sb + 4, 4);
  std::memcpy(&log_size, sb + 24, 4);
  EXPECT_EQ(static_cast<uint64_t>(le32toh(blocks)) * (1024u << le32toh(log_size)), durable_mark_offset(16))
      << "the filesystem ends where the mark begins";
}

}  // namespace
}  // namespace harness
