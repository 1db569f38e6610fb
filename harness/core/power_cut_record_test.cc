#include "core/power_cut_record.h"

#include <gtest/gtest.h>

#include "core/run_record.h"

namespace harness {
namespace {

using nlohmann::json;

json checks(const std::vector<std::string>& holds) {
  json out = json::array();
  for (const auto& h : holds) out.push_back({{"holds", h}});
  return out;
}

TEST(PowerCutRecord, APointHoldsWhatItsPathsHold) {
  EXPECT_EQ(point_holds(checks({"old"})), "old");
  EXPECT_EQ(point_holds(checks({"new", "new"})), "new");
  EXPECT_EQ(point_holds(checks({"old", "new"})), "mixed");
  EXPECT_EQ(point_holds(checks({"old", "new", "broken"})), "broken") << "broken wins, wherever it is";
  EXPECT_EQ(point_holds(checks({"nothing", "broken", "old"})), "broken");
  EXPECT_EQ(point_holds(json::array({json::object()})), "broken") << "an unclassified check is not a held one";
  EXPECT_EQ(point_holds(json::array()), "nothing");
}

json cut(const std::vector<std::string>& holds, const json& paths = {"data/x.img"}) {
  json points = json::array();
  for (const auto& h : holds) points.push_back({{"holds", h}, {"held", h != "broken"}});
  return {{"scratch", "data"}, {"paths", paths}, {"log_entries", 30}, {"durable_entry", 9},
          {"durable_state", {{"holds", "old"}}}, {"crash_points", points}};
}

TEST(PowerCutRecord, ExercisedOnlyWhenSomeCrashStateHeldTheOldVersion) {
  EXPECT_EQ(power_cut_not_exercised(cut({"old", "new"})), std::nullopt);
  EXPECT_EQ(power_cut_not_exercised(cut({"new", "broken"})), std::nullopt) << "a failure is a finding";
  EXPECT_EQ(power_cut_not_exercised({{"scratch", "data"}, {"error", "no log"}}), std::nullopt)
      << "undecided already, with its own reason";
  auto why = power_cut_not_exercised(cut({"new", "mixed", "nothing"}));
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("of 3 crash points after the setup's install was durable (entry 9 of 30), 1 mixed, 1 new, "
                      "1 nothing"),
            std::string::npos)
      << *why;
  why = power_cut_not_exercised(cut({}));
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("had no crash point after the setup's install was durable"), std::string::npos) << *why;
  why = power_cut_not_exercised(cut({"new"}, json::array()));
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("checked nothing: no `installed` expectation"), std::string::npos) << *why;
  json broken_setup = cut({"new"});
  broken_setup["durable_state"] = {{"holds", "broken"}, {"detail", "data/x.img is torn"}};
  why = power_cut_not_exercised(broken_setup);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("the setup's install was not a complete known version when the harness made it durable "
                      "(data/x.img is torn)"),
            std::string::npos)
      << *why;
}

// Past the replay's time budget the remaining crash points are not judged:
// the expectation is undecided, never passed on the points that were,
// unless one of those broke it.
TEST(PowerCutRecord, PointsNotJudgedLeaveItUndecidedUnlessAJudgedOneBroke) {
  Expectation e;
  e.kind = ExpectationKind::installed;
  e.path = "data/x.img";
  RunRecord r;
  json pc = cut({"old", "new"});
  pc["not_judged"] = 7;
  pc["not_judged_why"] = "the replay's time budget (300 s) was spent after 2 of 9 crash points";
  r.power_cut = json::array({pc});
  InstalledCheck c{Judgement::held, "v1", "holds v1"};
  EXPECT_EQ(power_cut_check(e, r, c), 2u);
  EXPECT_NE(c.state, Judgement::held);
  EXPECT_EQ(c.state, Judgement::undecided);
  EXPECT_NE(c.detail.find("7 crash points not judged (the replay's time budget (300 s)"), std::string::npos) << c.detail;

  r.power_cut[0]["crash_points"][1] = {{"holds", "broken"}, {"held", false},
                                       {"checks", {{{"path", "data/x.img"}, {"held", false}, {"detail", "torn"}}}}};
  c = InstalledCheck{Judgement::held, "v1", "holds v1"};
  power_cut_check(e, r, c);
  EXPECT_NE(c.state, Judgement::held);
  EXPECT_NE(c.state, Judgement::undecided) << "a judged point that broke it is a finding";
  EXPECT_NE(c.detail.find("1 of 2 power-cut crash points broke it"), std::string::npos) << c.detail;

  // All judged, the flushes capped: a pass that says on what it rests.
  pc.erase("not_judged");
  pc["flush_points"] = 500;
  pc["flush_points_cap"] = 64;
  r.power_cut = json::array({pc});
  c = InstalledCheck{Judgement::held, "v1", "holds v1"};
  power_cut_check(e, r, c);
  EXPECT_EQ(c.state, Judgement::held);
  EXPECT_NE(c.detail.find("at all 2 power-cut crash points (64 of its 500 flushes, spread evenly)"), std::string::npos)
      << c.detail;
}

}  // namespace
}  // namespace harness
