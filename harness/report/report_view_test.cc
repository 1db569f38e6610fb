#include "report/report_view.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>

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

// "What happened" counts the execs under fault as the statistics do: from
// the first fault action (here memory pressure, before the first write),
// not from the first writing action.
TEST(ReportView, WhatHappenedCountsTheExecsUnderFaultAsTheStatisticsDo) {
  RunRecord r = fixture::heroku_like_record(/*crashes=*/false);
  r.planned_faults.push_back({"memory-pressure", false});
  FaultEvent evict;
  evict.fault = "memory-pressure";
  evict.action = "evict";
  evict.t_start_ms = 80;
  evict.t_end_ms = 81;
  evict.outcome = "ok";
  r.faults.insert(r.faults.begin(), evict);
  for (unsigned long i = 0; i < 28; ++i) r.execs.push_back(fixture::exec_at(82 + i * 0.5, ExecClass::ok, 1000 + i));
  std::stable_sort(r.execs.begin(), r.execs.end(), [](const ExecEvent& a, const ExecEvent& b) { return a.t_ms < b.t_ms; });
  json report = build_report(r, decide({fixture::no_abnormal_expectation()}, r));
  ASSERT_EQ(report["execs"]["under_fault"], 228u);
  std::string s = what_happened(report);
  EXPECT_NE(s.find("None of the 228 workload execs under fault (started from 80 ms, when the first fault action began) "
                   "died by a signal."),
            std::string::npos)
      << s;
  EXPECT_EQ(s.find("200 workload execs"), std::string::npos) << s;
  // With crashes, the same count.
  RunRecord c = fixture::heroku_like_record(/*crashes=*/true);
  json crashed = build_report(c, decide({fixture::crash_expectation()}, c));
  EXPECT_NE(what_happened(crashed).find(fmt::format("Of the {} workload execs under fault",
                                                    crashed["execs"]["under_fault"].get<unsigned long>())),
            std::string::npos)
      << what_happened(crashed);
}

}  // namespace
}  // namespace harness
