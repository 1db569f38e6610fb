#include "core/matrix.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "core/scenario.h"

namespace harness {
namespace {

using nlohmann::json;

TEST(Matrix, EveryCellIsAValidScenarioWithTheInstallersInvariants) {
  auto installers = builtin_installers();
  installers.push_back(custom_installer("examples/gate/install-rename.sh {source} {dest} {name}", "/src"));
  auto cells = derive_cells(installers, matrix_faults());
  ASSERT_EQ(cells.size(), installers.size() * matrix_faults().size());
  for (const auto& c : cells) {
    Scenario s = parse_scenario(c.scenario.dump(), "/tmp/" + c.name + ".json");
    EXPECT_EQ(s.name, c.name);
    EXPECT_FALSE(s.early_stop);
    unsigned installed = 0, at_end = 0, no_write = 0;
    for (const auto& e : s.expect) {
      installed += e.kind == ExpectationKind::installed;
      at_end += e.kind == ExpectationKind::installed && e.at_end;
      no_write += e.kind == ExpectationKind::no_write_while_mounted;
    }
    EXPECT_EQ(installed, 2u) << c.name;
    EXPECT_EQ(at_end, 1u) << c.name << ": the next run converges";
    EXPECT_EQ(s.finally.size(), 1u) << c.name;
    bool mounted_dest = s.mounts.at(0).image == "data/stack.img";
    EXPECT_EQ(no_write, mounted_dest ? 1u : 0u) << c.name;
  }
  // The user's program is made absolute; its name labels the row.
  EXPECT_EQ(installers.back().name, "install-rename");
  EXPECT_EQ(installers.back().argv[0], "/src/examples/gate/install-rename.sh");
  EXPECT_EQ(cells.back().scenario["setup"][0]["argv"],
            json({"/src/examples/gate/install-rename.sh", "{work}/v1", "{work}/data", "stack"}));
}

TEST(Matrix, EachFaultIsWhatItsNameSays) {
  auto cells = derive_cells({builtin_installers()[2]}, matrix_faults());
  auto by = [&](const std::string& f) -> const json& {
    for (const auto& c : cells)
      if (c.fault == f) return c.scenario;
    throw std::out_of_range(f);
  };
  EXPECT_EQ(by("kill-write")["faults"][1]["actions"][0]["at_write"], 16);
  // A random kill comes after the installer's first operation in its
  // destination folder, never before its work (issue 23: kills at 0 or 1
  // writes, before any byte of the image moved, passed).
  EXPECT_EQ(by("kill-random")["faults"][1]["actions"][0]["at_dest_op"], 1);
  EXPECT_EQ(by("kill-random")["faults"][1]["actions"][0]["random_ms"], json({0, 1000}));
  // A user's installer at full speed: right after its first operation.
  auto user = derive_cells({custom_installer("/bin/sh a.sh {source} {dest} {name}", "/")}, matrix_faults());
  for (const auto& c : user)
    if (c.fault == "kill-write" || c.fault == "kill-random" || c.fault == "eio") {
      const json& strike = c.scenario["faults"][1]["actions"][0];
      EXPECT_EQ(strike["at_dest_op"], 1) << c.fault;
      EXPECT_FALSE(strike.contains("at_write")) << c.fault << ": a pipe's write is not the installer's work";
    }
  EXPECT_EQ(by("race")["faults"][0]["actions"][0]["instances"], 2);
  EXPECT_EQ(by("enospc")["scratch"][0]["size_mib"], 8);
  EXPECT_GE(by("enospc")["images"][1]["size_mib"].get<int>(), 8) << "v2 cannot fit";
  EXPECT_EQ(by("corrupt-sidecar")["faults"][0]["actions"][0]["action"], "corrupt");
  EXPECT_EQ(by("root-overwrite")["faults"][0]["actions"][0]["action"], "overwrite_truncate");
  EXPECT_EQ(by("power-cut")["scratch"][0]["power_cut"], true);
  EXPECT_EQ(by("power-cut")["scratch"][0]["path"], "data");
  EXPECT_EQ(by("power-cut")["faults"][0]["actions"][0]["argv"].dump().find("--rate"), std::string::npos)
      << "a TCG guest is slow enough";
  // The throttled redeploy (so a kill lands mid-copy); the next run is not.
  std::string redeploy = by("redeploy")["faults"][0]["actions"][0]["argv"].dump();
  EXPECT_NE(redeploy.find("--rate"), std::string::npos);
  EXPECT_EQ(by("redeploy")["finally"][0]["argv"].dump().find("--rate"), std::string::npos);
}

TEST(Matrix, AUserInstallerMustNameItsSourceDestAndName) {
  EXPECT_THROW(custom_installer("./install.sh {source} {dest}", "/"), std::invalid_argument);
  EXPECT_THROW(custom_installer("   ", "/"), std::invalid_argument);
  EXPECT_EQ(custom_installer("/opt/x/my installer {source} {dest} {name}", "/").argv.size(), 5u);
}

TEST(Matrix, ARowIsNamedAfterTheScriptItRunsOrAsTheUserSays) {
  EXPECT_EQ(custom_installer("/bin/sh a.sh {source} {dest} {name}", "/").name, "a");
  EXPECT_EQ(custom_installer("/bin/sh b.sh {source} {dest} {name}", "/").name, "b");
  EXPECT_EQ(custom_installer("env LC_ALL=C python3 -u deploy/rsync.py {source} {dest} {name}", "/").name, "rsync");
  EXPECT_EQ(custom_installer("./rsync-inplace.sh {source} {dest} {name}", "/").name, "rsync-inplace");
  MatrixInstaller named = custom_installer("in-place=/bin/sh a.sh {source} {dest} {name}", "/w");
  EXPECT_EQ(named.name, "in-place");
  EXPECT_EQ(named.argv, (std::vector<std::string>{"/bin/sh", "a.sh", "{source}", "{dest}", "{name}"}));
  EXPECT_FALSE(named.builtin);
  // An '=' after the program is the command's.
  EXPECT_EQ(custom_installer("./deploy.sh --opt=x {source} {dest} {name}", "/").name, "deploy");
  EXPECT_THROW(custom_installer("my/row=./a.sh {source} {dest} {name}", "/"), std::invalid_argument);
  EXPECT_THROW(custom_installer("=./a.sh {source} {dest} {name}", "/"), std::invalid_argument);
}

std::string row_name_error(const std::vector<std::string>& commands) {
  auto rows = builtin_installers();
  for (const auto& c : commands) rows.push_back(custom_installer(c, "/"));
  try {
    check_row_names(rows);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(Matrix, TwoRowsWithOneNameAreRefused) {
  EXPECT_EQ(row_name_error({"/bin/sh a.sh {source} {dest} {name}", "/bin/sh b.sh {source} {dest} {name}"}), "");
  std::string twice = row_name_error({"/bin/sh x/a.sh {source} {dest} {name}", "/bin/sh y/a.sh {source} {dest} {name}"});
  EXPECT_NE(twice.find("both rows would be named \"a\""), std::string::npos) << twice;
  EXPECT_NE(twice.find("x/a.sh"), std::string::npos) << twice;
  EXPECT_NE(twice.find("--installer NAME=CMD"), std::string::npos) << twice;
  std::string builtin = row_name_error({"./legacy.sh {source} {dest} {name}"});
  EXPECT_NE(builtin.find("named \"legacy\", like the built-in row"), std::string::npos) << builtin;
  EXPECT_NE(row_name_error({"hardened=./a.sh {source} {dest} {name}"}), "");
  EXPECT_EQ(row_name_error({"mine=./legacy.sh {source} {dest} {name}"}), "");
  // Cells are written and found by name: two rows of one name would share
  // their cells, so deriving them refuses too.
  auto rows = builtin_installers();
  rows.push_back(custom_installer("/bin/sh x/a.sh {source} {dest} {name}", "/"));
  rows.push_back(custom_installer("/bin/sh y/a.sh {source} {dest} {name}", "/"));
  EXPECT_THROW(derive_cells(rows, matrix_faults()), std::invalid_argument);
}

json report(const std::string& verdict, const std::string& kill_outcome = "") {
  json r = {{"verdict", verdict}, {"expectations", json::array()}, {"events", json::array()}};
  if (verdict == "fail")
    r["expectations"].push_back({{"text", "data/stack.img holds"}, {"state", "failed"}, {"detail", "is torn"}});
  if (!kill_outcome.empty())
    r["events"].push_back({{"type", "fault"}, {"action", "kill"}, {"outcome", kill_outcome}, {"detail", "d"},
                           {"result", {{"offset_ms", 310}, {"writes", 20}}}});
  return r;
}

TEST(Matrix, ACellIsSafeOnlyWhenEveryRunPassedWithItsFaultActing) {
  CellRuns c;
  add_cell_run(c, report("pass", "ok"), "runs/a");
  EXPECT_EQ(c.state(), "safe");
  ASSERT_EQ(c.crash_points.size(), 1u);
  EXPECT_EQ(c.crash_points[0]["writes"], 20);
  add_cell_run(c, report("pass", "missed"), "runs/b");
  EXPECT_EQ(c.state(), "inconclusive") << "a kill that never struck proves nothing";
  EXPECT_EQ(c.crash_points.size(), 1u);
  add_cell_run(c, report("fail", "ok"), "runs/c");
  EXPECT_EQ(c.state(), "unsafe");
  EXPECT_EQ(c.evidence[2]["failed"][0], "data/stack.img holds: is torn");
  CellRuns back = cell_runs_from_json(to_json(c));
  EXPECT_EQ(back.state(), "unsafe");
  EXPECT_EQ(back.runs, 3u);
  EXPECT_EQ(to_json(c)["scenario_file"], "cells/.json");
}

// A run that stopped on an error (its setup failed) is an error, not
// inconclusive; its reason is the error; it struck nothing.
TEST(Matrix, ARunThatErroredIsAnErrorWithItsReasonAndNoCrashPoints) {
  json r = report("error", "ok");
  r["run"] = {{"error", "setup action run ended exit_nonzero: rsync: not found"}};
  r["power_cut"] = json::array({{{"scratch", "data"}, {"log_entries", 12}, {"crash_points", json::array({
      {{"entries", 5}, {"why", "flush"}, {"fsck", 0}, {"checks", {{{"path", "data/stack.img"}, {"held", true}}}}}})}}});
  CellRuns c;
  add_cell_run(c, r, "runs/a");
  EXPECT_EQ(c.state(), "error");
  EXPECT_EQ(c.errors, 1u);
  EXPECT_TRUE(c.crash_points.empty()) << c.crash_points.dump();
  EXPECT_EQ(c.evidence[0]["failed"], json::array({"error: setup action run ended exit_nonzero: rsync: not found"}));
  EXPECT_EQ(cell_runs_from_json(to_json(c)).state(), "error");
  // A failed run outweighs it: the cell is unsafe.
  add_cell_run(c, report("fail"), "runs/b");
  EXPECT_EQ(c.state(), "unsafe");
  // An inconclusive run says why.
  json inc = report("inconclusive");
  inc["inconclusive_reasons"] = json::array({"fault \"install\" never fired"});
  CellRuns d;
  add_cell_run(d, inc, "runs/c");
  EXPECT_EQ(d.state(), "inconclusive");
  EXPECT_EQ(d.evidence[0]["failed"], json::array({"inconclusive: fault \"install\" never fired"}));
}

TEST(Matrix, APowerCutCellKeepsEveryCrashPoint) {
  json r = report("fail");
  r["power_cut"] = json::array({{{"scratch", "data"}, {"log_entries", 40}, {"crash_points", json::array({
      {{"point", 1}, {"entries", 5}, {"why", "flush"}, {"fsck", 0}, {"holds", "old"},
       {"checks", {{{"path", "data/stack.img"}, {"held", true}}}}},
      {{"point", 2}, {"entries", 17}, {"why", "sampled"}, {"fsck", 1}, {"holds", "broken"},
       {"checks", {{{"path", "data/stack.img"}, {"held", false}}}}}})}}});
  CellRuns c;
  add_cell_run(c, r, "runs/a");
  ASSERT_EQ(c.crash_points.size(), 2u);
  EXPECT_EQ(c.crash_points[1]["entries"], 17);
  EXPECT_EQ(c.crash_points[1]["of"], 40);
  EXPECT_EQ(c.crash_points[1]["held"], false);
  EXPECT_EQ(c.crash_points[0]["held"], true);
  EXPECT_EQ(c.crash_points[0]["holds"], "old");
  EXPECT_EQ(c.crash_points[1]["holds"], "broken");
  EXPECT_EQ(c.crash_points[1]["point"], 2);
  EXPECT_EQ(c.state(), "unsafe");
  // No crash state held the old version: the verdict is inconclusive, and
  // the cell is not safe (issue 23: such a cell said "safe").
  json vacuous = report("inconclusive");
  vacuous["power_cut"] = json::array({{{"scratch", "data"}, {"log_entries", 40}, {"crash_points", json::array({
      {{"point", 1}, {"entries", 30}, {"why", "flush"}, {"fsck", 0}, {"holds", "new"},
       {"checks", {{{"path", "data/stack.img"}, {"held", true}}}}}})}}});
  vacuous["inconclusive_reasons"] = {"no crash state of data showed the old version"};
  CellRuns v;
  add_cell_run(v, vacuous, "runs/v");
  EXPECT_EQ(v.state(), "inconclusive");
  EXPECT_NE(v.evidence[0]["failed"].dump().find("no crash state of data showed the old version"), std::string::npos)
      << v.evidence[0].dump();
  // A log that could not be judged proves nothing.
  json p = report("pass");
  p["power_cut"] = json::array({{{"scratch", "data"}, {"error", "the guest did not finish"}}});
  CellRuns d;
  add_cell_run(d, p, "runs/b");
  EXPECT_EQ(d.state(), "inconclusive");
}

}  // namespace
}  // namespace harness
