#include "core/event.h"

#include <gtest/gtest.h>
#include <signal.h>

namespace harness {
namespace {

TEST(Event, ExecEventsRoundTripWithTheirClassDetail) {
  ExecEvent e;
  e.t_ms = 12.5;
  e.dur_ms = 1.25;
  e.worker = 1;
  e.seq = 41;
  e.phase = ExecPhase::warmup;
  e.outcome = classify_exec_failure(5);  // EIO
  e.pid = 0;
  nlohmann::json j = to_json(e);
  EXPECT_EQ(j.at("class"), "exec_failed");
  EXPECT_EQ(j.at("errno_name"), "EIO");
  EXPECT_TRUE(j.at("exit_code").is_null());
  ExecEvent back = exec_event_from_json(j);
  EXPECT_EQ(back.outcome.cls, ExecClass::exec_failed);
  EXPECT_EQ(back.outcome.err, 5);
  EXPECT_EQ(back.phase, ExecPhase::warmup);
  EXPECT_EQ(back.seq, 41u);
  EXPECT_EQ(to_json(back), j);

  ExecEvent segv;
  segv.outcome = classify_hung(SIGKILL);
  EXPECT_EQ(to_json(exec_event_from_json(to_json(segv))), to_json(segv));
}

TEST(Event, FaultAndPhaseEventsRoundTrip) {
  FaultEvent f;
  f.fault = "redeploy";
  f.action = "run";
  f.label = "stack-install (regressed)";
  f.fire = 2;
  f.t_start_ms = 100;
  f.t_end_ms = 150;
  f.ok = false;
  f.outcome = "exit 5";
  f.pid = 812;
  f.argv = {"stack-install", "--mode", "regressed"};
  f.stdout_text = "{\"decision\": \"installed\"}\n";
  f.result = {{"decision", "installed"}};
  FaultEvent back = fault_event_from_json(to_json(f));
  EXPECT_EQ(to_json(back), to_json(f));
  EXPECT_EQ(back.argv, f.argv);
  PhaseEvent p{"faults", 42.5};
  EXPECT_EQ(to_json(phase_event_from_json(to_json(p))), to_json(p));
}

}  // namespace
}  // namespace harness
