// The conductor against a fake machine on virtual time: no root, no
// kernel, milliseconds. Each exec of the fake workload takes 10 virtual ms
// and waits (in real time, bounded) for the faults due by then to have
// started, so what happened before what is fixed and the runs are exact.
#include "core/conductor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "core/expectation_fixture.h"
#include "core/verdict.h"

namespace harness {
namespace {

using std::chrono::milliseconds;
using fixture::count;

// Virtual time: moves only when advance() is called.
class VirtualTime final : public RunTimer {
 public:
  RunClock::Source source() {
    return [this] {
      std::lock_guard<std::mutex> lock(mu_);
      return MonoClock::time_point(milliseconds(now_));
    };
  }
  long now() {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void advance(long ms) {
    std::function<void()> fire;
    {
      std::lock_guard<std::mutex> lock(mu_);
      now_ += ms;
      if (alarm_ && now_ >= alarm_at_) fire = std::exchange(alarm_, nullptr);
    }
    cv_.notify_all();
    if (fire) fire();
  }
  // Returns when the time has moved on by `d`, or after a real millisecond:
  // the caller looks at the clock again.
  void sleep_for(milliseconds d) override {
    std::unique_lock<std::mutex> lock(mu_);
    long until = now_ + d.count();
    cv_.wait_for(lock, milliseconds(1), [&] { return now_ >= until; });
  }
  void arm(milliseconds after, std::function<void()> fire) override {
    std::lock_guard<std::mutex> lock(mu_);
    alarm_at_ = now_ + after.count();
    alarm_ = std::move(fire);
  }
  void disarm() override {
    std::lock_guard<std::mutex> lock(mu_);
    alarm_ = nullptr;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  long now_ = 0;
  long alarm_at_ = 0;
  std::function<void()> alarm_;
};

// Records every call in `log`; the workload runs `script` (one class per
// exec under fault).
class FakeMachine final : public RunMachine {
 public:
  explicit FakeMachine(VirtualTime& time) : time_(time) {}

  std::vector<ExecClass> script;
  // When each fault is scheduled to act: the workload waits for it then.
  // The warm-up takes no time, so the faults start at 0.
  std::map<std::string, long> fault_due_ms;
  std::set<std::string> hanging_faults;      // their action runs until the run is stopped
  long hang_at_exec = -1;                     // this exec runs until the run is stopped
  bool survivor = false;                      // a fault's run action leaves a child running
  bool writes_when_killed = false;            // ... and it writes the image as it is killed

  std::vector<std::string> log() {
    std::lock_guard<std::mutex> lock(mu_);
    return log_;
  }

  void start_watching() override { note("start_watching"); }
  void make_images(const std::function<void(ImageRecord)>& made) override {
    note("make_images");
    made(ImageRecord{"app", "store/app.img", 4 << 20, "ext4"});
  }
  std::vector<FaultEvent> perform(const Action&, const ActionScope& scope) override {
    FaultEvent ev;
    ev.action = "run";
    ev.t_start_ms = static_cast<double>(time_.now());
    if (scope.on_start) scope.on_start();
    note("perform " + scope.fault);
    {
      std::lock_guard<std::mutex> lock(mu_);
      started_.insert(scope.fault);
    }
    cv_.notify_all();
    if (hanging_faults.count(scope.fault)) {
      while (!*scope.stop) time_.sleep_for(milliseconds(5));
      ev.ok = false;
      ev.outcome = "stopped";
    } else {
      ev.outcome = "ok";
    }
    ev.cgroup = "/harness-1/run-" + scope.fault;
    ev.t_end_ms = static_cast<double>(time_.now());
    {
      std::lock_guard<std::mutex> lock(mu_);
      returned_.insert(scope.fault);
    }
    cv_.notify_all();
    return {ev};
  }
  std::vector<FaultEvent> make_setups_durable() override { return {}; }
  void check_images() override { note("check_images"); }
  MountRecord mount(const MountSpec& m) override {
    note("mount " + m.image);
    std::lock_guard<std::mutex> lock(mu_);
    watch_.path = m.image;
    watch_.t_watch_ms = static_cast<double>(time_.now());
    MountRecord rec;
    rec.image = m.image;
    rec.mountpoint = m.mountpoint;
    return rec;
  }
  void sample_workload() override {}
  void snapshot(const std::string& moment) override { note("snapshot " + moment); }
  std::vector<Offer> watch_destinations() override {
    note("watch_destinations");
    return {};
  }
  std::vector<ExecEvent> run_execs(const ExecBatch& batch, const std::atomic<bool>& stop, WorkloadProgress&,
                                   const std::function<void(const ExecEvent&)>& on_exec) override {
    note(batch.phase == ExecPhase::warmup ? "warmup" : "workload");
    std::vector<ExecEvent> out;
    const size_t n = batch.phase == ExecPhase::warmup ? *batch.iterations : script.size();
    for (size_t i = 0; i < n; ++i) {
      if (i > 0 && batch.phase == ExecPhase::fault) time_.advance(10);
      if (batch.phase == ExecPhase::fault) wait_for_due_faults(stop);
      if (stop) break;
      ExecEvent e;
      e.phase = batch.phase;
      e.seq = i;
      e.t_ms = static_cast<double>(time_.now());
      e.outcome.cls = batch.phase == ExecPhase::warmup ? ExecClass::ok : script[i];
      if (batch.phase == ExecPhase::fault && static_cast<long>(i) == hang_at_exec) {
        // Hung: runs on (the clock with it) until the run is stopped, and
        // ends with no event, as a killed exec does.
        while (!stop) time_.advance(100);
        break;
      }
      out.push_back(e);
      on_exec(e);
    }
    return out;
  }
  std::string diagnose_missing(const std::vector<ExecEvent>&) override { return ""; }
  std::set<std::string> images_written() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::set<std::string> out;
    for (const auto& w : writers_) out.insert(w.path);
    return out;
  }
  std::vector<Survivor> kill_background() override {
    note("kill_background");
    if (!survivor) return {};
    if (writes_when_killed) {
      std::lock_guard<std::mutex> lock(mu_);
      Writer w;
      w.path = watch_.path;
      w.process.pid = 4242;
      w.t_first_ms = w.t_last_ms = static_cast<double>(time_.now());
      w.modify_events = 1;
      writers_.push_back(w);
    }
    Survivor s;
    s.pid = 4242;
    s.exe = "/bin/sleep";
    s.cgroup = "/harness-1/run-redeploy";
    return {s};
  }
  void finish_destinations(DestinationActivity&, std::vector<ScratchSpace>&) override {
    note("finish_destinations");
  }
  void stop_sampling_mounted_files() override { note("stop_sampling"); }
  bool has_failed_disks() override { return false; }
  std::vector<nlohmann::json> read_files(const std::string& moment) override {
    note("read_files " + moment);
    return {};
  }
  void unmount_images() override { note("unmount_images"); }
  void unwatch_images() override {
    note("unwatch_images");
    std::lock_guard<std::mutex> lock(mu_);
    watch_.t_unwatch_ms = static_cast<double>(time_.now());
  }
  // Once: a stopped recorder sees nothing more.
  void finish_evidence(RunRecord& rec) override {
    note("finish_evidence");
    std::lock_guard<std::mutex> lock(mu_);
    if (flushed_) return;
    flushed_ = true;
    if (!watch_.path.empty()) rec.writes.watches.push_back(watch_);
    rec.writes.writers = writers_;
  }
  std::vector<FaultEvent> recover_failed_disks() override { return {}; }
  void unmount_scratch() override { note("unmount_scratch"); }

 private:
  void note(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    log_.push_back(what);
  }
  // Until every fault due by now has started and, unless it hangs, returned
  // and been recorded: a fault that newly returned may have decided the
  // run, and the conductor records it just after perform() returns.
  void wait_for_due_faults(const std::atomic<bool>& stop) {
    std::unique_lock<std::mutex> lock(mu_);
    bool newly = false;
    cv_.wait_for(lock, std::chrono::seconds(5), [&] {
      for (const auto& [name, due] : fault_due_ms) {
        if (due > time_.now()) continue;
        if (!started_.count(name) || (!hanging_faults.count(name) && !returned_.count(name))) return false;
        newly = newly || seen_.insert(name).second;
      }
      return true;
    });
    lock.unlock();
    for (int i = 0; newly && i < 100 && !stop; ++i) std::this_thread::sleep_for(milliseconds(1));
  }

  VirtualTime& time_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> log_;
  std::set<std::string> started_, returned_, seen_;
  Watch watch_;
  std::vector<Writer> writers_;
  bool flushed_ = false;
};

FaultSpec fault_at(const std::string& name, long after_ms) {
  Action a;
  a.kind = ActionKind::run;
  a.argv = {"/bin/true"};
  return FaultSpec{name, schedule_once(milliseconds(after_ms)), {a}, false};
}

Scenario scenario(std::vector<FaultSpec> faults, std::vector<Expectation> expect) {
  Scenario s;
  s.name = "conductor";
  s.timeout = std::chrono::seconds(60);
  s.workload.argv = {"/bin/true"};
  s.workload.warmup = 2;
  s.mounts.push_back(MountSpec{"store/app.img", "mnt/app", "loop,ro"});
  s.faults = std::move(faults);
  s.expect = std::move(expect);
  return s;
}

// One run of `s` on `m`, as a backend does it.
struct Conducted {
  Conducted(const Scenario& s, FakeMachine& m, VirtualTime& t) : clock(t.source()) {
    for (const auto& f : s.faults) rec.planned_faults.push_back(PlannedFault{f.name, f.optional});
    Conductor(s, m, clock, t, observer, rec).run();
  }
  RunClock clock;
  RunObserver observer;
  RunRecord rec;
};

std::vector<std::string> from(const std::vector<std::string>& log, const std::string& first) {
  auto at = std::find(log.begin(), log.end(), first);
  return {at, log.end()};
}

const std::vector<std::string> kTeardown{"kill_background", "finish_destinations", "snapshot end", "stop_sampling",
                                         "read_files after faults", "unmount_images", "unwatch_images",
                                         "finish_evidence", "unmount_scratch"};

TEST(Conductor, EarlyStopWaitsForEveryFaultThenDecidesAtOnce) {
  VirtualTime t;
  FakeMachine m(t);
  // A crash at 20 ms satisfies the expectation, but "late" acts at 45 ms:
  // no stop before it has acted, and the stop as soon as it has.
  m.script = {ExecClass::ok, ExecClass::ok, ExecClass::sigsegv, ExecClass::ok, ExecClass::ok,
              ExecClass::ok, ExecClass::ok, ExecClass::ok};
  m.fault_due_ms = {{"early", 0}, {"late", 45}};
  Scenario s = scenario({fault_at("early", 0), fault_at("late", 45)},
                        {count({ExecClass::sigsegv}, 1, std::nullopt)});
  Conducted r(s, m, t);
  EXPECT_EQ(r.rec.error, "");
  EXPECT_EQ(r.rec.faults.size(), 2u) << "every fault acted before the stop";
  EXPECT_EQ(r.rec.stopped_early, "every expectation held after 5 execs under fault");
  EXPECT_EQ(r.rec.stopped_early_ms, 50) << "decided when \"late\" acted, at 50 ms";
  EXPECT_EQ(r.rec.execs.size(), 2u + 5u) << "2 warm-up, 5 under fault, none after the decision";
  EXPECT_EQ(decide(s, r.rec).status, VerdictStatus::pass);
}

TEST(Conductor, EarlyStopDecidesAtTheExecThatSettlesIt) {
  VirtualTime t;
  FakeMachine m(t);
  m.script = {ExecClass::ok, ExecClass::ok, ExecClass::ok, ExecClass::sigbus, ExecClass::ok, ExecClass::ok};
  m.fault_due_ms = {{"redeploy", 0}};
  Scenario s = scenario({fault_at("redeploy", 0)}, {count({ExecClass::sigbus}, 1, std::nullopt)});
  Conducted r(s, m, t);
  EXPECT_EQ(r.rec.stopped_early, "every expectation held after 4 execs under fault");
  EXPECT_EQ(r.rec.stopped_early_ms, 30);
  EXPECT_EQ(r.rec.execs.size(), 2u + 4u);
  EXPECT_EQ(from(m.log(), "kill_background"), kTeardown) << "an early stop still tears down in order";
}

TEST(Conductor, AFaultThatNeverStartsMakesTheRunInconclusive) {
  VirtualTime t;
  FakeMachine m(t);
  m.script = std::vector<ExecClass>(5, ExecClass::ok);
  m.fault_due_ms = {{"redeploy", 0}};
  // "late" is due after the workload has ended: it must not act then.
  Scenario s = scenario({fault_at("redeploy", 0), fault_at("late", 10000)},
                        {count(fixture::abnormal(), std::nullopt, 0)});
  Conducted r(s, m, t);
  ASSERT_EQ(r.rec.faults.size(), 1u);
  EXPECT_EQ(r.rec.faults[0].fault, "redeploy");
  EXPECT_EQ(r.rec.stopped_early, "");
  Verdict v = decide(s, r.rec);
  EXPECT_EQ(v.status, VerdictStatus::inconclusive);
  ASSERT_FALSE(v.inconclusive_reasons.empty());
  EXPECT_NE(v.inconclusive_reasons[0].find("late"), std::string::npos) << v.inconclusive_reasons[0];
}

TEST(Conductor, ATimeoutMidFaultStopsItAndTearsDownInOrder) {
  VirtualTime t;
  FakeMachine m(t);
  m.script = std::vector<ExecClass>(200, ExecClass::ok);  // 2 s of execs
  m.fault_due_ms = {{"redeploy", 0}};
  m.hanging_faults = {"redeploy"};
  Scenario s = scenario({fault_at("redeploy", 0)}, {count(fixture::abnormal(), std::nullopt, 0)});
  s.timeout = std::chrono::seconds(1);
  Action finally;
  finally.kind = ActionKind::run;
  s.finally = {finally};
  Conducted r(s, m, t);
  EXPECT_TRUE(r.rec.timed_out);
  EXPECT_EQ(r.rec.error, "");
  ASSERT_EQ(r.rec.faults.size(), 1u);
  EXPECT_EQ(r.rec.faults[0].outcome, "stopped");
  EXPECT_LE(r.rec.execs.back().t_ms, 1000) << "no exec starts after the timeout";
  EXPECT_EQ(from(m.log(), "kill_background"), kTeardown) << "and no finally after a timeout";
  EXPECT_EQ(decide(s, r.rec).status, VerdictStatus::timeout);
}

TEST(Conductor, AHungExecIsEndedByTheTimeout) {
  VirtualTime t;
  FakeMachine m(t);
  m.script = std::vector<ExecClass>(10, ExecClass::ok);
  m.fault_due_ms = {{"redeploy", 0}};
  m.hang_at_exec = 3;
  Scenario s = scenario({fault_at("redeploy", 0)}, {count(fixture::abnormal(), std::nullopt, 0)});
  s.timeout = std::chrono::seconds(2);
  Conducted r(s, m, t);
  EXPECT_TRUE(r.rec.timed_out);
  EXPECT_EQ(r.rec.execs.size(), 2u + 3u) << "the hung exec has no event";
  EXPECT_GE(r.rec.duration_ms, 2000);
  EXPECT_EQ(from(m.log(), "kill_background"), kTeardown);
}

TEST(Conductor, AWriteSeenDuringTeardownStillCounts) {
  VirtualTime t;
  FakeMachine m(t);
  // The run is decided early (a pass), then the fault's leftover child
  // writes the image as it is killed, while it is still mounted.
  m.script = {ExecClass::ok, ExecClass::sigsegv, ExecClass::ok, ExecClass::ok};
  m.fault_due_ms = {{"redeploy", 0}};
  m.survivor = true;
  m.writes_when_killed = true;
  Expectation no_write;
  no_write.kind = ExpectationKind::no_write_while_mounted;
  no_write.path = "store/app.img";
  Scenario s = scenario({fault_at("redeploy", 0)}, {count({ExecClass::sigsegv}, 1, std::nullopt)});
  Conducted r(s, m, t);
  ASSERT_EQ(r.rec.writes.writers.size(), 1u) << "the write in teardown reached the record";
  Verdict v = decide({no_write}, r.rec);
  EXPECT_EQ(v.results.at(0).state, Judgement::failed) << v.results.at(0).detail;
}

TEST(Conductor, BackgroundWorkLeftWhenTheFaultsEndMakesTheRunInconclusive) {
  VirtualTime t;
  FakeMachine m(t);
  m.script = std::vector<ExecClass>(5, ExecClass::ok);
  m.fault_due_ms = {{"redeploy", 0}};
  m.survivor = true;
  Scenario s = scenario({fault_at("redeploy", 0)}, {count(fixture::abnormal(), std::nullopt, 0)});
  Conducted r(s, m, t);
  ASSERT_EQ(r.rec.survivors.size(), 1u);
  EXPECT_EQ(r.rec.survivors[0].fault, "redeploy") << "attributed to the action whose cgroup it was in";
  Verdict v = decide(s, r.rec);
  EXPECT_EQ(v.status, VerdictStatus::inconclusive);
  ASSERT_EQ(v.inconclusive_reasons.size(), 1u);
  EXPECT_NE(v.inconclusive_reasons[0].find("fault \"redeploy\" (run) left `sleep` (pid 4242)"), std::string::npos) << v.inconclusive_reasons[0];
}

}  // namespace
}  // namespace harness
