#include "core/scenario_parse.h"


#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

#include "base/error.h"
#include "core/scenario_text.h"

namespace harness {
namespace {

// One root object read section by section, as parse_scenario() does.
struct Sections {
  explicit Sections(std::string t)
      : text(std::move(t)), doc(parse_scenario_text(text, file)), root(doc.json, "$", doc.locator, file),
        p{root, ".", s, {}} {
    s.timeout = std::chrono::seconds(10);
  }
  std::string file = "t.json";
  std::string text;
  ScenarioDocument doc;
  ScenarioNode root;
  Scenario s;
  ScenarioParse p;
};

template <typename F>
std::string message_of(F f) {
  try {
    f();
  } catch (const ScenarioError& e) {
    return e.json_path() + ": " + e.message();
  }
  return "";
}

TEST(ScenarioParse, CopiesComeFromWhatIsProduced) {
  Sections x(R"({"copies": [{"from": "images/a.img", "to": "b.img"}, {"from": "c.img", "to": "d.img"}]})");
  x.p.produced.insert("images/a.img");
  EXPECT_EQ(message_of([&] { read_copies(x.p); }), "$.copies[1].from: c.img is not an image or an earlier copy");
  EXPECT_EQ(x.s.copies.size(), 1u);
  EXPECT_TRUE(x.p.produced.count("b.img"));
}

TEST(ScenarioParse, ScratchFilesystemsNeitherOverlapNorHideWhatIsProduced) {
  Sections overlap(R"({"scratch": [{"path": "data", "size_mib": 4}, {"path": "data/x", "size_mib": 4}]})");
  EXPECT_EQ(message_of([&] { read_scratch(overlap.p); }), "$.scratch[1].path: scratch data/x overlaps scratch data");
  Sections hides(R"({"scratch": [{"path": "images", "size_mib": 4, "fs": "ext3"}]})");
  hides.p.produced.insert("images/a.img");
  EXPECT_EQ(message_of([&] { read_scratch(hides.p); }),
            "$.scratch[0].path: images/a.img is produced before the scratch filesystem hides it");
  Sections xfs(R"({"scratch": [{"path": "d", "size_mib": 4, "fs": "xfs"}]})");
  EXPECT_EQ(message_of([&] { read_scratch(xfs.p); }),
            "$.scratch[0].fs: unsupported filesystem \"xfs\" (expected ext4, ext3 or ext2)");
}

TEST(ScenarioParse, MountsNeedAnImageSomethingMakesAndLoopOptions) {
  Sections typo(R"({"mounts": [{"image": "images/a.im", "mountpoint": "m"}]})");
  typo.p.produced.insert("images/a.img");
  EXPECT_EQ(message_of([&] { read_mounts(typo.p); }),
            "$.mounts[0].image: images/a.im is not made by any image, copy or setup action, so there is nothing to "
            "mount (did you mean \"images/a.img\"?)");
  Sections noloop(R"({"mounts": [{"image": "a.img", "mountpoint": "m", "options": "ro"}]})");
  noloop.p.produced.insert("a.img");
  EXPECT_EQ(message_of([&] { read_mounts(noloop.p); }),
            "$.mounts[0].options: images are files: the options must include \"loop\"");
  Sections ok(R"({"mounts": [{"image": "a.img", "mountpoint": "m"}]})");
  ok.p.produced.insert("a.img");
  read_mounts(ok.p);
  ASSERT_EQ(ok.s.mounts.size(), 1u);
  EXPECT_EQ(ok.s.mounts[0].options, "loop,ro");
  EXPECT_TRUE(ok.s.run_time_fields.count("$.mounts[0].image"));
}

TEST(ScenarioParse, SetupAndFinallyActionsCannotKill) {
  Sections x(R"({"setup": [{"action": "kill", "fault": "f"}]})");
  EXPECT_EQ(message_of([&] { read_setup(x.p); }),
            "$.setup[0].action: a kill signals a fault's running action; setup actions run alone: put it in a fault");
}

TEST(ScenarioParse, AKillNamesAnotherFaultThatRunsACommand) {
  Sections x(R"({"faults": [
    {"name": "install", "schedule": {"kind": "once"}, "actions": [{"action": "sleep", "ms": 1}]},
    {"name": "stop", "schedule": {"kind": "once"}, "actions": [{"action": "kill", "fault": "instal"}]}]})");
  EXPECT_EQ(message_of([&] { read_faults(x.p); }),
            "$.faults[1].actions[0].fault: no fault is named \"instal\" (did you mean \"install\"?)");
  Sections norun(R"({"faults": [
    {"name": "install", "schedule": {"kind": "once"}, "actions": [{"action": "sleep", "ms": 1}]},
    {"name": "stop", "schedule": {"kind": "once"}, "actions": [{"action": "kill", "fault": "install"}]}]})");
  EXPECT_EQ(message_of([&] { read_faults(norun.p); }),
            "$.faults[1].actions[0].fault: fault \"install\" has no run action to signal");
}

TEST(ScenarioParse, AnIoErrorFailsAScratchMadeForItDuringAFault) {
  Sections setup(R"({"setup": [{"action": "io_error", "scratch": "data"}]})");
  EXPECT_EQ(message_of([&] { read_setup(setup.p); }),
            "$.setup[0].action: an io_error is a fault; setup actions run on a sound disk: put it in a fault");
  auto faults = [](const char* scratch_flags, const char* fault) {
    return fmt::format(R"({{"scratch": [{{"path": "data", "size_mib": 8{}}}], "faults": [
      {{"name": "install", "schedule": {{"kind": "once"}}, "actions": [{{"action": "run", "argv": ["/bin/true"]}}]}},
      {{"name": "disk", "schedule": {{"kind": "once"}}, "actions": [{}]}}]}})",
                       scratch_flags, fault);
  };
  Sections plain(faults("", R"({"action": "io_error", "scratch": "data"})"));
  read_scratch(plain.p);
  EXPECT_EQ(message_of([&] { read_faults(plain.p); }),
            "$.faults[1].actions[0].scratch: scratch data has no \"io_errors\": true (its disk must be a device-mapper "
            "target to fail)");
  Sections elsewhere(faults(R"(, "io_errors": true)", R"({"action": "io_error", "scratch": "dat"})"));
  read_scratch(elsewhere.p);
  EXPECT_EQ(message_of([&] { read_faults(elsewhere.p); }),
            "$.faults[1].actions[0].scratch: no scratch filesystem is at \"dat\"");
  Sections self(faults(R"(, "io_errors": true)", R"({"action": "io_error", "scratch": "data", "fault": "disk"})"));
  read_scratch(self.p);
  EXPECT_EQ(message_of([&] { read_faults(self.p); }),
            "$.faults[1].actions[0].fault: an io_error cannot wait for its own fault's action");
  Sections ok(faults(R"(, "io_errors": true)", R"({"action": "io_error", "scratch": "data", "fault": "install"})"));
  read_scratch(ok.p);
  read_faults(ok.p);
  EXPECT_TRUE(ok.s.scratch.at(0).io_errors);
  Sections both(R"({"scratch": [{"path": "data", "size_mib": 8, "power_cut": true, "io_errors": true}]})");
  EXPECT_EQ(message_of([&] { read_scratch(both.p); }),
            "$.scratch[0].io_errors: a scratch filesystem with a power cut is a VM disk of its own; give io_errors to "
            "another one");
}

TEST(ScenarioParse, AWorkloadIsBoundedAndFitsTheTimeout) {
  Sections unbounded(R"({"workload": {"argv": ["/bin/true"]}})");
  EXPECT_EQ(message_of([&] { read_workload(unbounded.p); }),
            "$.workload: an unbounded workload: give \"iterations\", \"duration_ms\" or both");
  Sections longer(R"({"workload": {"argv": ["/bin/true"], "duration_ms": 20000}})");
  EXPECT_EQ(message_of([&] { read_workload(longer.p); }),
            "$.workload.duration_ms: duration_ms (20000 ms) exceeds the scenario's timeout_s (10 s)");
  Sections ok(R"({"workload": {"argv": ["/bin/true"], "iterations": 5}})");
  read_workload(ok.p);
  EXPECT_EQ(ok.s.workload.iterations, 5u);
  EXPECT_TRUE(ok.s.run_time_fields.count("$.workload.argv[0]"));
}

TEST(ScenarioParse, ExpectationsReferToWhatExists) {
  Sections unmounted(R"({"expect": [{"image_unchanged": "a.img"}]})");
  EXPECT_EQ(message_of([&] { read_expect(unmounted.p); }),
            "$.expect[0].image_unchanged: a.img is not a mounted image (only those are watched)");
  Sections none(R"({"expect": []})");
  EXPECT_EQ(message_of([&] { read_expect(none.p); }), "$.expect: a scenario needs at least one expectation");
  Sections action(R"({"expect": [{"fault_outcome": "ok", "action": "ovewrite", "at_least": 1}]})");
  EXPECT_EQ(message_of([&] { read_expect(action.p); }), "$.expect[0].action: unknown action \"ovewrite\"");
}

TEST(ScenarioParse, VmSizingResizesOnlyWhatIsThere) {
  Sections x(R"({"vm": {"min_execs_under_fault": 5}})");
  EXPECT_EQ(message_of([&] { read_vm(x.p); }),
            "$.vm.min_execs_under_fault: there is no min_execs_under_fault expectation to resize");
  Sections empty(R"({"vm": {}})");
  EXPECT_EQ(message_of([&] { read_vm(empty.p); }),
            "$.vm: an empty \"vm\" object: give iterations, duration_ms or min_execs_under_fault");
}

TEST(ScenarioParse, ProgramsAreBareNamesOrAbsolutePathsOnce) {
  Sections ok(R"({"programs": ["rsync", "/usr/bin/sha256sum", "{scenario_dir}/lib.sh"]})");
  read_programs(ok.p);
  EXPECT_EQ(ok.s.programs, (std::vector<std::string>{"rsync", "/usr/bin/sha256sum", "{scenario_dir}/lib.sh"}));
  auto refused = [](const std::string& text) {
    Sections x(text);
    return message_of([&] { read_programs(x.p); });
  };
  EXPECT_EQ(refused(R"({"programs": ["bin/rsync"]})"),
            "$.programs[0]: \"bin/rsync\" is a relative path: give a bare name (found in PATH) or an absolute path "
            "(\"{scenario_dir}/bin/rsync\" for one beside the scenario)");
  EXPECT_EQ(refused(R"({"programs": ["rsync", "rsync"]})"), "$.programs[1]: \"rsync\" is listed twice");
  EXPECT_NE(refused(R"({"programs": ["{work}/x"]})").find("does not exist before the run"), std::string::npos);
  EXPECT_NE(refused(R"({"programs": ["{home}/x"]})").find("unknown placeholder {home}"), std::string::npos);
  EXPECT_EQ(refused(R"({"programs": [""]})"), "$.programs[0]: an empty program name");
  EXPECT_NE(refused(R"({"programs": "rsync"})"), "");
}

}  // namespace
}  // namespace harness
