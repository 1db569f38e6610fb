#include "core/power_cut_record.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace harness
