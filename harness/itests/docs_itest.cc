// The tutorial (docs/tutorial-gate.md) as a user follows it: every fenced
// block marked ```sh harness-doc-run runs as written, in order, from the
// source tree, and must end with the exit code the block declares
// (expect-exit=N; 0 unless said). Two substitutions only: the built
// harness for build/harness/harness (the build tree may be elsewhere), and
// a fresh folder for /tmp/gate (runs never reuse a directory). Host
// backend, as the blocks say: a broken command in the doc fails here.
#include <gtest/gtest.h>

#include <regex>

#include "itests/itest_support.h"

namespace harness::itest {
namespace {

struct DocBlock {
  int line = 0;  // of the opening fence
  int expect_exit = 0;
  std::string text;
};

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}

std::vector<DocBlock> runnable_blocks(const std::string& doc) {
  static const std::regex open(R"(^```sh harness-doc-run(?: expect-exit=(\d+))?\s*$)");
  std::vector<DocBlock> out;
  std::istringstream in(doc);
  std::string l;
  int n = 0;
  DocBlock* cur = nullptr;
  bool in_other_fence = false;
  while (std::getline(in, l)) {
    ++n;
    std::smatch m;
    if (cur) {
      if (l.rfind("```", 0) == 0) cur = nullptr;
      else cur->text += l + "\n";
    } else if (!in_other_fence && std::regex_match(l, m, open)) {
      out.push_back({n, m[1].matched ? std::stoi(m[1].str()) : 0, ""});
      cur = &out.back();
    } else if (l.rfind("```", 0) == 0) {
      in_other_fence = !in_other_fence;
    }
  }
  return out;
}

TEST(DocsTutorial, TheRunnableBlocksRunAsWritten) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  const std::string doc = slurp(source_path("docs/tutorial-gate.md"));
  std::vector<DocBlock> blocks = runnable_blocks(doc);
  // The tutorial's claim is a gate that fails in place and passes a rename:
  // both outcomes must be among the blocks run, or this test proves nothing.
  ASSERT_GE(blocks.size(), 6u) << "docs/tutorial-gate.md lost its runnable blocks";
  size_t failing = 0;
  for (const auto& b : blocks) failing += b.expect_exit == 1;
  ASSERT_GE(failing, 2u) << "the tutorial no longer shows a gate failing";
  TempDir tmp;
  const fs::path gate = tmp.path() / "gate";
  for (const auto& b : blocks) {
    std::string script = replace_all(replace_all(b.text, "build/harness/harness", HARNESS_BIN), "/tmp/gate", gate.string());
    SCOPED_TRACE("docs/tutorial-gate.md:" + std::to_string(b.line) + "\n" + b.text);
    auto res = run_tool({"bash", "-eo", "pipefail", "-c", script}, tmp.path(), source_path(""),
                        std::chrono::seconds(300));
    ASSERT_EQ(res.exit_code, b.expect_exit) << "stdout:\n" << res.out << "\nstderr:\n" << res.err;
  }
  // The last block lists the runs: the gates' verdicts as the doc tells them.
  EXPECT_TRUE(fs::exists(gate / "mine-inplace" / "report.json"));
  EXPECT_EQ(read_report(gate / "mine-inplace").at("verdict"), "fail");
  EXPECT_EQ(read_report(gate / "mine-rename").at("verdict"), "pass");
}

}  // namespace
}  // namespace harness::itest
