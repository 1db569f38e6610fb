#include "host/fault.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/error.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using testing::slurp;

namespace fs = std::filesystem;


struct FaultFixture {
  testing::TempDir tmp;
  RunDir dir{tmp.path() / "run"};
  RunClock clock;
  FaultContext ctx{dir, clock, {}, nullptr, "redeploy", nullptr};
  FaultFixture() {
    std::ofstream(dir.work() / "new.img") << "NEWNEW";
    std::ofstream(dir.work() / "app.img") << "old-old-old";
  }
  ino_t inode(const std::string& name) const {
    struct stat st {};
    EXPECT_EQ(stat((dir.work() / name).c_str(), &st), 0);
    return st.st_ino;
  }
  FaultEvent one(const Action& a) {
    auto evs = perform(a, ctx);
    EXPECT_EQ(evs.size(), 1u);
    return evs.at(0);
  }
};

Action write_action(ActionKind kind) {
  Action a;
  a.kind = kind;
  a.from = "new.img";
  a.to = "app.img";
  return a;
}

TEST(Fault, OverwriteTruncateRewritesTheSameInodeWithTheNewBytesOnly) {
  FaultFixture f;
  ino_t before = f.inode("app.img");
  FaultEvent ev = f.one(write_action(ActionKind::overwrite_truncate));
  EXPECT_TRUE(ev.ok) << ev.detail;
  EXPECT_EQ(ev.outcome, "ok");
  EXPECT_EQ(ev.action, "overwrite_truncate");
  EXPECT_EQ(slurp(f.dir.work() / "app.img"), "NEWNEW");
  EXPECT_EQ(f.inode("app.img"), before) << "in place: the inode a loop device would serve";
}

TEST(Fault, OverwriteWithoutTruncationKeepsTheTail) {
  FaultFixture f;
  FaultEvent ev = f.one(write_action(ActionKind::overwrite));
  EXPECT_TRUE(ev.ok) << ev.detail;
  EXPECT_EQ(slurp(f.dir.work() / "app.img"), "NEWNEWd-old");  // "old-old-old" past byte 6 stays
}

TEST(Fault, AtomicReplaceRenamesANewInodeOverTheOld) {
  FaultFixture f;
  ino_t before = f.inode("app.img");
  FaultEvent ev = f.one(write_action(ActionKind::atomic_replace));
  EXPECT_TRUE(ev.ok) << ev.detail;
  EXPECT_EQ(slurp(f.dir.work() / "app.img"), "NEWNEW");
  EXPECT_NE(f.inode("app.img"), before);
}

TEST(Fault, TruncateAndCorruptChangeTheFileInPlace) {
  FaultFixture f;
  Action t;
  t.kind = ActionKind::truncate;
  t.to = "app.img";
  t.size_bytes = 3;
  EXPECT_TRUE(f.one(t).ok);
  EXPECT_EQ(slurp(f.dir.work() / "app.img"), "old");
  Action c;
  c.kind = ActionKind::corrupt;
  c.path = "app.img";
  c.to = "app.img";
  c.offset = 1;
  c.text = "X";
  FaultEvent ev = f.one(c);
  EXPECT_TRUE(ev.ok) << ev.detail;
  EXPECT_EQ(slurp(f.dir.work() / "app.img"), "oXd");
}

TEST(Fault, AMissingSourceIsAnOutcomeNotAnError) {
  FaultFixture f;
  Action a = write_action(ActionKind::overwrite_truncate);
  a.from = "missing.img";
  FaultEvent ev = f.one(a);
  EXPECT_FALSE(ev.ok);
  EXPECT_EQ(ev.outcome, "ENOENT") << ev.detail;
  EXPECT_EQ(slurp(f.dir.work() / "app.img"), "old-old-old") << "the target is untouched";
}

TEST(Fault, ATargetThatIsNotARegularFileIsRefused) {
  FaultFixture f;
  fs::create_directory(f.dir.work() / "dir.img");
  Action a = write_action(ActionKind::overwrite_truncate);
  a.to = "dir.img";
  FaultEvent ev = f.one(a);
  EXPECT_FALSE(ev.ok) << ev.outcome;
}

TEST(Fault, ASleepTakesItsTimeAndEndsOk) {
  FaultFixture f;
  Action s;
  s.kind = ActionKind::sleep;
  s.duration = std::chrono::milliseconds(1);
  FaultEvent ev = f.one(s);
  EXPECT_TRUE(ev.ok);
  EXPECT_GE(ev.t_end_ms, ev.t_start_ms);
}

// The disks an io_error strikes, without device-mapper: which scratch
// was failed, and when (its writes so far are in the event).
class FakeDisks : public DiskFaults {
 public:
  std::string fail_disk(const std::string& scratch) override {
    failed.push_back(scratch);
    if (scratch == "broken") throw RuntimeError("no such disk");
    return "failed " + scratch;
  }
  std::vector<std::string> failed;
};

Action io_error_on(const std::string& scratch) {
  Action a;
  a.kind = ActionKind::io_error;
  a.scratch = scratch;
  return a;
}

TEST(Fault, AnIoErrorWithoutATargetFailsTheDiskAtOnce) {
  FaultFixture f;
  FakeDisks disks;
  f.ctx.disks = &disks;
  FaultEvent ev = f.one(io_error_on("data"));
  EXPECT_TRUE(ev.ok) << ev.detail;
  EXPECT_EQ(ev.action, "io_error");
  EXPECT_EQ(ev.detail, "failed data");
  EXPECT_EQ(disks.failed, std::vector<std::string>{"data"});
}

TEST(Fault, AnIoErrorThatCannotFailTheDiskIsAnOutcome) {
  FaultFixture f;
  FaultEvent none = f.one(io_error_on("data"));  // no disks here
  EXPECT_FALSE(none.ok);
  EXPECT_EQ(none.outcome, "ENOSYS") << none.detail;
  FakeDisks disks;
  f.ctx.disks = &disks;
  FaultEvent broken = f.one(io_error_on("broken"));
  EXPECT_FALSE(broken.ok);
  EXPECT_EQ(broken.outcome, "error");
  EXPECT_NE(broken.detail.find("no such disk"), std::string::npos) << broken.detail;
}

// A command that makes one write system call every 20 ms for about 2 s,
// run as fault "install"'s action in a thread, as the host backend does.
struct Installer {
  FaultFixture& f;
  RunningActions running;
  std::thread thread;
  std::vector<FaultEvent> events;
  Installer(FaultFixture& fx, const std::string& script) : f(fx) {
    f.ctx.running = &running;
    thread = std::thread([this, script] {
      FaultContext ctx{f.dir, f.clock, {}, nullptr, "install", &running};
      Action run;
      run.kind = ActionKind::run;
      run.argv = {"/bin/sh", "-c", script};
      events = perform(run, ctx);
    });
  }
  ~Installer() { thread.join(); }
};

// Fails scratch "data" at fault "install"'s Nth write.
Action io_error_at_write(unsigned long n) {
  Action a = io_error_on("data");
  a.target_fault = "install";
  a.at_write = n;
  a.wait = std::chrono::milliseconds(10000);
  return a;
}

TEST(Fault, AnIoErrorTimedByACommandStrikesAtItsNthWrite) {
  FaultFixture f;
  FakeDisks disks;
  f.ctx.disks = &disks;
  Installer inst(f, "i=0; while [ $i -lt 40 ]; do echo x >/dev/null; i=$((i+1)); sleep 0.02; done");
  FaultEvent ev = f.one(io_error_at_write(5));
  ASSERT_TRUE(ev.ok) << ev.outcome << ": " << ev.detail;
  EXPECT_EQ(disks.failed, std::vector<std::string>{"data"});
  EXPECT_GE(ev.result.value("writes", 0), 5) << ev.result.dump();
  EXPECT_EQ(ev.result.value("target_fault", ""), "install");
  EXPECT_FALSE(ev.result.contains("signal")) << "an io_error signals nothing";
  EXPECT_NE(ev.detail.find("while fault \"install\"'s command"), std::string::npos) << ev.detail;
}

TEST(Fault, AnIoErrorDueAfterItsCommandEndedIsMissedAndFailsNothing) {
  FaultFixture f;
  FakeDisks disks;
  f.ctx.disks = &disks;
  Installer inst(f, "sleep 0.3; echo x >/dev/null");
  FaultEvent ev = f.one(io_error_at_write(1000000));
  EXPECT_FALSE(ev.ok);
  EXPECT_EQ(ev.outcome, "missed") << ev.detail;
  EXPECT_TRUE(disks.failed.empty());
  EXPECT_NE(ev.detail.find("ended before the io_error was due"), std::string::npos) << ev.detail;
}

}  // namespace
}  // namespace harness
