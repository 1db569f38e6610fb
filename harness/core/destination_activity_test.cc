#include "core/destination_activity.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

using nlohmann::json;

TEST(ScratchSpace, FilledMeansAFewBlocksLeftAtMost) {
  ScratchSpace s;
  s.size_bytes = 8 << 20;
  s.block_bytes = 4096;
  s.samples = 10;
  s.min_free_bytes = 4 * 4096;
  EXPECT_TRUE(s.filled());
  s.min_free_bytes = 2 << 20;
  EXPECT_FALSE(s.filled());
  s.samples = 0;
  s.min_free_bytes = 0;
  EXPECT_FALSE(s.filled()) << "never sampled is not full";
}

TEST(DestinationActivity, RoundTripsThroughJsonAndRefusesAMisspeltKey) {
  DestinationActivity a;
  a.folders = {"data"};
  a.ops.push_back({1.5, 2.5, DestinationOpKind::write, "data", ".tmp", 3});
  a.ops.push_back({3, 3, DestinationOpKind::rename_to, "data", "app.img", 1});
  a.t_from_ms = 1;
  a.t_to_ms = 9;
  DestinationActivity b = destination_activity_from_json(to_json(a));
  EXPECT_EQ(to_json(b), to_json(a));
  json j = to_json(a);
  j["ops"][0]["op"] = "wrote";
  EXPECT_ANY_THROW(destination_activity_from_json(j));
  j = to_json(a);
  j.erase("truncated");
  EXPECT_ANY_THROW(destination_activity_from_json(j));
  Offer o{"redeploy", "store/app.img", "data/app.img", "ab", true};
  EXPECT_EQ(to_json(offer_from_json(to_json(o))), to_json(o));
  ScratchSpace s{"data", true, 100, 10, 5, 3, 7};
  EXPECT_EQ(to_json(scratch_space_from_json(to_json(s))), to_json(s));
}

TEST(DestinationActivity, OpsBetweenTakesThoseThatBeganInTheWindow) {
  DestinationActivity a;
  for (double t : {1.0, 5.0, 9.0}) a.ops.push_back({t, t, DestinationOpKind::create, "d", "x", 1});
  EXPECT_EQ(ops_between(a, 1, 9).size(), 2u);
  EXPECT_EQ(ops_between(a, 0, 1).size(), 0u);
  EXPECT_EQ(ops_between(a, 9, 10).size(), 1u);
}

}  // namespace
}  // namespace harness
