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
  EXPECT_NE(md.find("**UNSAFE**"), std::string::npos) << md;
  // The merged page links to every run's report in the shards.
  std::string html = slurp(tmp.path() / "merged" / "matrix.html");
  for (const auto& c : m.at("cells"))
    for (const auto& e : c.at("evidence")) {
      std::string dir = e.at("run_dir").get<std::string>();
      EXPECT_NE(html.find("href=\"" + dir + "/report.html\""), std::string::npos) << dir;
      EXPECT_TRUE(fs::exists(tmp.path() / "merged" / dir / "report.html")) << dir;
    }
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
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace harness::itest
