#include "vm/scratch_disk.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace harness
