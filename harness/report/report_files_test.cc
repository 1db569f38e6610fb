#include "report/report_files.h"

#include <fcntl.h>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "base/scoped_fd.h"
#include "report/report_load.h"
#include "report/report_fixture.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using testing::slurp;

using nlohmann::json;
namespace fs = std::filesystem;


class ReportFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/harness-report-files-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ReportFiles, WritesAllThreeAndNoTemporaries) {
  json r = fixture::heroku_like_report();
  ScopedFd dirfd(::open(dir_.c_str(), O_DIRECTORY | O_PATH | O_CLOEXEC));
  write_report_files(dirfd.get(), dir_, r);
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir_)) names.insert(e.path().filename().string());
  EXPECT_EQ(names, (std::set<std::string>{"report.md", "report.html", "junit.xml"}));
  EXPECT_EQ(slurp(dir_ / "report.md").rfind("# heroku-2017-truncation: PASS", 0), 0u);
  EXPECT_NE(slurp(dir_ / "report.html").find("<svg id=\"timeline\""), std::string::npos);
  EXPECT_NE(slurp(dir_ / "junit.xml").find("tests=\"1\" failures=\"0\" errors=\"0\""), std::string::npos);
  struct stat st {};
  ASSERT_EQ(stat((dir_ / "report.html").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_F(ReportFiles, AtomicReplaceKeepsReadersOnTheOldInode) {
  write_file_atomically(dir_ / "f.txt", "old");
  std::ifstream reader(dir_ / "f.txt");
  write_file_atomically(dir_ / "f.txt", "new contents");
  std::string seen;
  std::getline(reader, seen);
  EXPECT_EQ(seen, "old") << "an open reader keeps the complete old file";
  EXPECT_EQ(slurp(dir_ / "f.txt"), "new contents");
}

TEST_F(ReportFiles, UnwritableDirectoryIsAnEnvironmentErrorNamingThePath) {
  try {
    write_file_atomically(dir_ / "missing" / "report.md", "x");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::environment);
    EXPECT_NE(std::string(e.what()).find((dir_ / "missing" / "report.md").string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("ENOENT"), std::string::npos) << e.what();
  }
}


TEST_F(ReportFiles, MissingOrMalformedReportIsExitTwoNamingTheFile) {
  auto expect_invalid = [&](const fs::path& arg, const std::string& needle) {
    try {
      load_report(arg);
      ADD_FAILURE() << "expected an error for " << arg;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::invalid_scenario) << e.what();  // exit 2
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_invalid(dir_, (dir_ / "report.json").string() + ": cannot read the report");
  std::ofstream(dir_ / "report.json") << "{\n  \"scenario\": \"x\",\n  oops\n}";
  expect_invalid(dir_, (dir_ / "report.json").string() + ":3:");
  std::ofstream(dir_ / "report.json") << "[1, 2]";
  expect_invalid(dir_, "not a harness report");
  std::ofstream(dir_ / "report.json") << R"({"scenario": "x", "verdict": "pass", "counts": {}})";
  expect_invalid(dir_, "$.events: missing");
  std::ofstream(dir_ / "report.json") << R"({"scenario": "x", "verdict": 1, "counts": {}, "events": []})";
  expect_invalid(dir_, "$.verdict: must be a string");
}

}  // namespace
}  // namespace harness
