#include "report/exercise_view.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

using nlohmann::json;

TEST(ExerciseView, LabelsEachStateAndSaysWhatToChangeForAMiss) {
  json report = {{"exercise",
                  {{{"fault", "kill"}, {"what", "kill"}, {"state", "missed"}, {"detail", "struck before data/"},
                    {"change", "aim later"}},
                   {{"fault", "kill"}, {"what", "kill"}, {"state", "exercised"}, {"detail", "after 3 ops"}, {"change", ""}},
                   {{"fault", ""}, {"what", "enospc"}, {"state", "refused"}, {"detail", "nothing written"}, {"change", ""}},
                   {{"fault", "redeploy"}, {"what", "offer"}, {"state", "note"}, {"detail", "store/app.img: the same bytes"},
                    {"change", ""}}}}};
  auto lines = exercise_lines(report);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].label, "NOT EXERCISED");
  EXPECT_EQ(lines[0].text, "fault \"kill\": struck before data/ -- to exercise it: aim later");
  EXPECT_EQ(lines[1].label, "exercised");
  EXPECT_EQ(lines[2].label, "refused");
  EXPECT_EQ(lines[2].text, "nothing written");
  EXPECT_EQ(lines[3].label, "offered");
  EXPECT_FALSE(same_version_only(report));
  report["exercise"].push_back({{"fault", ""}, {"what", "offer"}, {"state", "note"},
                                {"detail", "same version only: every fault offered the bytes already installed"},
                                {"change", "add a fault that offers a new version"}});
  EXPECT_TRUE(same_version_only(report));
  EXPECT_EQ(exercise_lines(report).back().text,
            "same version only: every fault offered the bytes already installed (add a fault that offers a new version)");
  EXPECT_TRUE(exercise_lines(json::object()).empty());
}

}  // namespace
}  // namespace harness
