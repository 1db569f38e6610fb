#include "host/power_cut.h"

#include <endian.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "core/durable_mark.h"
#include "core/expectation_fixture.h"
#include "core/log_writes.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool has(const json& s, const std::string& needle) { return s.get<std::string>().find(needle) != std::string::npos; }

const std::string kV1Sha(64, 'a'), kV1Md5(32, 'b'), kV2Sha(64, 'c'), kV2Md5(32, 'd');

FileState file(const std::string& path, const std::string& sha, const std::string& md5, bool exists = true) {
  FileState f;
  f.moment = kMomentAfterFaults;
  f.path = path;
  f.exists = exists;
  f.size = exists ? 4096 : 0;
  f.sha256 = exists ? sha : "";
  f.md5 = exists ? md5 : "";
  return f;
}

FileState sidecar(const std::string& path, const std::string& hex) {
  FileState f = file(path, "x", "y");
  f.head = hex + "  stack.img\n";
  return f;
}

Expectation installed(const std::string& path = "data/stack.img") {
  return fixture::installed(path, {"v1/stack.img", "v2/stack.img"}, {path + ".sha256"});
}

std::vector<FileState> versions() { return {file("v1/stack.img", kV1Sha, kV1Md5), file("v2/stack.img", kV2Sha, kV2Md5)}; }

TEST(PowerCut, InstalledInsideTakesOnlyInstalledPathsBelowTheScratchFolder) {
  Expectation at_end = installed("data/late.img");
  at_end.at_end = true;
  Expectation other_kind;
  other_kind.kind = ExpectationKind::image_unchanged;
  other_kind.path = "data/x.img";
  std::vector<Expectation> all = {installed("data/stack.img"), installed("data/sub/deep.img"),
                                  installed("database/stack.img"), installed("data"),
                                  installed("other/stack.img"),    installed("data/../other/x.img"),
                                  at_end,                          other_kind};
  std::vector<std::string> picked;
  for (const auto& e : installed_inside(all, "data")) picked.push_back(e.path);
  EXPECT_EQ(picked, (std::vector<std::string>{"data/stack.img", "data/sub/deep.img"}));
}

TEST(PowerCut, OnlyTheVersionsStandBesideTheReplayedFiles) {
  std::vector<FileState> recorded = versions();
  recorded.push_back(file("data/stack.img", kV2Sha, kV2Md5));  // as the guest left it: not the replayed one
  recorded.push_back(file("v3/unrelated.img", "e", "f"));
  std::vector<std::string> kept;
  for (const auto& f : versions_named({installed()}, recorded)) kept.push_back(f.path);
  EXPECT_EQ(kept, (std::vector<std::string>{"v1/stack.img", "v2/stack.img"}));
  EXPECT_TRUE(versions_named({}, recorded).empty());
}

std::vector<FileState> holding(const std::string& sha, const std::string& md5) {
  std::vector<FileState> s = versions();
  s.push_back(file("data/stack.img", sha, md5));
  s.push_back(sidecar("data/stack.img.sha256", sha));
  return s;
}

std::vector<FileState> empty_folder() {
  std::vector<FileState> s = versions();
  s.push_back(file("data/stack.img", "", "", /*exists=*/false));
  s.push_back(file("data/stack.img.sha256", "", "", /*exists=*/false));
  return s;
}

const DurableHeld kV1Durable = {{"data/stack.img", "v1/stack.img"}};

// Once v1 was durable, a crash state without it lost it: broken, not "not
// yet" (issue 23: this held, so a repair that deleted v1 passed).
TEST(PowerCut, NothingInstalledAfterV1WasDurableIsBroken) {
  json checks = judge_crash_state({installed()}, empty_folder(), &kV1Durable);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].at("path"), "data/stack.img");
  EXPECT_EQ(checks[0].at("holds"), "broken") << checks;
  EXPECT_FALSE(checks[0].at("held").get<bool>()) << checks;
  EXPECT_TRUE(has(checks[0].at("detail"), "data/stack.img and its sidecars are gone, though v1/stack.img was durable"))
      << checks;
  // e2fsck's repair deleted it: said so.
  checks = judge_crash_state({installed()}, empty_folder(), &kV1Durable, /*fsck=*/1);
  EXPECT_FALSE(checks[0].at("held").get<bool>());
  EXPECT_TRUE(has(checks[0].at("detail"), "gone (e2fsck repaired the filesystem: exit 1)")) << checks;
}

TEST(PowerCut, NothingInstalledHoldsOnlyWhereTheSetupInstalledNothing) {
  const DurableHeld empty = {{"data/stack.img", ""}};
  json checks = judge_crash_state({installed()}, empty_folder(), &empty);
  EXPECT_EQ(checks[0].at("holds"), "nothing") << checks;
  EXPECT_TRUE(checks[0].at("held").get<bool>()) << checks;
  EXPECT_TRUE(has(checks[0].at("detail"), "nothing installed yet")) << checks;
  EXPECT_TRUE(has(checks[0].at("detail"), "the setup installed nothing there")) << checks;
  // The durable point itself: nothing there is what the setup left.
  checks = judge_crash_state({installed()}, empty_folder(), nullptr);
  EXPECT_EQ(checks[0].at("holds"), "nothing") << checks;
  // A durable state that was broken is no excuse either.
  const DurableHeld broken = {};
  checks = judge_crash_state({installed()}, empty_folder(), &broken);
  EXPECT_EQ(checks[0].at("holds"), "broken") << checks;
}

TEST(PowerCut, TheDurableVersionIsOldAnyOtherCompleteOneIsNew) {
  json checks = judge_crash_state({installed()}, holding(kV1Sha, kV1Md5), &kV1Durable);
  EXPECT_EQ(checks[0].at("holds"), "old") << checks;
  EXPECT_EQ(checks[0].at("version"), "v1/stack.img");
  EXPECT_TRUE(checks[0].at("held").get<bool>());
  checks = judge_crash_state({installed()}, holding(kV2Sha, kV2Md5), &kV1Durable);
  EXPECT_EQ(checks[0].at("holds"), "new") << checks;
  EXPECT_EQ(checks[0].at("version"), "v2/stack.img");
  EXPECT_TRUE(checks[0].at("held").get<bool>());
  // At the durable point, whatever complete version the setup left is the old one.
  checks = judge_crash_state({installed()}, holding(kV2Sha, kV2Md5), nullptr);
  EXPECT_EQ(checks[0].at("holds"), "old") << checks;
  EXPECT_EQ(durable_held(checks), (DurableHeld{{"data/stack.img", "v2/stack.img"}}));
  EXPECT_EQ(durable_held(judge_crash_state({installed()}, empty_folder(), nullptr)),
            (DurableHeld{{"data/stack.img", ""}}));
}

TEST(PowerCut, ATornFileOrADisagreeingSidecarIsBroken) {
  std::vector<FileState> torn = versions();
  torn.push_back(file("data/stack.img", std::string(64, 'e'), kV1Md5));
  json checks = judge_crash_state({installed()}, torn, &kV1Durable);
  EXPECT_FALSE(checks[0].at("held").get<bool>());
  EXPECT_EQ(checks[0].at("holds"), "broken");
  EXPECT_TRUE(has(checks[0].at("detail"), "torn")) << checks;
  EXPECT_EQ(durable_held(judge_crash_state({installed()}, torn, nullptr)), DurableHeld{}) << "broken at the durable point";

  std::vector<FileState> stale = versions();
  stale.push_back(file("data/stack.img", kV2Sha, kV2Md5));
  stale.push_back(sidecar("data/stack.img.sha256", kV1Sha));
  checks = judge_crash_state({installed()}, stale, &kV1Durable);
  EXPECT_FALSE(checks[0].at("held").get<bool>());
  EXPECT_EQ(checks[0].at("holds"), "broken");
  EXPECT_TRUE(has(checks[0].at("detail"), "sidecar data/stack.img.sha256 says sha256")) << checks;
}

TEST(PowerCut, ASidecarWithoutItsFileIsNotNothingInstalled) {
  const DurableHeld empty = {{"data/stack.img", ""}};
  std::vector<FileState> s = versions();
  s.push_back(file("data/stack.img", "", "", /*exists=*/false));
  s.push_back(sidecar("data/stack.img.sha256", kV2Sha));
  json checks = judge_crash_state({installed()}, s, &empty);
  EXPECT_FALSE(checks[0].at("held").get<bool>()) << checks;
  EXPECT_TRUE(has(checks[0].at("detail"), "data/stack.img is missing")) << checks;
}

TEST(PowerCut, EachPointIsJudgedAfterTheFaultsWhateverTheExpectationSays) {
  // An `at: end` expectation would look for the "end" moment, which a
  // crash point does not have; the cut is judged on what was read there.
  Expectation e = installed();
  e.at_end = true;
  e.fault = "redeploy";
  json checks = judge_crash_state({e}, holding(kV1Sha, kV1Md5), &kV1Durable);
  EXPECT_TRUE(checks[0].at("held").get<bool>()) << checks;
}

// A log in the dm-log-writes layout (core/log_writes.h): the super block,
// then each entry's header and data padded to 512-byte sectors.
class Log {
 public:
  Log& write(uint64_t sector) {
    entry(sector, 1, 0);
    body_ += std::string(512, 'w');
    return *this;
  }
  Log& flush() { return entry(0, 0, kLogFlush); }
  Log& mark(uint64_t offset, const std::string& block) {
    entry(offset / 512, block.size() / 512, 0);
    body_ += block;
    return *this;
  }
  std::string bytes(uint64_t magic = kLogWritesMagic) const {
    std::string super(512, '\0');
    put64(super, 0, magic);
    put64(super, 8, kLogWritesVersion);
    put64(super, 16, n_);
    uint32_t ss = htole32(512);
    std::memcpy(super.data() + 24, &ss, 4);
    return super + body_;
  }

 private:
  static void put64(std::string& s, size_t at, uint64_t v) {
    v = htole64(v);
    std::memcpy(s.data() + at, &v, 8);
  }
  Log& entry(uint64_t sector, uint64_t n, uint64_t flags) {
    std::string h(512, '\0');
    put64(h, 0, sector);
    put64(h, 8, n);
    put64(h, 16, flags);
    body_ += h;
    ++n_;
    return *this;
  }
  uint64_t n_ = 0;
  std::string body_;
};

class PowerCutCheck : public ::testing::Test {
 protected:
  PowerCutInput input() {
    PowerCutInput in;
    in.log = tmp_.path() / "disk.log";
    in.base_image = tmp_.path() / "base.img";
    in.work = tmp_.path() / "work";
    in.scratch = "data";
    in.installed = {installed()};
    in.mark_offset = durable_mark_offset(16);
    in.mark = durable_mark_block(0, "data");
    in.seed = 7;
    return in;
  }
  void put(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }
  testing::TempDir tmp_;
};

TEST_F(PowerCutCheck, AnUnreadableLogIsAnErrorInTheRecordNotAThrow) {
  PowerCutInput in = input();
  json out = check_power_cut(in);
  EXPECT_EQ(out.at("scratch"), "data");
  EXPECT_EQ(out.at("paths"), json({"data/stack.img"}));
  EXPECT_EQ(out.at("seed"), 7);
  ASSERT_TRUE(out.contains("error")) << out;
  EXPECT_TRUE(has(out.at("error"), in.log.string())) << out;
  EXPECT_FALSE(out.contains("crash_points"));

  put(in.log, Log().write(1).bytes(/*magic=*/0x1234));
  out = check_power_cut(in);
  ASSERT_TRUE(out.contains("error")) << out;
  EXPECT_TRUE(has(out.at("error"), "magic")) << out;
}

// Without the guest's mark, no crash point can be placed after the setup's
// durable install: judging from entry 0 would count the setup's own
// unfinished install as "nothing installed yet" (issue 23).
TEST_F(PowerCutCheck, ALogWithoutTheDurableMarkIsAnError) {
  PowerCutInput in = input();
  for (const std::string& log : {Log().bytes(), Log().write(0).flush().write(1).flush().bytes(),
                                 Log().mark(in.mark_offset + 4096, in.mark).flush().bytes()}) {
    put(in.log, log);
    json out = check_power_cut(in);
    ASSERT_TRUE(out.contains("error")) << out;
    EXPECT_TRUE(has(out.at("error"), "the write log has no durable mark")) << out;
    EXPECT_FALSE(out.contains("crash_points")) << out;
    EXPECT_EQ(out.at("log_sector_size"), 512);
    EXPECT_FALSE(fs::exists(in.work / "power-cut-mnt")) << "no mountpoint is made: nothing is mounted";
  }
}

TEST_F(PowerCutCheck, ALogIsCountedBeforeAReplayThatFailsAndNothingIsLeftBehind) {
  PowerCutInput in = input();
  put(in.log, Log().write(0).flush().write(1).flush().mark(in.mark_offset, in.mark).flush().write(2).flush().bytes());
  // No base image: the first replay fails; what the log holds is still told.
  json out = check_power_cut(in);
  EXPECT_EQ(out.at("log_entries"), 8);
  EXPECT_EQ(out.at("flushes"), 4);
  EXPECT_EQ(out.at("durable_entry"), 5) << "up to and including the mark";
  EXPECT_EQ(out.at("skipped_before_durable"), 2) << "the two flushes before the mark";
  ASSERT_TRUE(out.contains("error")) << out;
  EXPECT_TRUE(has(out.at("error"), in.base_image.string())) << out;
  EXPECT_FALSE(fs::exists(in.work / "power-cut-mnt"));
  EXPECT_FALSE(fs::exists(in.work / "power-cut-replay.img"));
}

// The time budget: every crash point after the durable one is judged only
// while it lasts; past it the rest are counted as not judged. A clock the
// test moves: an hour passes at every reading.
TEST_F(PowerCutCheck, PastItsTimeBudgetTheRemainingCrashPointsAreNotJudged) {
  PowerCutInput in = input();
  put(in.log, Log().write(0).flush().mark(in.mark_offset, in.mark).flush().write(1).flush().write(2).flush().bytes());
  put(in.base_image, std::string(in.mark_offset + 4096, '\0'));  // no filesystem: each point is judged broken
  auto t = std::make_shared<MonoClock::time_point>();
  in.now = [t] { return *t += std::chrono::hours(1); };
  json out = check_power_cut(in);
  ASSERT_FALSE(out.contains("error")) << out;
  EXPECT_TRUE(out.contains("durable_state")) << "the durable point is always judged";
  EXPECT_EQ(out.at("crash_points").size(), 0u) << out;
  const size_t all = out.at("not_judged").get<size_t>();
  EXPECT_GE(all, 2u) << out;
  EXPECT_TRUE(has(out.at("not_judged_why"), "time budget (300 s) was spent after 0 of")) << out;
  EXPECT_EQ(out.at("flush_points"), 3) << out << "the three after the mark";

  in.now = &MonoClock::now;
  out = check_power_cut(in);
  EXPECT_FALSE(out.contains("not_judged")) << out;
  EXPECT_EQ(out.at("crash_points").size(), all) << "within the budget every point is judged";
  EXPECT_FALSE(fs::exists(in.work / "power-cut-replay.img"));
}

}  // namespace
}  // namespace harness
