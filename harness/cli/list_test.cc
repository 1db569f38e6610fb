#include "cli/list.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "base/error.h"
#include "cli/exit_code.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using testing::has;

namespace fs = std::filesystem;
using nlohmann::json;


class List : public ::testing::Test {
 protected:
  fs::path run(const std::string& name, const std::string& scenario, const std::string& verdict,
               const std::string& started_at) {
    fs::path d = tmp_.path() / name;
    fs::create_directories(d);
    json r = {{"scenario", scenario},
              {"verdict", verdict},
              {"counts", json::object()},
              {"events", json::array()},
              {"run", {{"started_at", started_at}, {"duration_ms", 2500.0}, {"backend", "host"}}}};
    std::ofstream(d / "report.json") << r.dump();
    return d;
  }
  fs::path unfinished(const std::string& name) {
    fs::path d = tmp_.path() / name;
    fs::create_directories(d);
    std::ofstream(d / "harness-run.json") << "{}";
    return d;
  }
  // What `harness list ARGS` prints and returns.
  std::pair<int, std::string> list(const std::vector<std::string>& args) {
    ::testing::internal::CaptureStdout();
    int rc = cmd_list(args);
    return {rc, ::testing::internal::GetCapturedStdout()};
  }
  testing::TempDir tmp_;
};

TEST_F(List, RunsNewestFirstWithTheirVerdicts) {
  fs::path old_run = run("old", "control", "pass", "2026-01-01T10:00:00Z");
  fs::path new_run = run("new", "heroku", "fail", "2026-02-01T10:00:00Z");
  fs::path killed = unfinished("killed");
  fs::create_directories(tmp_.path() / "not-a-run");
  std::ofstream(tmp_.path() / "notes.txt") << "x";
  json runs = runs_in(tmp_.path());
  ASSERT_EQ(runs.size(), 3u) << runs.dump(1);
  EXPECT_EQ(runs[0].at("run_dir"), new_run.string());
  EXPECT_EQ(runs[0].at("scenario"), "heroku");
  EXPECT_EQ(runs[0].at("verdict"), "fail");
  EXPECT_EQ(runs[0].at("backend"), "host");
  EXPECT_DOUBLE_EQ(runs[0].at("duration_ms").get<double>(), 2500.0);
  EXPECT_EQ(runs[1].at("run_dir"), old_run.string());
  EXPECT_EQ(runs[2].at("run_dir"), killed.string());
  EXPECT_EQ(runs[2].at("verdict"), "unfinished");
}

TEST_F(List, ARunDirectoryIsItsOwnList) {
  fs::path d = run("one", "control", "pass", "2026-01-01T10:00:00Z");
  json runs = runs_in(d);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].at("run_dir"), d.string());
  EXPECT_TRUE(runs_in(tmp_.path() / "empty-or-missing").empty());
}

TEST_F(List, AnUnreadableReportIsListedWithItsError) {
  fs::path d = tmp_.path() / "broken";
  fs::create_directories(d);
  std::ofstream(d / "report.json") << "{\"scenario\": ";
  json runs = runs_in(tmp_.path());
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].at("verdict"), "unreadable");
  EXPECT_TRUE(has(runs[0].at("error").get<std::string>(), "not valid JSON")) << runs[0];
}

TEST_F(List, RunsTextIsOneLinePerRun) {
  run("a", "heroku", "pass", "2026-02-01T10:00:00Z");
  unfinished("b");
  std::string text = runs_text(runs_in(tmp_.path()));
  std::vector<std::string> lines;
  for (size_t at = 0, nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1)
    lines.push_back(text.substr(at, nl - at));
  ASSERT_EQ(lines.size(), 2u) << text;
  EXPECT_EQ(lines[0].rfind("pass ", 0), 0u) << lines[0];
  EXPECT_TRUE(has(lines[0], " heroku ")) << lines[0];
  EXPECT_TRUE(has(lines[0], "2026-02-01T10:00:00Z")) << lines[0];
  EXPECT_TRUE(has(lines[0], (tmp_.path() / "a").string())) << lines[0];
  EXPECT_EQ(lines[1].rfind("unfinished ", 0), 0u) << lines[1];
  EXPECT_TRUE(has(lines[1], " - ")) << "no scenario known: " << lines[1];
}

TEST_F(List, TheCommandListsRunsOrScenarios) {
  run("a", "heroku", "pass", "2026-02-01T10:00:00Z");
  auto [rc, out] = list({tmp_.path().string()});
  EXPECT_EQ(rc, kExitPass);
  EXPECT_TRUE(has(out, "pass ")) << out;
  auto [rc_json, out_json] = list({tmp_.path().string(), "--json"});
  EXPECT_EQ(rc_json, kExitPass);
  EXPECT_EQ(json::parse(out_json).size(), 1u) << out_json;

  fs::path scenarios = tmp_.path() / "scenarios";
  fs::create_directories(scenarios);
  std::ofstream(scenarios / "good.json") << R"({"name": "good", "description": "A fine one.", "timeout_s": 60,
    "workload": {"argv": ["/bin/true"], "iterations": 10}, "expect": [{"classes": ["abnormal"], "at_most": 0}]})";
  std::ofstream(scenarios / "bad.json") << R"({"name": "bad"})";
  std::ofstream(scenarios / "schema.json") << "{}";
  auto [rc_s, out_s] = list({scenarios.string()});
  EXPECT_EQ(rc_s, kExitPass);
  EXPECT_TRUE(has(out_s, "good.json")) << out_s;
  EXPECT_TRUE(has(out_s, "A fine one.")) << out_s;
  EXPECT_TRUE(has(out_s, "bad.json")) << out_s;
  EXPECT_TRUE(has(out_s, "INVALID: ")) << out_s;
  EXPECT_FALSE(has(out_s, "schema.json")) << out_s;
}

TEST_F(List, AMissingFolderOrAFileIsAUsageErrorSayingSo) {
  auto usage_error = [&](const std::vector<std::string>& args) -> std::string {
    try {
      list(args);
    } catch (const Error& e) {
      ::testing::internal::GetCapturedStdout();
      EXPECT_EQ(e.kind(), ErrorKind::usage) << e.what();
      return e.what();
    }
    ADD_FAILURE() << "no error";
    return "";
  };
  std::string missing = usage_error({(tmp_.path() / "nope").string()});
  EXPECT_TRUE(has(missing, "is not a folder (it does not exist here)")) << missing;
  std::ofstream(tmp_.path() / "file") << "x";
  std::string file = usage_error({(tmp_.path() / "file").string()});
  EXPECT_TRUE(has(file, "is not a folder;")) << file;
  EXPECT_TRUE(has(usage_error({"a", "b"}), "list takes one folder"));
}

}  // namespace
}  // namespace harness
