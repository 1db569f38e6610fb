#include "host/destination_watch.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

std::vector<std::pair<std::string, std::string>> kinds_and_names(const DestinationActivity& a) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& o : a.ops) out.emplace_back(std::string(to_string(o.kind)), o.name);
  return out;
}

// What an installer does in its destination: a temp file written in two
// writes (one op), renamed over the installed name, an old file removed.
TEST(DestinationWatch, SeesWritesCreatesRenamesAndUnlinksInTime) {
  testing::TempDir tmp;
  RunDir run(tmp.path() / "run");
  run.make_dirs("data");
  run.make_dirs("elsewhere");
  std::ofstream(run.absolute("data/old")) << "x";
  RunClock clock;
  DestinationWatch w(clock);
  w.watch_folder(run, "data");
  w.watch_folder(run, "not-made-yet");  // noted by its absence, not an error
  w.start();
  double before = clock.now_ms();
  // A pause after each step, so that the watcher reads each on its own
  // (inotify merges identical events still queued).
  auto pause = [] { std::this_thread::sleep_for(milliseconds(15)); };
  {
    std::ofstream tmpf(run.absolute("data/.app.tmp"));
    pause();
    tmpf << "first" << std::flush;
    pause();
    tmpf << "second" << std::flush;
    pause();
  }
  std::ofstream(run.absolute("elsewhere/other")) << "not watched";
  fs::rename(run.absolute("data/.app.tmp"), run.absolute("data/app.img"));
  pause();
  fs::remove(run.absolute("data/old"));
  pause();
  EXPECT_GE(w.ops_seen(), 5u);
  DestinationActivity a = w.take_activity();
  EXPECT_EQ(a.folders, std::vector<std::string>{"data"});
  EXPECT_TRUE(a.unavailable.empty()) << a.unavailable;
  std::vector<std::pair<std::string, std::string>> want = {{"create", ".app.tmp"},   {"write", ".app.tmp"},
                                                           {"rename-from", ".app.tmp"}, {"rename-to", "app.img"},
                                                           {"unlink", "old"}};
  EXPECT_EQ(kinds_and_names(a), want);
  ASSERT_EQ(a.ops.size(), want.size());
  EXPECT_EQ(a.ops[1].count, 2u) << "two writes in a row to one entry are one op";
  for (const auto& o : a.ops) {
    EXPECT_GE(o.t_ms, before);
    EXPECT_LE(o.t_ms, a.t_to_ms);
    EXPECT_EQ(o.folder, "data");
  }
  EXPECT_LT(a.ops[1].t_ms, a.ops[1].t_last_ms) << "the two writes' span";
  EXPECT_LT(a.ops[1].t_last_ms, a.ops[2].t_ms);
  EXPECT_LT(a.ops[4].t_ms - a.ops[0].t_ms, 1000);
  EXPECT_EQ(ops_between(a, a.ops[2].t_ms, a.t_to_ms + 1).size(), 3u);
}

// The free space of a folder, sampled while it runs: here a plain folder
// on the temp filesystem, filled by a little; the minimum moves with it.
TEST(DestinationWatch, SamplesTheLeastFreeSpace) {
  testing::TempDir tmp;
  RunDir run(tmp.path() / "run");
  run.make_dirs("data");
  RunClock clock;
  DestinationWatch w(clock);
  w.sample_space(run, "data", true);
  w.start();
  std::this_thread::sleep_for(milliseconds(20));
  auto spaces = w.take_space();
  ASSERT_EQ(spaces.size(), 1u);
  EXPECT_EQ(spaces[0].path, "data");
  EXPECT_TRUE(spaces[0].enospc);
  EXPECT_GT(spaces[0].samples, 3u);
  EXPECT_GT(spaces[0].size_bytes, 0u);
  EXPECT_LE(spaces[0].min_free_bytes, spaces[0].size_bytes);
}

}  // namespace
}  // namespace harness
