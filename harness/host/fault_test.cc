#include "host/fault.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

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

}  // namespace
}  // namespace harness
