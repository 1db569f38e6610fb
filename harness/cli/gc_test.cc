// gc in a folder that other users may share: it cleans only dead runs of
// its own, decides "dead" by the marker's lock, writes nothing through a
// planted link, and kills only the processes the marker records. The loop
// device half needs root and lives in itests/security_itest.cc.
#include "cli/gc.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/procfs.h"
#include "base/run_marker.h"
#include "base/scoped_fd.h"
#include "base/system_info.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::slurp;
using testing::TempDir;

// What a killed run leaves: a marker nobody holds, and its work/ folder.
fs::path dead_run(const fs::path& parent, const std::string& name, const MarkerContents& marker = {}) {
  fs::path run = parent / name;
  fs::create_directories(run / "work");
  chmod(run.c_str(), 0755);
  std::ofstream(run / "work" / "x.img") << "image";
  std::ofstream(run / kRunMarkerName) << marker_json(marker);
  return run;
}

bool contains(const std::vector<std::string>& v, const fs::path& p) {
  return std::find(v.begin(), v.end(), p.string()) != v.end();
}

TEST(Gc, CleansADeadRunAndSaysSo) {
  TempDir tmp;
  fs::path run = dead_run(tmp.path(), "run");
  GcResult r = collect_garbage({tmp.path()}, false);
  EXPECT_TRUE(contains(r.dead_runs, run));
  EXPECT_FALSE(fs::exists(run / "work"));
  EXPECT_FALSE(fs::exists(run / "harness-run.json"));
  EXPECT_FALSE(json::parse(slurp(run / "gc.json"), nullptr, false).is_discarded());
}

TEST(Gc, WritesNothingThroughAPlantedTemporaryFileLink) {
  TempDir tmp;
  fs::path victim = tmp.path() / "shadow";
  std::ofstream(victim) << "root:*:19000:0:99999:7:::\n";
  fs::path run = dead_run(tmp.path(), "e");
  fs::create_symlink(victim, run / ".gc.json.tmp");
  collect_garbage({tmp.path()}, false);
  EXPECT_EQ(slurp(victim), "root:*:19000:0:99999:7:::\n");
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(run / "gc.json")));
}

TEST(Gc, LeavesAloneARunFolderOthersMayWriteTo) {
  TempDir tmp;
  for (mode_t mode : {0777, 0775, 0757}) {
    fs::path run = dead_run(tmp.path(), "open-" + std::to_string(mode));
    ASSERT_EQ(chmod(run.c_str(), mode), 0);
    GcResult r = collect_garbage({tmp.path()}, false);
    EXPECT_FALSE(contains(r.dead_runs, run)) << std::oct << mode;
    EXPECT_TRUE(fs::exists(run / "work" / "x.img")) << std::oct << mode;
  }
}

TEST(Gc, ARunWhoseMarkerIsLockedIsAliveWhateverItsPid) {
  TempDir tmp;
  fs::path run = dead_run(tmp.path(), "run");  // pid 0: "dead" by its pid
  ScopedFd held(open((run / "harness-run.json").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_EQ(flock(held.get(), LOCK_SH), 0);
  GcResult r = collect_garbage({tmp.path()}, false);
  EXPECT_TRUE(contains(r.live_runs, run));
  EXPECT_FALSE(contains(r.dead_runs, run));
  EXPECT_TRUE(fs::exists(run / "work" / "x.img"));
}

// A process that looks like a qemu of the run by its command line.
struct FakeQemu {
  pid_t pid = -1;
  explicit FakeQemu(const fs::path& arg) {
    std::string hang = std::string(TESTPROGS_DIR) + "/hang";
    std::string a = arg.string();
    pid = fork();
    if (pid == 0) {
      char* argv[] = {const_cast<char*>("qemu-system-x86_64"), const_cast<char*>("-drive"), a.data(), nullptr};
      execv(hang.c_str(), argv);
      _exit(127);
    }
    // Until exec, /proc shows the test's own command line; during it, an
    // empty one. (An exception here would leave the child running: the
    // destructor of an unfinished constructor never runs.)
    auto execed = [&] {
      auto argv = process_argv(pid);
      return !argv.empty() && argv[0] == "qemu-system-x86_64";
    };
    for (int i = 0; i < 400 && !execed(); ++i) usleep(5000);
  }
  bool alive() const { return waitpid(pid, nullptr, WNOHANG) == 0; }
  ~FakeQemu() {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
};

TEST(Gc, KillsNoProcessJustBecauseItsCommandLineNamesTheRun) {
  TempDir tmp;
  fs::path run = dead_run(tmp.path(), "run");
  FakeQemu decoy(run / "work" / "vm-scratch.img");
  GcResult r = collect_garbage({tmp.path()}, false);
  EXPECT_TRUE(contains(r.dead_runs, run));
  EXPECT_TRUE(decoy.alive()) << "gc killed a process the marker does not record";
}

TEST(Gc, KillsTheQemuItsMarkerRecords) {
  TempDir tmp;
  FakeQemu qemu("/nowhere");
  MarkerContents m;
  m.processes.push_back(MarkedProcess{"qemu", qemu.pid, process_stat(qemu.pid)->start_time});
  fs::path run = dead_run(tmp.path(), "run", m);
  GcResult r = collect_garbage({tmp.path()}, false);
  ASSERT_EQ(r.actions.size(), 2u) << r.actions.size();
  EXPECT_EQ(r.actions[0].what, fmt::format("killed qemu pid {}", qemu.pid));
  int st = 0;
  EXPECT_EQ(waitpid(qemu.pid, &st, 0), qemu.pid);
  EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

TEST(Gc, SparesAProcessThatReusedARecordedPid) {
  TempDir tmp;
  FakeQemu other("/nowhere");
  MarkerContents m;  // same pid, another start: the recorded qemu is long gone
  m.processes.push_back(MarkedProcess{"qemu", other.pid, process_stat(other.pid)->start_time + 1});
  dead_run(tmp.path(), "run", m);
  collect_garbage({tmp.path()}, false);
  EXPECT_TRUE(other.alive());
}

TEST(Gc, DryRunChangesNothing) {
  TempDir tmp;
  fs::path run = dead_run(tmp.path(), "run");
  GcResult r = collect_garbage({tmp.path()}, true);
  EXPECT_TRUE(contains(r.dead_runs, run));
  EXPECT_TRUE(fs::exists(run / "work" / "x.img"));
  EXPECT_TRUE(fs::exists(run / kRunMarkerName));
  EXPECT_FALSE(fs::exists(run / "gc.json"));
}

TEST(Gc, SweepsOnlyARunsFolderTheUserNamed) {
  const fs::path def = fs::absolute("reports/runs");
  EXPECT_EQ(runs_folders_to_sweep(std::nullopt, true, "reports/runs"), std::vector<fs::path>{def});
  // One run with --out: its parent only when that is the default folder.
  EXPECT_TRUE(runs_folders_to_sweep(fs::path("/tmp/x"), true, "reports/runs").empty());
  EXPECT_EQ(runs_folders_to_sweep(def / "mine", true, "reports/runs"), std::vector<fs::path>{def});
  // Several runs: --out holds their folders.
  EXPECT_EQ(runs_folders_to_sweep(fs::path("/tmp/batch"), false, "reports/runs"),
            std::vector<fs::path>{"/tmp/batch"});
}

}  // namespace
}  // namespace harness
