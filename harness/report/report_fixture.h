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
  r.backend = BackendKind::host;
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

// A gate run of an installer that rewrites the mounted image in place
// (examples/gate/gate-in-place.json, run long enough for `fires`
// redeploys): each redeploy is a shell that opens data/app.img with
// O_TRUNC and a cat writing through its descriptor, so 2 x `fires`
// writers; nothing crashes; one snapshot falls inside a redeploy (size 0),
// and one page-cache sample counts more pages than the file's size had.
inline RunRecord in_place_installer_record(unsigned fires = 116) {
  RunRecord r;
  r.scenario = "gate-in-place";
  r.scenario_file = "examples/gate/gate-in-place.json";
  r.run_id = "in-place";
  r.run_dir = "/tmp/in-place";
  r.started_at = "2026-11-29T10:00:00Z";
  r.backend = BackendKind::vm;
  r.environment = {{"harness_version", "0.1.0"}, {"kernel", "6.1.0-test"}, {"backend", "vm"}};
  r.harness_pid = 100;
  r.planned_faults = {{"redeploy", false}, {"memory-pressure", false}};
  r.images.push_back(ImageRecord{"app", "store/app.img", 10485760, "ext4"});
  r.mounts.push_back(MountRecord{"data/app.img", "mnt/app", "loop,ro", "/dev/loop0", 2049, 77, true, "ro,nosuid,nodev,relatime"});
  const double period = 300, first = 150;
  r.duration_ms = first + fires * period + 400;
  r.phases = {{"setup", 0.1}, {"warmup", 60}, {"faults", 140}, {"teardown", r.duration_ms - 100}};
  unsigned long seq = 0;
  for (int i = 0; i < 3; ++i) r.execs.push_back(exec_at(60 + i * 20, ExecClass::ok, seq++, ExecPhase::warmup));
  const unsigned execs = 1500;
  for (unsigned i = 0; i < execs; ++i) r.execs.push_back(exec_at(first + i * (fires * period / execs), ExecClass::ok, seq++));
  for (unsigned fire = 0; fire < fires; ++fire) {
    double t = first + fire * period;
    FaultEvent f;
    f.fault = "redeploy";
    f.action = "run";
    f.label = "install-in-place.sh";
    f.fire = fire;
    f.t_start_ms = t;
    f.t_end_ms = t + 60;
    f.outcome = "ok";
    f.detail = "exit 0 (60 ms)";
    f.pid = static_cast<pid_t>(2000 + fire * 10);
    f.argv = {"/src/examples/gate/install-in-place.sh", "/tmp/in-place/work/store", "/tmp/in-place/work/data", "app"};
    r.faults.push_back(f);
    FaultEvent e;
    e.fault = "memory-pressure";
    e.action = "evict";
    e.fire = fire;
    e.t_start_ms = t + 100;
    e.t_end_ms = t + 101;
    e.outcome = "ok";
    r.faults.push_back(e);
    Writer sh;
    sh.process = ProcessInfo{f.pid, r.harness_pid, "/bin/dash", {"/bin/sh", f.argv[0]}};
    sh.identity_from = "open";
    sh.path = "data/app.img";
    sh.t_open_ms = t + 5;
    sh.t_first_ms = sh.t_last_ms = t + 55;
    sh.close_write_events = 1;
    sh.truncated = sh.truncated_at_open = true;
    sh.min_size_seen = 10485760;
    Writer cat;
    cat.process = ProcessInfo{f.pid + 3, f.pid, "/usr/bin/cat", {"cat", "/tmp/in-place/work/store/app.img"}};
    cat.ancestors = {sh.process};
    cat.identity_from = "exec";
    cat.path = "data/app.img";
    cat.t_first_ms = cat.t_last_ms = t + 50;
    cat.modify_events = 1;
    cat.min_size_seen = 10485760;  // read once it had rewritten everything
    r.writes.writers.push_back(sh);
    r.writes.writers.push_back(cat);
  }
  // As the backend leaves them (host/evidence.cc).
  mark_inherited_truncation(r.writes.writers);
  r.writes.watches = {Watch{"data/app.img", "mnt/app", "/dev/loop0", "loop,ro", 2049, 77, 100, r.duration_ms - 80}};
  r.writes.method = "fanotify (fixture)";
  const std::string full = "8ab65f6554f29caf38e0f8164d21ea1c00bd5042af459527b43f3a7ce59454ae";
  const std::string empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  r.images_evidence = nlohmann::json::array();
  auto snap = [&](const char* when, double t, long long size, const std::string& sha) {
    r.images_evidence.push_back({{"path", "data/app.img"}, {"when", when}, {"t_ms", t}, {"size_bytes", size},
                                 {"sha256", sha}, {"inode", 77}, {"mounted_inode", 77}, {"backing_replaced", false}});
  };
  snap("mounted", 50, 10485760, full);
  snap("before faults", 130, 10485760, full);
  snap("after memory-pressure", first + (fires - 1) * period + 20, 0, empty);  // mid-redeploy
  snap("end", r.duration_ms - 120, 10485760, full);
  r.page_cache = nlohmann::json::array();
  for (unsigned i = 0; i < 20; ++i)
    r.page_cache.push_back({{"t_ms", 100.0 + i * 100},
                            {"path", "data/app.img"},
                            {"resident_pages", i == 7 ? 2612 : 2560},  // 102%: read as the file grew back
                            {"total_pages", 2560}});
  return r;
}

inline std::vector<Expectation> gate_expectations() {
  Expectation no_write;
  no_write.kind = ExpectationKind::no_write_while_mounted;
  no_write.path = "data/app.img";
  Expectation min_execs;
  min_execs.kind = ExpectationKind::min_execs_under_fault;
  min_execs.at_least = 1000;
  return {no_write, no_abnormal_expectation(), min_execs};
}

inline nlohmann::json in_place_installer_report(unsigned fires = 116) {
  RunRecord r = in_place_installer_record(fires);
  return build_report(r, decide(gate_expectations(), r));
}

// A matrix power-cut cell (regressed x power-cut) as the vm backend
// records it: the setup installs v1 into the data folder, a 16 MiB disk
// of its own (/dev/vdb) whose writes qemu logs; fault "install" redeploys
// v2 in place, the program runs from the store's copy (nothing installed
// is mounted, so nothing checks writes to a mounted image). After the
// faults data/stack.img holds v2 beside its .sha256 sidecar; its .md5
// does not exist. The log is replayed to 4 crash points, one of them torn.
// `first_fault_ms` is where fault "install" starts (the first exec under
// fault follows 10 ms later).
inline RunRecord power_cut_cell_record() {
  RunRecord r;
  r.scenario = "matrix--regressed--power-cut";
  r.scenario_file = "cells/matrix--regressed--power-cut.json";
  r.description = "regressed x power-cut";
  r.run_id = "power-cut";
  r.run_dir = "/tmp/power-cut";
  r.started_at = "2026-12-01T10:00:00Z";
  r.duration_ms = 9000;
  r.backend = BackendKind::vm;
  r.environment = {{"harness_version", "0.1.0"}, {"kernel", "6.1.0-test"}, {"hostname", "ci"}, {"backend", "vm"}};
  r.harness_pid = 100;
  r.planned_faults = {{"install", false}};
  r.images.push_back(ImageRecord{"v1", "v1/stack.img", 4194304, "ext4"});
  r.images.push_back(ImageRecord{"v2", "v2/stack.img", 4194304, "ext4"});
  r.images.push_back(ImageRecord{"scratch-1", "/dev/vdb", 16777216, "ext4"});
  r.mounts.push_back(MountRecord{"v1/stack.img", "mnt/stack", "loop,ro", "/dev/loop0", 2049, 12, true, "ro,nosuid,nodev,relatime"});
  r.phases = {{"setup", 0.1}, {"warmup", 40}, {"faults", 100}, {"teardown", 2700}};
  unsigned long seq = 0;
  for (int i = 0; i < 3; ++i) r.execs.push_back(exec_at(40 + i * 10, ExecClass::ok, seq++, ExecPhase::warmup));
  for (int i = 0; i < 250; ++i) r.execs.push_back(exec_at(110 + i * 10, ExecClass::ok, seq++));
  FaultEvent setup;
  setup.fault = "setup";
  setup.action = "run";
  setup.label = "regressed (installs v1)";
  setup.t_start_ms = 1;
  setup.t_end_ms = 30;
  setup.outcome = "ok";
  setup.detail = "exit 0";
  r.faults.push_back(setup);
  FaultEvent install = setup;
  install.fault = "install";
  install.label = "regressed (redeploys v2)";
  install.t_start_ms = 100;
  install.t_end_ms = 1400;
  r.faults.push_back(install);
  const std::string v1(64, 'a'), v2(64, 'c');
  auto file = [&](const char* moment, const char* path, const std::string& sha, bool exists = true) {
    nlohmann::json f = {{"moment", moment}, {"path", path}, {"exists", exists}};
    if (exists) f.update({{"size", 4194304}, {"sha256", sha}, {"md5", std::string(32, sha[0])}, {"head", sha + "  stack.img\n"}});
    r.files_evidence.push_back(f);
  };
  r.files_evidence = nlohmann::json::array();
  for (const char* moment : {"after faults", "end"}) {
    file(moment, "v1/stack.img", v1);
    file(moment, "v2/stack.img", v2);
    file(moment, "data/stack.img", v2);
    file(moment, "data/stack.img.sha256", v2);
    file(moment, "data/stack.img.md5", "", false);
  }
  auto point = [](unsigned entries, const char* why, int fsck, bool held, const std::string& detail) {
    return nlohmann::json{{"entries", entries}, {"why", why}, {"fsck", fsck},
                          {"checks", {{{"path", "data/stack.img"}, {"held", held}, {"detail", detail}}}}};
  };
  r.power_cut = nlohmann::json::array({{{"scratch", "data"}, {"paths", {"data/stack.img"}}, {"seed", 7},
                                        {"log_entries", 40}, {"flushes", 3}, {"log_sector_size", 512},
                                        {"crash_points", {
      point(6, "flush", 0, true, "nothing installed yet: data/stack.img and its sidecars do not exist"),
      point(14, "flush", 0, true, "data/stack.img holds v1/stack.img (sha256 aaaaaaaaaaaa); its sidecar data/stack.img.sha256 agrees"),
      point(23, "between", 1, false, "data/stack.img is torn: 4194304 bytes, sha256 5d41402abc4b, which is none of v1/stack.img, v2/stack.img"),
      point(40, "end", 0, true, "data/stack.img holds v2/stack.img (sha256 cccccccccccc); its sidecar data/stack.img.sha256 agrees")}}}});
  return r;
}

inline std::vector<Expectation> power_cut_cell_expectations() {
  Expectation installed;
  installed.kind = ExpectationKind::installed;
  installed.path = "data/stack.img";
  installed.versions = {"v1/stack.img", "v2/stack.img"};
  installed.sidecars = {"data/stack.img.md5", "data/stack.img.sha256"};
  installed.fault = "install";
  Expectation at_end = installed;
  at_end.at_end = true;
  at_end.fault.clear();
  return {no_abnormal_expectation(), installed, at_end};
}

inline nlohmann::json power_cut_cell_report() {
  RunRecord r = power_cut_cell_record();
  return build_report(r, decide(power_cut_cell_expectations(), r));
}

// The smallest report the renderers must accept: only the core keys.
inline nlohmann::json minimal_report() {
  return nlohmann::json{{"scenario", "bare"},
                        {"verdict", "pass"},
                        {"counts", nlohmann::json::object()},
                        {"events", nlohmann::json::array()}};
}

}  // namespace harness::fixture
