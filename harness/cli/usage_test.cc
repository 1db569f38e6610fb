#include "cli/usage.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "cli/cli.h"
#include "cli/man_page.h"

namespace harness {
namespace {

std::string captured(const std::vector<std::string>& args, int* rc) {
  ::testing::internal::CaptureStdout();
  *rc = run_cli(args);
  std::fflush(stdout);
  return ::testing::internal::GetCapturedStdout();
}

// Every user-facing command the dispatcher knows has a usage.
constexpr const char* kCommands[] = {"run",    "validate", "list",   "report", "compare", "merge",
                                     "ablate", "matrix",   "doctor", "gc",     "help"};

TEST(Usage, EveryCommandHasOneWithItsExitCodes) {
  for (const char* c : kCommands) {
    const CommandUsage* u = find_usage(c);
    ASSERT_NE(u, nullptr) << c;
    std::string text = usage_text(*u);
    EXPECT_EQ(text.rfind(std::string("usage: harness ") + c, 0), 0u) << text;
    EXPECT_NE(text.find("\nexit:"), std::string::npos) << c << " --help says nothing of its exit codes";
  }
  EXPECT_EQ(command_usages().size(), std::size(kCommands));
}

TEST(Usage, HelpCmdAndCmdHelpPrintTheSameText) {
  for (const char* c : kCommands) {
    int rc1 = -1, rc2 = -1;
    std::string a = captured({"help", c}, &rc1);
    std::string b = captured({c, "--help"}, &rc2);
    EXPECT_EQ(rc1, 0) << c;
    EXPECT_EQ(rc2, 0) << c;
    EXPECT_EQ(a, usage_text(c)) << c;
    EXPECT_EQ(b, a) << c;
  }
}

TEST(Usage, HelpOfAnUnknownCommandIsAUsageError) {
  int rc = -1;
  ::testing::internal::CaptureStderr();
  captured({"help", "frobnicate"}, &rc);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(rc, 2);
  EXPECT_NE(err.find("no command \"frobnicate\""), std::string::npos) << err;
}

TEST(Usage, MatrixHelpSaysHowRowsAreNamedAndItsExitCodes) {
  int rc = -1;
  std::string out = captured({"matrix", "--help"}, &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("the row is named after the file stem of the program"), std::string::npos) << out;
  EXPECT_NE(out.find("NAME= names the row"), std::string::npos) << out;
  for (const char* code : {"130 interrupted", "3 this machine cannot run a cell", "4 a cell's run stopped",
                           "2 a cell is invalid", "1 a cell is UNSAFE that was not expected", "else 5", "else 0"})
    EXPECT_NE(out.find(code), std::string::npos) << code << "\n" << out;
}

TEST(Usage, TheOverviewListsEveryCommandAndEveryExitCode) {
  std::string o = overview_text();
  for (const char* c : kCommands) EXPECT_NE(o.find(std::string("\n  ") + c + " "), std::string::npos) << c;
  for (const char* code : {"\n  0 ", "\n  1 ", "\n  2 ", "\n  3 ", "\n  4 ", "\n  5 ", "\n  130 "})
    EXPECT_NE(o.find(code), std::string::npos) << code;
}

// The page holds every command, every option any usage names, and every
// exit code, as roff that man renders (a line starting with '.' that is
// not ours would be taken for a request and vanish).
TEST(ManPage, HoldsEveryCommandOptionAndExitCode) {
  std::string m = man_page("9.9");
  EXPECT_EQ(m.rfind(".TH HARNESS 1", 0), 0u);
  std::set<std::string> options;
  static const std::regex opt(R"(--[a-z][a-z-]*)");
  for (const auto& u : command_usages()) {
    EXPECT_NE(m.find(".SS " + std::string(u.name) + "\n"), std::string::npos) << u.name;
    std::string text = usage_text(u);
    for (std::sregex_iterator it(text.begin(), text.end(), opt), end; it != end; ++it) options.insert(it->str());
  }
  ASSERT_GT(options.size(), 20u);
  for (const auto& o : options) EXPECT_NE(m.find(roff_escape(o)), std::string::npos) << o;
  for (const char* code : {"\n0 ", "\n1 ", "\n2 ", "\n3 ", "\n4 ", "\n5 ", "\n130 "})
    EXPECT_NE(m.find(code), std::string::npos) << code;
  EXPECT_NE(m.find(".SH EXIT STATUS"), std::string::npos);
  // Every request starts a line, or man prints it as text.
  static const std::regex request(R"(\.(nf|fi|SS|SH|TP|br)\b)");
  for (std::sregex_iterator it(m.begin(), m.end(), request), end; it != end; ++it)
    EXPECT_TRUE(it->position() == 0 || m[it->position() - 1] == '\n')
        << it->str() << " in the middle of a line: ..." << m.substr(it->position() > 40 ? it->position() - 40 : 0, 50);
}

TEST(ManPage, EscapesWhatRoffWouldTakeForARequestOrAnEscape) {
  EXPECT_EQ(roff_escape(".x\n'y\na\\b --c"), "\\&.x\n\\&'y\na\\eb \\-\\-c");
  EXPECT_EQ(roff_escape("a.b"), "a.b");
}

TEST(ManPage, HelpManPrintsIt) {
  int rc = -1;
  std::string out = captured({"help", "--man"}, &rc);
  EXPECT_EQ(rc, 0);
  // The same page, whatever version the binary carries.
  const std::string version = out.substr(0, out.find('\n'));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(version, m, std::regex(R"re("harness ([^"]+)")re"))) << version;
  EXPECT_EQ(out, man_page(m[1].str()));
}

}  // namespace
}  // namespace harness
