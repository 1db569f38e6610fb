// Test-only: a realistic report.json built the way the runner builds one
// (RunRecord + decide() + build_report()), for the renderer tests. A small
// Heroku-like run: warm-up, a truncating overwrite fault beside
// drop_caches, a burst of SIGSEGV/SIGBUS after it, evidence keys filled.
// Header-only so the library does not carry test code.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/run_record.h"
#include "core/verdict.h"
#include "report/report_json.h"

namespace harness::fixture {

inline ExecEvent exec_at(double t, ExecClass c, unsigned long seq, ExecPhase p = ExecPhase::fault) {
  ExecEvent e;
  e.t_ms = t;
  e.dur_ms = 1.5;
  e.seq = seq;
  e.phase = p;
  e.outcome.cls = c;
  e.pid = static_cast<pid_t>(1000 + seq);
  if (c == ExecClass::ok) e.outcome.exit_code = 0;
  if (c == ExecClass::exit_nonzero) e.outcome.exit_code = 3;
  if (c == ExecClass::sigsegv) e.outcome.signal = 11;
  if (c == ExecClass::sigbus) e.outcome.signal = 7;
  if (c == ExecClass::exec_failed) {
    e.outcome.err = 5;
    e.pid = 0;
  }
  return e;
}

inline Expectation crash_expectation() {
  Expectation e;
  e.kind = ExpectationKind::exec_count;
  e.classes = {ExecClass::sigsegv, ExecClass::sigbus};
  e.at_least = 1;
  return e;
}

inline Expectation no_abnormal_expectation() {
  Expectation e;
  e.kind = ExpectationKind::exec_count;
  for (ExecClass c : kAllExecClasses)
    if (is_abnormal(c)) e.classes.insert(c);
  e.at_most = 0;
  return e;
}

// `crashes`: whether the burst happens (a reproduction) or every exec is ok
// (a prevention run).
inline RunRecord heroku_like_record(bool crashes = true, unsigned fault_execs = 200) {
  RunRecord r;
  r.scenario = "heroku-2017-truncation";
  r.scenario_file = "scenarios/heroku-2017-truncation.json";
  r.description = "Truncating and rewriting a loop-mounted read-only image makes programs crash.";
  r.run_id = "fixture-run";
  r.run_dir = "/tmp/fixture-run";
  r.started_at = "2017-02-15T10:00:00Z";
  r.duration_ms = 2500;
  r.backend = "host";
  r.environment = {{"harness_version", "0.1.0"}, {"kernel", "6.1.0-test"}, {"hostname", "ci"},
                   {"backend", "host"}};
  r.harness_pid = 812;
  r.planned_faults = {{"redeploy", false}};
  r.images.push_back(ImageRecord{"demo", "images/demo.img", 10485760, "ext4"});
  r.mounts.push_back(MountRecord{"images/demo.img", "mnt/demo", "loop,ro", "/dev/loop0", 65024, 4242, true, "ro,nosuid,nodev,relatime"});
  r.phases = {{"setup", 0.1}, {"warmup", 50}, {"faults", 100}, {"teardown", 2400}};
  unsigned long seq = 0;
  for (int i = 0; i < 3; ++i) r.execs.push_back(exec_at(50 + i * 10, ExecClass::ok, seq++, ExecPhase::warmup));
  for (unsigned i = 0; i < fault_execs; ++i) {
    double t = 100 + i * (2200.0 / fault_execs);
    ExecClass c = ExecClass::ok;
    if (crashes && t > 900) c = i % 3 == 0 ? ExecClass::sigsegv : i % 3 == 1 ? ExecClass::sigbus : ExecClass::exec_failed;
    r.execs.push_back(exec_at(t, c, seq++));
  }
  for (unsigned fire = 0; fire < 4; ++fire) {
    FaultEvent w;
    w.fault = "redeploy";
    w.action = "overwrite_truncate";
    w.label = "cat backup.img > demo.img";
    w.fire = fire;
    w.t_start_ms = fire == 0 ? 100 : 800 + fire * 300;
    w.t_end_ms = w.t_start_ms + 40;
    w.outcome = "ok";
    w.detail = "wrote 10485760 bytes from backup.img into images/demo.img after truncating it";
    r.faults.push_back(w);
    FaultEvent d = w;
    d.action = "drop_caches";
    d.label.clear();
    d.t_start_ms = w.t_end_ms;
    d.t_end_ms = d.t_start_ms + 5;
    d.detail = "echo 3 > /proc/sys/vm/drop_caches";
    r.faults.push_back(d);
  }
  r.kernel_log = nlohmann::json::array();
  r.kernel_log.push_back({{"t_ms", 950.5}, {"line", "sleep[1234]: segfault at 7f00 ip 55aa error 4 in sleep"}});
  r.kernel_log.push_back({{"t_ms", 951.0}, {"line", "EXT4-fs error (device loop0): bad extent <&\"'>"}});
  Writer w;
  w.process = ProcessInfo{812, 1, "/usr/bin/harness", {"harness", "run"}};
  w.identity_from = "open";
  w.path = "images/demo.img";
  w.t_open_ms = 800.2;
  w.t_first_ms = 800.5;
  w.t_last_ms = 1740;
  w.modify_events = 640;
  w.truncated = true;
  r.writes.writers = {w};
  r.writes.watches = {Watch{"images/demo.img", "mnt/demo", "/dev/loop0", "loop,ro", 65024, 4242, 40, 2450}};
  r.writes.method = "fanotify (fixture)";
  r.images_evidence = nlohmann::json::array();
  for (const char* when : {"before redeploy#0", "after redeploy#3"})
    r.images_evidence.push_back({{"path", "images/demo.img"},
                                 {"when", when},
                                 {"size_bytes", 10485760},
                                 {"sha256", "5e6102bea157f5150855589d6577b94e7a93580b9a694af1afacfa7fd56e85b5"},
                                 {"inode", 4242}});
  r.page_cache = nlohmann::json::array();
  for (int i = 0; i < 10; ++i)
    r.page_cache.push_back({{"t_ms", 100.0 + i * 250},
                            {"path", "images/demo.img"},
                            {"resident_pages", i < 3 ? 2560 : 2560 / (i + 1)},
                            {"total_pages", 2560}});
  return r;
}

inline nlohmann::json heroku_like_report(bool crashes = true, unsigned fault_execs = 200) {
  RunRecord r = heroku_like_record(crashes, fault_execs);
  Verdict v = decide({crashes ? crash_expectation() : no_abnormal_expectation()}, r);
  return build_report(r, v);
}

// The smallest report the renderers must accept: only the core keys.
inline nlohmann::json minimal_report() {
  return nlohmann::json{{"scenario", "bare"},
                        {"verdict", "pass"},
                        {"counts", nlohmann::json::object()},
                        {"events", nlohmann::json::array()}};
}

}  // namespace harness::fixture
