// `harness matrix` end to end on the host, small enough for CI: the
// hardened and the regressed installer against a kill at the Nth write and
// a corrupted sidecar, one run per cell, in two shards merged into one
// matrix. Hardened is safe in every cell; regressed, which writes in place,
// is not: a killed in-place copy is torn, and a corrupted sidecar sends it
// into a rewrite of the mounted image.
#include <gtest/gtest.h>

#include "itests/itest_support.h"

namespace harness::itest {
namespace {

using nlohmann::json;

TEST(Matrix, HardenedIsSafeWhereRegressedWritesInPlace) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  // Every cell is a scenario file, whichever shard ran it.
  json m = run_two_shards_and_merge(tmp.path(),
                                    {"matrix", "--backend", "host", "--installers", "hardened,regressed", "--faults",
                                     "kill-write,corrupt-sidecar"},
                                    "matrix.json", "cells/matrix--regressed--kill-write.json");
  ASSERT_FALSE(HasFailure());
  ASSERT_EQ(m.at("cells").size(), 4u) << m.dump(1);
  for (const char* fault : {"kill-write", "corrupt-sidecar"}) {
    const json* h = matrix_cell(m, "hardened", fault);
    const json* r = matrix_cell(m, "regressed", fault);
    ASSERT_TRUE(h && r) << fault;
    EXPECT_TRUE(h->at("safe").get<bool>()) << h->dump(1);
    EXPECT_FALSE(r->at("safe").get<bool>()) << r->dump(1);
    EXPECT_EQ(h->at("runs"), 1u);
  }
  // The kill struck, and says where: the crash point.
  const json* killed = matrix_cell(m, "regressed", "kill-write");
  ASSERT_EQ(killed->at("crash_points").size(), 1u) << killed->dump(1);
  EXPECT_GE(killed->at("crash_points")[0].value("writes", 0u), 16u);
  EXPECT_NE(killed->at("evidence").dump().find("is torn"), std::string::npos) << killed->dump(1);
  EXPECT_NE(matrix_cell(m, "regressed", "corrupt-sidecar")->at("evidence").dump().find("while it was mounted"),
            std::string::npos);
  std::string md = slurp(tmp.path() / "merged" / "matrix.md");
  EXPECT_NE(md.find("| regressed |"), std::string::npos) << md;
  // UNSAFE by design: expected, so the gate passes.
  EXPECT_NE(md.find("| regressed | UNSAFE (expected) (0/1 passed, 1 kill) | UNSAFE (expected) (0/1 passed) |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("gate: exit 0"), std::string::npos) << md;
  // The merged page links to every run's report in the shards.
  std::string html = slurp(tmp.path() / "merged" / "matrix.html");
  for (const auto& c : m.at("cells"))
    for (const auto& e : c.at("evidence")) {
      std::string dir = e.at("run_dir").get<std::string>();
      EXPECT_NE(html.find("href=\"" + dir + "/report.html\""), std::string::npos) << dir;
      EXPECT_TRUE(fs::exists(tmp.path() / "merged" / dir / "report.html")) << dir;
    }
}

// A CI gate: one UNSAFE cell of the user's row fails it (exit 1), while
// the fixture's legacy and regressed rows, UNSAFE by design, do not; with
// --allow-unsafe for that cell it passes. The user's script runs under an
// interpreter and its row is named after the script.
TEST(Matrix, AnUnexpectedUnsafeCellFailsTheGateAnAllowedOneDoesNot) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  const std::string in_place = "/bin/sh " + source_path("examples/gate/install-in-place.sh") + " {source} {dest} {name}";
  auto matrix = [&](const std::string& out, std::vector<std::string> extra) {
    std::vector<std::string> args{"matrix", "--backend", "host", "--faults", "redeploy", "--installers",
                                  "legacy,regressed,install-in-place", "--installer", in_place,
                                  "--out", (tmp.path() / out).string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_harness(args, tmp.path());
  };
  auto gate = matrix("gate", {});
  EXPECT_EQ(gate.exit_code, 1) << gate.out << gate.err;
  EXPECT_NE(gate.out.find("gate: exit 1: UNSAFE, not expected: install-in-place \u00d7 redeploy"), std::string::npos)
      << gate.out;
  json m = json::parse(slurp(tmp.path() / "gate" / "matrix.json"));
  for (const char* row : {"legacy", "regressed"}) {
    const json* c = matrix_cell(m, row, "redeploy");
    ASSERT_NE(c, nullptr) << row;
    EXPECT_EQ(c->at("state"), "unsafe") << c->dump(1);
    EXPECT_NE(c->at("expected_unsafe"), "") << "the fixture's rows are UNSAFE by design";
  }
  const json* mine = matrix_cell(m, "install-in-place", "redeploy");
  ASSERT_NE(mine, nullptr) << m.dump(1);
  EXPECT_EQ(mine->at("state"), "unsafe") << mine->dump(1);
  EXPECT_EQ(mine->at("expected_unsafe"), "");
  EXPECT_EQ(m.at("unexpected_unsafe_cells"), 1u);
  EXPECT_NE(slurp(tmp.path() / "gate" / "matrix.md").find("| install-in-place | **UNSAFE** (0/1 passed) |"),
            std::string::npos);

  auto allowed = matrix("allowed", {"--allow-unsafe", "install-in-place:redeploy"});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.out << allowed.err;
  json a = json::parse(slurp(tmp.path() / "allowed" / "matrix.json"));
  mine = matrix_cell(a, "install-in-place", "redeploy");
  ASSERT_NE(mine, nullptr) << a.dump(1);
  EXPECT_EQ(mine->at("state"), "unsafe") << "allowed, still shown: " << mine->dump(1);
  EXPECT_EQ(mine->at("expected_unsafe"), "--allow-unsafe install-in-place:redeploy");
  EXPECT_EQ(a.at("unsafe_cells"), 3u);
  expect_nothing_left(tmp.path() / "gate");
  expect_nothing_left(tmp.path() / "allowed");
}

TEST(Matrix, UsageMistakesExit2AndCreateNothing) {
  TempDir tmp;
  auto out = tmp.path() / "out";
  EXPECT_EQ(run_harness({"matrix"}, tmp.path()).exit_code, 2) << "--out is required";
  EXPECT_EQ(run_harness({"matrix", "--out", out.string(), "--faults", "kill-everything"}, tmp.path()).exit_code, 2);
  EXPECT_EQ(run_harness({"matrix", "--out", out.string(), "--installer", "./install.sh {source} {dest}"}, tmp.path())
                .exit_code,
            2)
      << "{name} is missing";
  // Rows of one name would share their cells.
  auto twice = run_harness({"matrix", "--out", out.string(), "--installer", "/bin/sh x/a.sh {source} {dest} {name}",
                            "--installer", "/bin/sh y/a.sh {source} {dest} {name}"},
                           tmp.path());
  EXPECT_EQ(twice.exit_code, 2) << twice.out << twice.err;
  EXPECT_NE(twice.err.find("both rows would be named \"a\""), std::string::npos) << twice.err;
  auto builtin = run_harness({"matrix", "--out", out.string(), "--installer", "legacy=./a.sh {source} {dest} {name}"},
                             tmp.path());
  EXPECT_EQ(builtin.exit_code, 2) << builtin.out << builtin.err;
  EXPECT_NE(builtin.err.find("like the built-in row"), std::string::npos) << builtin.err;
  for (const char* allow : {"nobody:redeploy", "legacy:redploy", "legacy"}) {
    auto bad = run_harness({"matrix", "--out", out.string(), "--allow-unsafe", allow}, tmp.path());
    EXPECT_EQ(bad.exit_code, 2) << allow << ": " << bad.out << bad.err;
  }
  EXPECT_FALSE(fs::exists(out));
  // The help says the exit codes, how rows are named, and --allow-unsafe.
  auto help = run_harness({"matrix", "--help"}, tmp.path());
  EXPECT_EQ(help.exit_code, 0);
  for (const char* s : {"--allow-unsafe ROW:FAULT", "--require-safe", "NAME=", "exit:", "else 1 a cell is UNSAFE",
                        "root-overwrite"})
    EXPECT_NE(help.out.find(s), std::string::npos) << s << "\n" << help.out;
}

}  // namespace
}  // namespace harness::itest
