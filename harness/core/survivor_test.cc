#include "core/survivor.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

Survivor survivor(pid_t pid, std::string fault, pid_t action_pid, std::vector<std::string> argv = {}) {
  Survivor s;
  s.pid = pid;
  s.exe = "/usr/bin/sleep";
  s.argv = std::move(argv);
  s.cgroup = "/harness-9-1/run-3";
  s.fault = std::move(fault);
  s.fire = 2;
  s.action_pid = action_pid;
  s.action = "fault \"redeploy\" (install.sh)";
  s.t_killed_ms = 1234.5;
  return s;
}

TEST(Survivor, RoundTripsThroughJson) {
  Survivor s = survivor(42, "redeploy", 40, {"sleep", "317"});
  Survivor back = survivor_from_json(to_json(s));
  EXPECT_EQ(back.pid, 42);
  EXPECT_EQ(back.exe, s.exe);
  EXPECT_EQ(back.argv, s.argv);
  EXPECT_EQ(back.cgroup, s.cgroup);
  EXPECT_EQ(back.fault, "redeploy");
  EXPECT_EQ(back.fire, 2u);
  EXPECT_EQ(back.action_pid, 40);
  EXPECT_EQ(back.action, s.action);
  EXPECT_EQ(back.t_killed_ms, 1234.5);
  EXPECT_THROW(survivor_from_json(nlohmann::json::object()), nlohmann::json::exception);
}

TEST(Survivor, OneReasonPerActionNamingWhatWasLeftAndWhatToChange) {
  std::vector<Survivor> list = {survivor(42, "redeploy", 40, {"sleep", "317"}),
                                survivor(43, "redeploy", 40, {"sh", "-c", std::string(200, 'x')}),
                                survivor(44, "workload", 0)};
  auto reasons = survivor_reasons(list);
  ASSERT_EQ(reasons.size(), 2u);
  EXPECT_EQ(reasons[0].rfind("fault \"redeploy\" (install.sh) left `sleep 317` (pid 42), `sh -c xxx", 0), 0u)
      << reasons[0];
  EXPECT_NE(reasons[0].find("...` (pid 43)"), std::string::npos) << "a long command line is cut: " << reasons[0];
  EXPECT_NE(reasons[0].find("killed them"), std::string::npos) << reasons[0];
  EXPECT_NE(reasons[0].find("`wait`"), std::string::npos) << reasons[0];
  // No argv: named by its program.
  EXPECT_EQ(reasons[1].rfind("a workload exec left `sleep` (pid 44)", 0), 0u) << reasons[1];
  EXPECT_NE(reasons[1].find("make the workload's program wait"), std::string::npos) << reasons[1];
  EXPECT_TRUE(survivor_reasons({}).empty());
}

}  // namespace
}  // namespace harness
