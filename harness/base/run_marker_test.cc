// The marker's lock tells a live run from a dead one, through rewrites.
#include "base/run_marker.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "base/run_dir.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using testing::TempDir;

ScopedFd open_dir(const std::filesystem::path& p) {
  return ScopedFd(::open(p.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
}

TEST(RunMarker, ARunIsAliveWhileItsRunDirExistsAndThroughEveryRewrite) {
  TempDir tmp;
  auto run = tmp.path() / "run";
  {
    RunDir d(run);
    ScopedFd dir = open_dir(run);
    EXPECT_EQ(check_run_marker(dir.get()).state, MarkerCheck::State::alive);
    d.record_loop_device("/dev/loop7", 2049, 1234);
    d.record_process("qemu", getpid());
    d.record_cgroup("/sys/fs/cgroup/harness-1-1", 4711);
    d.record_dm_device("harness-1-1", "HARNESS-1-1-0123abcd");
    EXPECT_EQ(check_run_marker(dir.get()).state, MarkerCheck::State::alive);
    auto m = parse_marker(testing::slurp(run / kRunMarkerName));
    ASSERT_TRUE(m);
    EXPECT_EQ(m->pid, getpid());
    ASSERT_EQ(m->loop_devices.size(), 1u);
    EXPECT_EQ(m->loop_devices[0].device, "/dev/loop7");
    EXPECT_EQ(m->loop_devices[0].backing_inode, 1234u);
    ASSERT_EQ(m->processes.size(), 1u);
    EXPECT_GT(m->processes[0].start_time, 0u);
    ASSERT_EQ(m->cgroups.size(), 1u);
    EXPECT_EQ(m->cgroups[0].path, "/sys/fs/cgroup/harness-1-1");
    EXPECT_EQ(m->cgroups[0].id, 4711u);
    ASSERT_EQ(m->dm_devices.size(), 1u);
    EXPECT_EQ(m->dm_devices[0].name, "harness-1-1");
    EXPECT_EQ(m->dm_devices[0].uuid, "HARNESS-1-1-0123abcd");
  }
  ScopedFd dir = open_dir(run);
  EXPECT_EQ(check_run_marker(dir.get()).state, MarkerCheck::State::absent);
}

TEST(RunMarker, AnUnlockedMarkerIsADeadRunAndTheCheckHoldsItsLock) {
  TempDir tmp;
  std::ofstream(tmp.path() / kRunMarkerName) << marker_json(MarkerContents{});
  ScopedFd dir = open_dir(tmp.path());
  MarkerCheck first = check_run_marker(dir.get());
  EXPECT_EQ(first.state, MarkerCheck::State::dead);
  // While one gc holds it, another sees a run in progress.
  EXPECT_EQ(check_run_marker(dir.get()).state, MarkerCheck::State::alive);
}

// The race CI met with four runs at once: one run's gc opened a sibling's
// marker between its creation and its lock, took the lock, judged the live
// run dead, and the sibling's own lock failed (EAGAIN).
TEST(RunMarker, AGcCheckingBesideACreationNeverSeesALiveRunDead) {
  TempDir tmp;
  ScopedFd dir = open_dir(tmp.path());
  std::atomic<bool> done{false};
  std::atomic<int> dead{0};
  std::thread gc([&] {
    while (!done) {
      if (check_run_marker(dir.get()).state == MarkerCheck::State::dead) ++dead;
    }
  });
  int failed = 0;
  for (int i = 0; i < 1000; ++i) {
    try {
      RunMarker m(dir.get(), tmp.path(), MarkerContents{});
    } catch (const std::exception&) {
      ++failed;
    }
  }
  done = true;
  gc.join();
  EXPECT_EQ(dead.load(), 0);
  EXPECT_EQ(failed, 0);
}

TEST(RunMarker, ALinkOrATornFileIsNoMarker) {
  TempDir tmp;
  std::filesystem::create_symlink("/etc/passwd", tmp.path() / kRunMarkerName);
  ScopedFd dir = open_dir(tmp.path());
  EXPECT_EQ(check_run_marker(dir.get()).state, MarkerCheck::State::absent);
  EXPECT_FALSE(parse_marker("{\"tool\": \"harness\", \"loop_devices\": [{\"dev"));
  EXPECT_FALSE(parse_marker("{\"tool\": \"other\"}"));
}

}  // namespace
}  // namespace harness
