#include "report/report_load.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>

#include "base/error.h"
#include "report/report_fixture.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using testing::has;

using nlohmann::json;
namespace fs = std::filesystem;


class ReportLoad : public ::testing::Test {
 protected:
  void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
  }
  // The message of the Error load_report throws for `path`; fails the test
  // if it loads or throws anything else.
  std::string error_of(const fs::path& path) {
    try {
      load_report(path);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::invalid_scenario) << e.what();  // exit 2
      return e.what();
    }
    ADD_FAILURE() << path << " loaded";
    return "";
  }
  testing::TempDir tmp_;
};

TEST_F(ReportLoad, ADirectoryMeansItsReportJson) {
  json r = fixture::heroku_like_report();
  write(tmp_.path() / "run" / "report.json", r.dump(2));
  EXPECT_EQ(load_report(tmp_.path() / "run"), r);
  EXPECT_EQ(load_report(tmp_.path() / "run" / "report.json"), r);
}

TEST_F(ReportLoad, AnyFileNameWorksAndUnknownKeysAreKept) {
  json r = fixture::minimal_report();
  r["from_the_future"] = {1, 2, 3};
  write(tmp_.path() / "saved.json", r.dump());
  json back = load_report(tmp_.path() / "saved.json");
  EXPECT_EQ(back, r);
}

TEST_F(ReportLoad, AMissingReportSaysWhereOneComesFrom) {
  std::string e = error_of(tmp_.path());
  EXPECT_TRUE(has(e, (tmp_.path() / "report.json").string() + ": cannot read the report")) << e;
  EXPECT_TRUE(has(e, "ENOENT")) << e;
  EXPECT_TRUE(has(e, "is this a run directory?")) << e;
}

TEST_F(ReportLoad, BrokenJsonIsLocatedByLineAndColumn) {
  write(tmp_.path() / "report.json", "{\n  \"scenario\": \"x\",\n  \"verdict\": pass\n}");
  std::string e = error_of(tmp_.path());
  EXPECT_TRUE(has(e, (tmp_.path() / "report.json").string() + ":3:")) << e;
  EXPECT_TRUE(has(e, "not valid JSON")) << e;
  write(tmp_.path() / "report.json", "");
  EXPECT_TRUE(has(error_of(tmp_.path()), "not valid JSON"));
}

TEST_F(ReportLoad, EachCoreKeyIsRequiredWithItsType) {
  const json good = fixture::minimal_report();
  EXPECT_NO_THROW({
    write(tmp_.path() / "report.json", good.dump());
    load_report(tmp_.path());
  });
  for (const char* key : {"scenario", "verdict", "counts", "events"}) {
    json missing = good;
    missing.erase(key);
    write(tmp_.path() / "report.json", missing.dump());
    std::string e = error_of(tmp_.path());
    EXPECT_TRUE(has(e, fmt::format("$.{}: missing; not a harness report", key))) << e;
  }
  struct Wrong {
    const char* key;
    json value;
    const char* says;
  };
  for (const Wrong& w : {Wrong{"scenario", 1, "must be a string"}, Wrong{"verdict", nullptr, "must be a string"},
                         Wrong{"counts", json::array(), "must be an object"},
                         Wrong{"events", json::object(), "must be an array"}}) {
    json bad = good;
    bad[w.key] = w.value;
    write(tmp_.path() / "report.json", bad.dump());
    std::string e = error_of(tmp_.path());
    EXPECT_TRUE(has(e, fmt::format("$.{}: {}", w.key, w.says))) << e;
  }
}

TEST_F(ReportLoad, JsonThatIsNotAnObjectIsNotAReport) {
  for (const char* text : {"[]", "\"report\"", "null", "42"}) {
    write(tmp_.path() / "report.json", text);
    std::string e = error_of(tmp_.path());
    EXPECT_TRUE(has(e, "not a harness report (not a JSON object)")) << text << ": " << e;
  }
}

// What another user can plant as report.json in a folder they may write
// to: each is refused at once, unread, with what it is.
TEST_F(ReportLoad, AFifoIsRefusedNotWaitedOn) {
  fs::create_directories(tmp_.path() / "run");
  ASSERT_EQ(mkfifo((tmp_.path() / "run" / "report.json").c_str(), 0666), 0);
  std::string e = error_of(tmp_.path() / "run");  // before the fix: blocked here for ever
  EXPECT_TRUE(has(e, "a FIFO, not a regular file; refused")) << e;
}

TEST_F(ReportLoad, ALinkIsNotFollowed) {
  fs::create_directories(tmp_.path() / "run");
  fs::create_symlink("/dev/zero", tmp_.path() / "run" / "report.json");
  std::string e = error_of(tmp_.path() / "run");  // before the fix: read until memory ran out
  EXPECT_TRUE(has(e, "a symbolic link; refused")) << e;
  // A link to a file only root may read (as /etc/shadow): not read either.
  fs::path secret = tmp_.path() / "secret.json";
  write(secret, fixture::minimal_report().dump());
  fs::permissions(secret, fs::perms::owner_read);
  fs::remove(tmp_.path() / "run" / "report.json");
  fs::create_symlink(secret, tmp_.path() / "run" / "report.json");
  e = error_of(tmp_.path() / "run");
  EXPECT_TRUE(has(e, "a symbolic link; refused")) << e;
}

TEST_F(ReportLoad, ADeviceNamedDirectlyIsRefused) {
  std::string e = error_of("/dev/zero");
  EXPECT_TRUE(has(e, "a character device, not a regular file; refused")) << e;
}

TEST_F(ReportLoad, AFileLargerThanTheCapIsRefusedUnread) {
  fs::path big = tmp_.path() / "report.json";
  write(big, "");
  fs::resize_file(big, kMaxReportBytes + 1);  // sparse: nothing is written
  std::string e = error_of(tmp_.path());
  EXPECT_TRUE(has(e, fmt::format("larger than {} bytes; refused", kMaxReportBytes))) << e;
}

TEST_F(ReportLoad, RunDirOfAPathIsTheDirectoryOrTheFilesParent) {
  fs::create_directories(tmp_.path() / "run");
  EXPECT_EQ(report_run_dir(tmp_.path() / "run"), tmp_.path() / "run");
  EXPECT_EQ(report_run_dir(tmp_.path() / "run" / "report.json"), tmp_.path() / "run");
  EXPECT_EQ(report_run_dir("report.json"), fs::path("."));
}

}  // namespace
}  // namespace harness
