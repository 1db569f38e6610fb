// Shared helpers for the integration tests (*_itest.cc): run the real
// harness binary, read its report, and check that nothing of a run is left
// on the machine. Header-only so the library does not carry test code.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/digest.h"
#include "testing/test_support.h"

namespace harness::itest {

namespace fs = std::filesystem;
using namespace ::harness::testing;

inline bool have_root_and_loop(std::string* why) {
  if (geteuid() != 0) {
    *why = "needs root (loop devices, mounts, drop_caches)";
    return false;
  }
  if (access("/dev/loop-control", R_OK | W_OK) != 0) {
    *why = "/dev/loop-control is not usable on this machine";
    return false;
  }
  return true;
}

#define HARNESS_REQUIRE_ROOT_AND_LOOP()                                        \
  do {                                                                         \
    std::string why_;                                                          \
    if (!::harness::itest::have_root_and_loop(&why_)) GTEST_SKIP() << why_;   \
  } while (0)

inline CliResult run_harness(const std::vector<std::string>& args, const fs::path& logs,
                             std::chrono::seconds timeout = std::chrono::seconds(300)) {
  std::vector<std::string> argv{HARNESS_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_argv(argv, logs, timeout);
}

// Runs a tool other than the harness (cpack, dpkg, ruby, a linter...) from
// `cwd`, with its output in numbered files under `logs` (so a test keeps
// every call's), without the variables that would bypass an installed
// layout or shard the harness's own scenario list.
inline CliResult run_tool(const std::vector<std::string>& argv, const fs::path& logs, const fs::path& cwd = {},
                          std::chrono::seconds timeout = std::chrono::seconds(300)) {
  static int n = 0;
  ChildOptions o;
  o.cwd = cwd;
  o.stdout_file = logs / ("tool-out-" + std::to_string(n) + ".txt");
  o.stderr_file = logs / ("tool-err-" + std::to_string(n) + ".txt");
  ++n;
  o.timeout = timeout;
  o.unset_env = {"HARNESS_FIXTURES_BIN", "GTEST_SHARD_INDEX", "GTEST_TOTAL_SHARDS", "DESTDIR"};
  return run_with_output(argv, o);
}

inline nlohmann::json load_jsonc(const fs::path& p) {
  return nlohmann::json::parse(slurp(p), nullptr, true, /*ignore_comments=*/true);
}

// A copy of a shipped scenario (scenarios/NAME.json) in `dir` with fewer
// iterations (and a bound to match), for a test whose subject is not the
// scenario's own claim (signals, the CLI), so that it stays within
// seconds on a busy machine. Host paths in the shipped files are absolute
// and {fixtures_bin} resolves from the harness binary, so a copy runs
// from anywhere. `early_stop` false: runs that go through every phase.
inline fs::path shortened(const std::string& shipped, const fs::path& dir, unsigned long iterations,
                          bool early_stop = false) {
  nlohmann::json s = load_jsonc(source_path("scenarios/" + shipped + ".json"));
  s["workload"]["iterations"] = iterations;
  s["early_stop"] = early_stop;
  for (auto& e : s["expect"])
    if (e.contains("min_execs_under_fault")) e["min_execs_under_fault"] = iterations;
  fs::path out = dir / (shipped + ".short.json");
  std::ofstream(out) << s.dump(2) << "\n";
  return out;
}

inline nlohmann::json read_report(const fs::path& run_dir) {
  return nlohmann::json::parse(slurp(run_dir / "report.json"));
}

// True when `path` is `dir` or lies beneath it, on a whole path component:
// /tmp/x/run-1 is not under /tmp/x/run. (A deleted backing file reads
// "PATH (deleted)"; the suffix follows the last component, so it matches.)
inline bool is_at_or_under(const std::string& path, const fs::path& dir) {
  std::string d = fs::weakly_canonical(dir).string();
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  if (path.compare(0, d.size(), d) != 0) return false;
  return path.size() == d.size() || path[d.size()] == '/';
}

// Loop devices whose backing file lies under `dir`.
inline std::vector<std::string> loop_devices_under(const fs::path& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/sys/block", ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind("loop", 0) != 0) continue;
    std::ifstream in(e.path() / "loop" / "backing_file");
    std::string backing;
    if (in && std::getline(in, backing) && is_at_or_under(backing, dir))
      found.push_back("/dev/" + name + " -> " + backing);
  }
  return found;
}

// mountinfo writes space, tab, newline and backslash in paths as \ooo.
inline std::string unescape_mountinfo(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Mounts under `dir` in every mount namespace on the machine. The harness
// mounts in a private namespace, invisible from the test's own; the
// namespace, and its mounts, outlive the harness for as long as any
// process it left behind (a background child of an installer) is in it.
// Each namespace is read once, through the first process found in it.
inline std::vector<std::string> mounts_under(const fs::path& dir) {
  std::vector<std::string> found;
  std::set<std::string> namespaces_read;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    std::string pid = e.path().filename().string();
    if (pid.empty() || !std::all_of(pid.begin(), pid.end(), ::isdigit)) continue;
    std::error_code link_ec;
    std::string ns = fs::read_symlink(e.path() / "ns" / "mnt", link_ec).string();
    if (link_ec || !namespaces_read.insert(ns).second) continue;  // gone, or already read
    std::ifstream in(e.path() / "mountinfo");
    for (std::string line; std::getline(in, line);) {
      // "ID PARENT MAJ:MIN ROOT MOUNTPOINT ...": the fifth field.
      std::istringstream fields(line);
      std::string skip, mountpoint;
      fields >> skip >> skip >> skip >> skip >> mountpoint;
      if (is_at_or_under(unescape_mountinfo(mountpoint), dir)) {
        std::string comm = slurp(e.path() / "comm");
        if (!comm.empty() && comm.back() == '\n') comm.pop_back();
        found.push_back(ns + " (held by pid " + pid + " " + comm + "): " + line);
      }
    }
  }
  return found;
}

inline void expect_nothing_left(const fs::path& dir) {
  // Autoclear frees a loop device asynchronously after the last unmount;
  // give the kernel a moment before calling it a leak.
  for (int i = 0; i < 50 && !loop_devices_under(dir).empty(); ++i) usleep(100 * 1000);
  auto loops = loop_devices_under(dir);
  EXPECT_TRUE(loops.empty()) << "leaked loop devices: " << ::testing::PrintToString(loops);
  auto mounts = mounts_under(dir);
  EXPECT_TRUE(mounts.empty()) << "leaked mounts: " << ::testing::PrintToString(mounts);
}

// The events of fault `fault` in a report, in time order.
inline std::vector<nlohmann::json> fault_events(const nlohmann::json& report, const std::string& fault) {
  std::vector<nlohmann::json> out;
  for (const auto& e : report.at("events"))
    if (e.value("type", "") == "fault" && e.value("fault", "") == fault) out.push_back(e);
  return out;
}

// A run action's background work on either backend (background_itest.cc,
// vm_backend_itest.cc): images/app.img holding `sleep` mounted read-only,
// images/new.img holding `true`, the workload running `sleep 0` from the
// mount for `duration_ms`, and one fault "redeploy" that runs `sh -c
// command` once, 100 ms in, labelled deploy.sh; no write while mounted
// expected. The programs the commands call are declared (a VM guest has
// only what the scenario names).
inline nlohmann::json background_scenario(const std::string& name, const std::string& command,
                                          unsigned duration_ms) {
  using nlohmann::json;
  auto image = [](const char* n, const char* from) {
    return json{{"name", n}, {"size_mib", 4}, {"files", {{{"from", from}, {"to", "sleep"}, {"mode", "0755"}}}}};
  };
  return {{"name", name},
          {"timeout_s", 120},
          {"early_stop", false},
          {"images", {image("app", "/bin/sleep"), image("new", "/bin/true")}},
          {"mounts", {{{"image", "images/app.img"}, {"mountpoint", "mnt/app"}, {"options", "loop,ro"}}}},
          {"workload", {{"argv", {"{work}/mnt/app/sleep", "0"}}, {"iterations", 1000000}, {"duration_ms", duration_ms}}},
          {"vm", {{"duration_ms", duration_ms}}},
          {"programs", {"setsid", "sleep", "cat"}},
          {"faults", {{{"name", "redeploy"},
                       {"schedule", {{"kind", "once"}, {"after_ms", 100}}},
                       {"actions", {{{"action", "run"}, {"label", "deploy.sh"}, {"argv", {"/bin/sh", "-c", command}}}}}}}},
          {"expect", {{{"no_write_while_mounted", "images/app.img"}}}}};
}

// How many of a matrix cell's power-cut crash points held `holds`
// (old/new/nothing/broken/mixed).
inline unsigned holding(const nlohmann::json& cell, const std::string& holds) {
  unsigned n = 0;
  for (const auto& cp : cell.at("crash_points")) n += cp.value("holds", "") == holds;
  return n;
}

inline unsigned long count_of(const nlohmann::json& report, const std::string& cls) {
  return report.at("counts").at(cls).get<unsigned long>();
}

// What a file outside the run directory looks like; hostile scenarios
// must leave it exactly so.
struct FileState {
  std::string sha;
  off_t size = 0;
  timespec mtime{};
  bool operator==(const FileState& o) const {
    return sha == o.sha && size == o.size && mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec;
  }
};

inline FileState state_of(const fs::path& p) {
  struct stat st {};
  lstat(p.c_str(), &st);
  return FileState{file_digest_hex(DigestAlgo::sha256, p), st.st_size, st.st_mtim};
}

// A file outside the run directory that hostile scenarios aim at (we
// create it; the real /etc/passwd is never put at risk).
struct Victim {
  fs::path path;
  FileState before;
  explicit Victim(const fs::path& p) : path(p) {
    std::ofstream(p) << "root:x:0:0:root:/root:/bin/bash\nthis file must never change\n";
    before = state_of(p);
  }
  void expect_untouched() const {
    ASSERT_TRUE(fs::exists(path)) << path << " was removed";
    FileState now = state_of(path);
    EXPECT_TRUE(now == before) << path << " changed: size " << before.size << " -> " << now.size;
  }
};

// The cell of a matrix.json for one installer and fault, or nullptr.
inline const nlohmann::json* matrix_cell(const nlohmann::json& m, const std::string& installer,
                                         const std::string& fault) {
  for (const auto& c : m.at("cells"))
    if (c.at("installer") == installer && c.at("fault") == fault) return &c;
  return nullptr;
}

// Runs a command that derives its own runs (`matrix`, `ablate`) in two
// shards, each into DIR/shardI: each must exit 0, write `summary`
// (matrix.json), write the derived scenario `derived` (whichever shard ran
// it) valid, and leave nothing mounted or attached. Then `harness merge`
// joins them into DIR/merged; returns its `summary`, parsed.
inline nlohmann::json run_two_shards_and_merge(const fs::path& dir, std::vector<std::string> args,
                                               const std::string& summary, const std::string& derived) {
  for (int shard = 0; shard < 2; ++shard) {
    auto out = dir / ("shard" + std::to_string(shard));
    std::vector<std::string> a = args;
    for (const std::string& x : {std::string("--shard"), std::to_string(shard) + "/2", std::string("--out"), out.string()})
      a.push_back(x);
    auto res = run_harness(a, dir);
    EXPECT_EQ(res.exit_code, 0) << res.out << res.err;
    EXPECT_TRUE(fs::exists(out / summary)) << out;
    auto v = run_harness({"validate", (out / derived).string()}, dir);
    EXPECT_EQ(v.exit_code, 0) << v.err;
    expect_nothing_left(out);
  }
  auto merged = run_harness({"merge", (dir / "shard0").string(), (dir / "shard1").string(), "--out", (dir / "merged").string()},
                            dir);
  EXPECT_EQ(merged.exit_code, 0) << merged.out << merged.err;
  return nlohmann::json::parse(slurp(dir / "merged" / summary));
}

}  // namespace harness::itest
