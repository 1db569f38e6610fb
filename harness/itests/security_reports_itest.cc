// Issue 26, item 7, through the real CLI as root: `harness list`, `report`,
// `compare` and `merge` read report.json files from folders other users
// may write to (a shared --out such as /tmp). What they plant there -- a
// FIFO, a link to /dev/zero or to a file only root may read, a verdict
// full of terminal escape sequences -- must neither hang, exhaust, leak,
// nor reach the terminal raw.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "itests/security_support.h"
#include "report/report_fixture.h"

namespace harness::itest {
namespace {

using nlohmann::json;

// A run folder of nobody's in `shared`, holding `report` as report.json.
fs::path planted_run(const fs::path& shared, const std::string& name, const std::string& report) {
  fs::path d = shared / name;
  fs::create_directories(d);
  std::ofstream(d / "report.json") << report;
  chown_tree(d, kNobody);
  return d;
}

bool has_control_bytes(const std::string& s) {
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) return true;
  return false;
}

TEST(SecurityReports, AFifoAsReportJsonHangsNothing) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path shared = shared_folder(tmp);
  fs::path d = shared / "fifo";
  fs::create_directories(d);
  ASSERT_EQ(mkfifo((d / "report.json").c_str(), 0666), 0);
  chown_tree(d, kNobody);
  // The code before waited for a writer that never came: the deadline
  // killed it.
  auto list = run_harness({"list", shared.string()}, tmp.path(), std::chrono::seconds(30));
  EXPECT_EQ(list.exit_code, 0) << list.out << list.err;
  EXPECT_NE(list.out.find("unreadable"), std::string::npos) << list.out;
  auto report = run_harness({"report", d.string()}, tmp.path(), std::chrono::seconds(30));
  EXPECT_EQ(report.exit_code, 2) << report.out << report.err;
  EXPECT_NE(report.err.find("a FIFO, not a regular file; refused"), std::string::npos) << report.err;
}

TEST(SecurityReports, ALinkToDevZeroIsNotRead) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path shared = shared_folder(tmp);
  fs::path d = shared / "zero";
  fs::create_directories(d);
  fs::create_symlink("/dev/zero", d / "report.json");
  chown_tree(d, kNobody);
  // The code before read /dev/zero until memory ran out (past 800 MB).
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"report", d.string()}, {"compare", d.string(), d.string()}}) {
    auto res = run_harness(args, tmp.path(), std::chrono::seconds(30));
    EXPECT_EQ(res.exit_code, 2) << args[0] << ": " << res.out << res.err;
    EXPECT_NE(res.err.find("a symbolic link; refused"), std::string::npos) << res.err;
  }
}

TEST(SecurityReports, ALinkToAFileOnlyRootMayReadIsNotRead) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path shared = shared_folder(tmp);
  // Root's own report, as /etc/shadow would be: 0600 in a folder only root enters.
  fs::path secret = tmp.path() / "private" / "report.json";
  fs::create_directories(secret.parent_path());
  json r = fixture::minimal_report();
  r["scenario"] = "root-secret";
  std::ofstream(secret) << r.dump();
  fs::permissions(secret, fs::perms::owner_read | fs::perms::owner_write);
  fs::path d = shared / "peek";
  fs::create_directories(d);
  fs::create_symlink(secret, d / "report.json");
  chown_tree(d, kNobody);
  auto list = run_harness({"list", shared.string()}, tmp.path(), std::chrono::seconds(30));
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out.find("root-secret"), std::string::npos) << "read as root and shown: " << list.out;
  auto merge = run_harness({"merge", shared.string(), "--out", (tmp.path() / "merged").string()}, tmp.path(),
                           std::chrono::seconds(30));
  EXPECT_EQ(merge.out.find("root-secret"), std::string::npos) << merge.out;
}

TEST(SecurityReports, EscapeSequencesInAReportNeverReachTheTerminal) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path shared = shared_folder(tmp);
  json r = fixture::minimal_report();
  r["scenario"] = "x\x1b[2J\x1b]0;owned\x07";
  r["verdict"] = "pass\x1b[1A\rfail \xc2\x9b" "31m";
  fs::path d = planted_run(shared, "esc", r.dump());
  std::vector<std::vector<std::string>> commands = {{"list", shared.string()},
                                                    {"compare", d.string(), d.string()},
                                                    {"merge", d.string(), "--out", (tmp.path() / "m").string()}};
  for (const auto& args : commands) {
    auto res = run_harness(args, tmp.path(), std::chrono::seconds(30));
    SCOPED_TRACE(args[0]);
    EXPECT_FALSE(has_control_bytes(res.out)) << res.out;  // the code before printed them raw
    EXPECT_FALSE(has_control_bytes(res.err)) << res.err;
    EXPECT_EQ(res.out.find("\xc2\x9b"), std::string::npos) << "a C1 CSI";
  }
  auto list = run_harness({"list", shared.string()}, tmp.path());
  EXPECT_NE(list.out.find("x\\x1b[2J"), std::string::npos) << "shown, escaped: " << list.out;
}

}  // namespace
}  // namespace harness::itest
