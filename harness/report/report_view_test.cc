#include "report/report_view.h"

#include <gtest/gtest.h>

#include "report/report_fixture.h"

namespace harness {
namespace {

using nlohmann::json;

// A snapshot's digest describes its moment only: one taken while an
// installer was rewriting the image says so.
TEST(ReportView, ASnapshotIsPlacedAgainstTheActions) {
  json r = fixture::in_place_installer_report(116);
  const json& ev = r.at("images_evidence");
  EXPECT_EQ(snapshot_moment(r, ev[0]), "at 50 ms, before any action");
  EXPECT_EQ(snapshot_moment(r, ev[2]),
            "at 34.67 s, while fault \"redeploy\" #116 (install-in-place.sh) was running");
  EXPECT_EQ(snapshot_moment(r, ev[3]),
            "at 35.23 s, with no action running (the last, fault \"memory-pressure\" #116 (evict), ended at 34.75 s)");
  EXPECT_EQ(snapshot_moment(r, json{{"when", "old report"}}), "");
}

TEST(ReportView, ResidencyIsClampedAndSaysSo) {
  bool clamped = false;
  EXPECT_DOUBLE_EQ(residency_fraction(json{{"resident_pages", 2612}, {"total_pages", 2560}}, &clamped), 1.0);
  EXPECT_TRUE(clamped);
  EXPECT_DOUBLE_EQ(residency_fraction(json{{"resident_pages", 1280}, {"total_pages", 2560}}, &clamped), 0.5);
  EXPECT_FALSE(clamped);
  EXPECT_DOUBLE_EQ(residency_fraction(json{{"resident_pages", 3}, {"total_pages", 0}}, &clamped), 0.0);
}

TEST(ReportView, ImageAndMountRowsStartWithTheirHeader) {
  json r = fixture::minimal_report();
  EXPECT_EQ(image_rows(r).size(), 1u);
  EXPECT_EQ(mount_rows(r).size(), 1u);
  r["images"] = json::array({{{"name", "demo"}, {"path", "images/demo.img"}, {"size_bytes", 2048}, {"fs", "ext4"}}});
  r["mounts"] = json::array({{{"image", "images/demo.img"}, {"mountpoint", "mnt"}, {"options", "loop,ro"},
                              {"loop_device", "/dev/loop0"}, {"backing_inode", 12}}});
  auto images = image_rows(r);
  ASSERT_EQ(images.size(), 2u);
  EXPECT_EQ(images[0], (std::vector<std::string>{"name", "path", "size", "fs"}));
  EXPECT_EQ(images[1][0], "demo");
  EXPECT_EQ(images[1][3], "ext4");
  auto mounts = mount_rows(r);
  ASSERT_EQ(mounts.size(), 2u);
  EXPECT_EQ(mounts[0].size(), 6u);
  EXPECT_EQ(mounts[1], (std::vector<std::string>{"images/demo.img", "mnt", "loop,ro", "/dev/loop0", "12", ""}));
}

}  // namespace
}  // namespace harness
