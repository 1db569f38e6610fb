// The installed layout and the .deb: `cmake --install` of this build tree
// into a temp prefix, then the installed harness validates and runs the
// installed scenarios, including one that calls {fixtures_bin}/stack-install
// (which must resolve to the harness's own bin/ once installed); then
// `cpack -G DEB` and a look inside the package.
#include <gtest/gtest.h>

#include <regex>
#include <sys/wait.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "base/child.h"
#include "itests/itest_support.h"

namespace harness::itest {
namespace {

// HARNESS_BIN is <build>/harness/harness.
fs::path build_dir() { return fs::path(HARNESS_BIN).parent_path().parent_path(); }

std::vector<std::string> installed_scenarios(const fs::path& prefix) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(prefix / "share/harness/scenarios"))
    if (e.path().filename() != "schema.json") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

// One install per test binary run: the tests below share it.
class Installed : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir();
    prefix_ = tmp_->path() / "prefix";
    CliResult t = run_tool({"cmake", "--install", build_dir().string(), "--prefix", prefix_.string()}, tmp_->path(),
                      tmp_->path());
    install_ok_ = t.exit_code == 0;
    install_log_ = t.out + t.err;
  }
  static void TearDownTestSuite() {
    delete tmp_;
    tmp_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(install_ok_) << "cmake --install failed:\n" << install_log_; }

  // Runs one installed scenario on the host backend from an unrelated cwd.
  nlohmann::json run_installed(const std::string& scenario, const fs::path& out) {
    TempDir logs;
    CliResult t = run_tool({(prefix_ / "bin/harness").string(), "run", "--backend", "host",
                       (prefix_ / "share/harness/scenarios" / scenario).string(), "--out", out.string()},
                      logs.path(), logs.path(), std::chrono::seconds(400));
    EXPECT_EQ(t.exit_code, 0) << t.out << t.err;
    if (!fs::exists(out / "report.json")) {
      ADD_FAILURE() << "no report.json in " << out << "\n" << t.out << t.err;
      return {};
    }
    return read_report(out);
  }

  static TempDir* tmp_;
  static fs::path prefix_;
  static bool install_ok_;
  static std::string install_log_;
};

TempDir* Installed::tmp_ = nullptr;
fs::path Installed::prefix_;
bool Installed::install_ok_ = false;
std::string Installed::install_log_;

TEST_F(Installed, LayoutHasBinariesSideBySideScenariosReportsAndReadme) {
  for (const char* rel : {"bin/harness", "bin/stack-install"}) {
    EXPECT_EQ(access((prefix_ / rel).c_str(), X_OK), 0) << rel;
  }
  for (const char* rel : {"share/harness/scenarios/heroku-2017-truncation.json",
                          "share/harness/scenarios/root-overwrite-immutable.json",
                          "share/harness/scenarios/schema.json", "share/harness/reports/FORMAT.md",
                          "share/harness/reports/junit.xsd", "share/doc/harness/README.md",
                          "share/doc/harness/docs/tutorial-gate.md", "share/doc/harness/bench/RESULTS.md",
                          "share/man/man1/harness.1"}) {
    EXPECT_TRUE(fs::is_regular_file(prefix_ / rel)) << rel;
  }
  // Every shipped scenario and document, and no local run directories.
  for (const auto& e : fs::directory_iterator(source_path("scenarios"))) {
    if (e.path().extension() != ".json") continue;
    EXPECT_TRUE(fs::exists(prefix_ / "share/harness/scenarios" / e.path().filename())) << e.path();
  }
  EXPECT_FALSE(fs::exists(prefix_ / "share/harness/reports/runs"));
}

// The installed page, as `man` shows it: every command with its synopsis,
// every option any --help names, and every exit code.
TEST_F(Installed, TheManPageShowsEveryCommandOptionAndExitCode) {
  const fs::path page = prefix_ / "share/man/man1/harness.1";
  ASSERT_TRUE(fs::is_regular_file(page));
  TempDir tmp;
  CliResult shown = run_tool({"man", "-l", page.string()}, tmp.path(), tmp.path());
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  for (const char* cmd : {"run", "validate", "list", "report", "compare", "merge", "ablate", "matrix", "doctor", "gc"}) {
    CliResult help = run_tool({(prefix_ / "bin/harness").string(), cmd, "--help"}, tmp.path(), tmp.path());
    ASSERT_EQ(help.exit_code, 0) << cmd << ": " << help.err;
    // The synopsis line, as --help prints it, is on the page.
    std::string first = help.out.substr(std::string("usage: ").size(), help.out.find('\n') - std::string("usage: ").size());
    EXPECT_NE(shown.out.find(first), std::string::npos) << cmd << ": " << first;
    static const std::regex opt(R"(--[a-z][a-z-]*)");
    for (std::sregex_iterator it(help.out.begin(), help.out.end(), opt), end; it != end; ++it)
      EXPECT_NE(shown.out.find(it->str()), std::string::npos) << cmd << ": " << it->str();
  }
  EXPECT_NE(shown.out.find("EXIT STATUS"), std::string::npos);
  // No roff request leaked into the text (one not starting a line is printed).
  for (const char* request : {".fi", ".nf", ".SS", ".br"})
    EXPECT_EQ(shown.out.find(request), std::string::npos) << request << " shown as text:\n" << shown.out;
  for (const char* code : {"0 every expectation held", "1 an expectation failed", "2 invalid scenario",
                           "3 this machine cannot run it", "4 unexpected error", "5 inconclusive", "130 interrupted"})
    EXPECT_NE(shown.out.find(code), std::string::npos) << code << "\n" << shown.out;
  // The matrix's own exit codes and how its rows are named.
  EXPECT_NE(shown.out.find("1 a cell is UNSAFE that was not expected to be"), std::string::npos);
  EXPECT_NE(shown.out.find("the row is named after the file stem"), std::string::npos);
}

TEST_F(Installed, ValidatesEveryInstalledScenario) {
  std::vector<std::string> argv{(prefix_ / "bin/harness").string(), "validate"};
  auto files = installed_scenarios(prefix_);
  ASSERT_FALSE(files.empty());
  argv.insert(argv.end(), files.begin(), files.end());
  TempDir logs;
  CliResult t = run_tool(argv, logs.path(), logs.path());
  EXPECT_EQ(t.exit_code, 0) << t.out << t.err;

  CliResult v = run_tool({(prefix_ / "bin/harness").string(), "--version"}, logs.path(), logs.path());
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out.rfind("harness ", 0), 0u) << v.out;
}

// /bin/sleep copied into the image: an absolute host path still works.
TEST_F(Installed, RunsAControlScenario) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir out;
  auto report = run_installed("control-drop-caches.json", out.path() / "run");
  ASSERT_FALSE(report.is_null());
  EXPECT_EQ(report.at("verdict"), "pass") << report.at("verdict_reasons").dump(2);
  EXPECT_EQ(report.at("run").at("backend"), "host");
  expect_nothing_left(out.path());
}

// {fixtures_bin}/stack-install resolves to the installed bin/.
TEST_F(Installed, RunsAnInstallerScenarioThroughFixturesBin) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir out;
  auto report = run_installed("root-overwrite-immutable.json", out.path() / "run");
  ASSERT_FALSE(report.is_null());
  EXPECT_EQ(report.at("verdict"), "pass") << report.at("verdict_reasons").dump(2);

  // The setup install ran the installed stack-install and it succeeded.
  std::string installer = (prefix_ / "bin/stack-install").string();
  bool ran = false;
  for (const auto& e : report.at("events")) {
    if (e.value("type", "") != "fault" || e.value("fault", "") != "setup" || !e.contains("argv")) continue;
    if (e.at("argv").empty() || e.at("argv").at(0) != installer) continue;
    ran = true;
    EXPECT_EQ(e.at("ok"), true) << e.dump(2);
  }
  EXPECT_TRUE(ran) << "no event ran " << installer;
  expect_nothing_left(out.path());
}

TEST(DebPackage, HoldsTheHarnessTheScenariosAndItsDependencies) {
  for (const char* tool : {"cpack", "dpkg-deb", "dpkg-shlibdeps"})
    if (!find_program(tool)) GTEST_SKIP() << tool << " is not installed (ci/deps.sh installs dpkg-dev)";
  TempDir tmp;
  fs::path config = build_dir() / "CPackConfig.cmake";
  ASSERT_TRUE(fs::exists(config)) << config;
  // -B keeps the package and CPack's staging out of the build tree.
  CliResult pack = run_tool({"cpack", "-G", "DEB", "--config", config.string(), "-B", (tmp.path() / "out").string()},
                       tmp.path(), tmp.path(), std::chrono::seconds(500));
  ASSERT_EQ(pack.exit_code, 0) << pack.out << pack.err;
  fs::path deb;
  for (const auto& e : fs::directory_iterator(tmp.path() / "out"))
    if (e.path().extension() == ".deb") deb = e.path();
  ASSERT_FALSE(deb.empty()) << pack.out;
  EXPECT_EQ(deb.filename().string().rfind("harness_", 0), 0u) << deb;

  CliResult contents = run_tool({"dpkg-deb", "-c", deb.string()}, tmp.path(), tmp.path());
  ASSERT_EQ(contents.exit_code, 0) << contents.err;
  for (const char* path : {"./usr/bin/harness", "./usr/bin/stack-install",
                           "./usr/share/harness/scenarios/heroku-2017-truncation.json",
                           "./usr/share/harness/scenarios/schema.json", "./usr/share/harness/reports/FORMAT.md",
                           "./usr/share/doc/harness/README.md", "./usr/share/man/man1/harness.1"}) {
    EXPECT_NE(contents.out.find(std::string(path) + "\n"), std::string::npos) << path << " not in\n" << contents.out;
  }

  CliResult fields = run_tool({"dpkg-deb", "-f", deb.string(), "Package", "Depends", "Recommends", "Maintainer"},
                         tmp.path(), tmp.path());
  ASSERT_EQ(fields.exit_code, 0) << fields.err;
  EXPECT_NE(fields.out.find("Package: harness\n"), std::string::npos) << fields.out;
  EXPECT_NE(fields.out.find("e2fsprogs"), std::string::npos) << "e2fsprogs missing from\n" << fields.out;
  // Every shared library the packaged harness needs comes from a package
  // named in Depends (dpkg-shlibdeps at work); the list is read from the
  // binary, so it follows the code instead of a hand-kept list.
  fs::path unpacked = tmp.path() / "needed";
  CliResult x = run_tool({"dpkg-deb", "-x", deb.string(), unpacked.string()}, tmp.path(), tmp.path());
  ASSERT_EQ(x.exit_code, 0) << x.err;
  CliResult dyn = run_tool({"readelf", "-d", (unpacked / "usr/bin/harness").string()}, tmp.path(), tmp.path());
  ASSERT_EQ(dyn.exit_code, 0) << dyn.err;
  int needed = 0;
  std::istringstream lines(dyn.out);
  for (std::string line; std::getline(lines, line);) {
    auto open = line.find("(NEEDED)");
    if (open == std::string::npos) continue;
    auto l = line.find('[', open), r = line.find(']', open);
    ASSERT_NE(r, std::string::npos) << line;
    std::string lib = line.substr(l + 1, r - l - 1);
    ++needed;
    CliResult owner = run_tool({"dpkg", "-S", "*/" + lib}, tmp.path(), tmp.path());
    ASSERT_EQ(owner.exit_code, 0) << lib << ": " << owner.err;
    // "libc6-i386: /lib32/libm.so.6" and "libc6:amd64: /lib/x86_64-…":
    // one of the owners must be a dependency.
    bool listed = false;
    std::istringstream owners(owner.out);
    for (std::string o; std::getline(owners, o);)
      listed = listed || fields.out.find(" " + o.substr(0, o.find(':'))) != std::string::npos;
    EXPECT_TRUE(listed) << lib << " (owned by " << owner.out << ") missing from\n" << fields.out;
  }
  EXPECT_GE(needed, 3) << dyn.out;
  for (const char* rec : {"qemu-system-x86", "linux-image-cloud-amd64", "busybox-static"})
    EXPECT_NE(fields.out.find(rec), std::string::npos) << rec << " missing from\n" << fields.out;

  // The packaged (stripped) binaries work from the unpacked tree.
  fs::path root = tmp.path() / "root";
  CliResult unpack = run_tool({"dpkg-deb", "-x", deb.string(), root.string()}, tmp.path(), tmp.path());
  ASSERT_EQ(unpack.exit_code, 0) << unpack.err;
  CliResult validate = run_tool({(root / "usr/bin/harness").string(), "validate",
                            (root / "usr/share/harness/scenarios/heroku-2017-truncation.json").string()},
                           tmp.path(), tmp.path());
  EXPECT_EQ(validate.exit_code, 0) << validate.out << validate.err;
  CliResult installer = run_tool({(root / "usr/bin/stack-install").string(), "--help"}, tmp.path(), tmp.path());
  EXPECT_EQ(installer.exit_code, 0) << installer.out << installer.err;
}

}  // namespace
}  // namespace harness::itest
