#include "report/attribution.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

RunRecord record_with(std::vector<Writer> writers) {
  RunRecord r;
  r.harness_pid = 100;
  FaultEvent run;
  run.fault = "redeploy";
  run.action = "run";
  run.label = "install.sh";
  run.argv = {"/bin/sh", "/src/install.sh"};
  run.pid = 200;
  run.t_start_ms = 10;
  r.faults = {run};
  r.writes.watches = {Watch{"data/app.img", "mnt/app", "/dev/loop0", "loop,ro", 1, 2, 0, 500}};
  r.writes.writers = std::move(writers);
  ExecEvent ok, segv;
  ok.t_ms = 5;
  segv.t_ms = 40;
  segv.outcome.cls = ExecClass::sigsegv;
  r.execs = {ok, segv};
  return r;
}

Writer writer(pid_t pid, pid_t ppid, const std::string& exe, double t) {
  Writer w;
  w.process = ProcessInfo{pid, ppid, exe, {}};
  w.path = "data/app.img";
  w.t_first_ms = t;
  w.modify_events = 1;
  return w;
}

TEST(Attribution, TheOpenerThatTruncatedAndWhatFollowed) {
  Writer sh = writer(200, 100, "/usr/bin/dash", 20);
  sh.t_open_ms = 15;
  sh.truncated = sh.truncated_at_open = true;
  Writer cat = writer(201, 200, "/usr/bin/cat", 21);
  cat.ancestors = {ProcessInfo{200, 100, "/usr/bin/dash", {}}};
  cat.truncated = true;
  RunRecord r = record_with({sh, cat});
  EXPECT_EQ(writer_summary(r),
            "sh install.sh (pid 200), the fault \"redeploy\" (install.sh) truncated and rewrote data/app.img while it "
            "was mounted read-only on /dev/loop0 at mnt/app; 1 SIGSEGV followed, the first 25 ms after the write "
            "(and 1 other writer).");
}

TEST(Attribution, AChildRewritingWhatAnotherTruncated) {
  Writer cat = writer(201, 200, "/usr/bin/cat", 21);
  cat.ancestors = {ProcessInfo{200, 100, "/usr/bin/dash", {}}};
  cat.truncated = true;
  RunRecord r = record_with({cat});
  std::string s = writer_summary(r);
  EXPECT_NE(s.find("cat (pid 201), started by fault \"redeploy\" (install.sh): sh install.sh (pid 200) rewrote the "
                   "truncated data/app.img"),
            std::string::npos)
      << s;
  EXPECT_EQ(s.find("other writer"), std::string::npos) << "no count of others where there are none";
  EXPECT_EQ(s.find("listed below"), std::string::npos);
}

TEST(Attribution, NobodyWrote) { EXPECT_EQ(writer_summary(record_with({})), ""); }

}  // namespace
}  // namespace harness
