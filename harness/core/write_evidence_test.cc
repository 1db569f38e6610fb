#include "core/write_evidence.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

TEST(WriteEvidence, RoundTripsThroughJson) {
  WriteEvidence e;
  e.method = "fanotify";
  e.time_source = "read time";
  e.incomplete = "overflow";
  Watch w{"data/app.img", "mnt/app", "/dev/loop3", "loop,ro", 64769, 12, 4.5, 900.25, 111, 222, 10, 0};
  e.watches = {w};
  Writer wr;
  wr.process = ProcessInfo{42, 41, "/usr/bin/cat", {"cat"}};
  wr.ancestors = {ProcessInfo{41, 1, "/bin/sh", {"sh", "-c", "x"}}};
  wr.identity_from = "exec";
  wr.path = "data/app.img";
  wr.t_open_ms = 10;
  wr.t_first_ms = 11;
  wr.t_last_ms = 50;
  wr.modify_events = 7;
  wr.close_write_events = 1;
  wr.truncated = true;
  wr.min_size_seen = 0;
  e.writers = {wr};
  nlohmann::json writers = nlohmann::json::array({to_json(wr)});
  WriteEvidence back = write_evidence_from_json(to_json(e), writers);
  EXPECT_EQ(to_json(back), to_json(e));
  ASSERT_EQ(back.writers.size(), 1u);
  EXPECT_EQ(to_json(back.writers[0]), to_json(wr));
  EXPECT_TRUE(back.watches[0].modified_per_mtime());
  EXPECT_FALSE(back.can_prove_absence());
  EXPECT_EQ(back.writers_of("data/app.img").size(), 1u);
  EXPECT_TRUE(back.writers_of("other.img").empty());
  EXPECT_EQ(back.watch_of("data/app.img")->loop_device, "/dev/loop3");
}

TEST(WriteEvidence, AnOldReportHasNoEvidenceAndSaysSo) {
  WriteEvidence e = write_evidence_from_json(nullptr, nlohmann::json::array());
  EXPECT_FALSE(e.unavailable.empty());
  EXPECT_FALSE(e.can_prove_absence());
}

}  // namespace
}  // namespace harness
