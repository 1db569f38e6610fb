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

// A failed setup or finally action's line says how it ended and the last
// line of its stderr (the shell's complaint); what it lacked comes first.
TEST(Event, AFailedActionsLineEndsWithTheLastLineOfItsStderr) {
  FaultEvent e;
  e.fault = "setup";
  e.action = "run";
  e.ok = false;
  e.outcome = "exit 2";
  e.detail = "exit 2 (111 ms)";
  e.stderr_text = "starting\n/bin/sh: 0: cannot open /s/x.sh: No such file\n\n";
  EXPECT_EQ(failure_line("setup action run", e),
            "setup action run ended exit 2 (111 ms); stderr: \"/bin/sh: 0: cannot open /s/x.sh: No such file\"");
  e.missing = "rsync is not in the guest";
  EXPECT_EQ(failure_line("setup action run", e),
            "setup: rsync is not in the guest; setup action run ended exit 2 (111 ms); stderr: \"/bin/sh: 0: cannot "
            "open /s/x.sh: No such file\"");
  EXPECT_EQ(failure_context(e), "; rsync is not in the guest; stderr: \"/bin/sh: 0: cannot open /s/x.sh: No such file\"");
  FaultEvent o;
  o.action = "overwrite";
  o.outcome = "ENOENT";
  o.detail = "v2.img: open";
  EXPECT_EQ(failure_line("setup action overwrite", o), "setup action overwrite ended ENOENT: v2.img: open");
  // "missing" travels with the event.
  EXPECT_EQ(fault_event_from_json(to_json(e)).missing, "rsync is not in the guest");
}

}  // namespace
}  // namespace harness
