#include "core/scenario.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "base/error.h"

namespace harness {
namespace {

// A minimal valid scenario; tests patch one thing at a time.
const char* kValid = R"({
  // comment lines are allowed
  "name": "t",
  "timeout_s": 30,
  "images": [{"name": "demo", "size_mib": 4,
              "files": [{"from": "/bin/sleep", "to": "sleep", "mode": "0755"}]}],
  "copies": [{"from": "images/demo.img", "to": "backup.img"}],
  "mounts": [{"image": "images/demo.img", "mountpoint": "mnt/demo"}],
  "workload": {"argv": ["{work}/mnt/demo/sleep", "0"], "iterations": 10},
  "faults": [{"name": "f", "schedule": {"kind": "every", "interval_ms": 5},
              "actions": [{"action": "overwrite_truncate", "from": "backup.img", "to": "images/demo.img"},
                          {"action": "drop_caches", "level": 3}]}],
  "expect": [{"classes": ["sigsegv", "sigbus"], "at_least": 1}]
})";

ScenarioError parse_error(const std::string& text) {
  try {
    parse_scenario(text, "s.json");
  } catch (const ScenarioError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a ScenarioError for:\n" << text;
  return ScenarioError("", 0, 0, "", "");
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

TEST(Scenario, ParsesAValidScenario) {
  Scenario s = parse_scenario(kValid, "dir/s.json");
  EXPECT_EQ(s.name, "t");
  EXPECT_EQ(s.timeout.count(), 30);
  ASSERT_EQ(s.images.size(), 1u);
  EXPECT_EQ(s.images[0].path, "images/demo.img");
  EXPECT_EQ(s.images[0].fs, "ext4");
  EXPECT_EQ(s.images[0].files[0].mode, 0755u);
  EXPECT_EQ(s.mounts[0].options, "loop,ro");
  EXPECT_EQ(s.workload.iterations, 10u);
  EXPECT_EQ(s.workload.exec_timeout.count(), 5000);
  ASSERT_EQ(s.faults.size(), 1u);
  EXPECT_EQ(s.faults[0].schedule.kind, ScheduleKind::every);
  EXPECT_EQ(s.faults[0].actions[0].kind, ActionKind::overwrite_truncate);
  EXPECT_EQ(s.faults[0].actions[1].level, 3);
  ASSERT_EQ(s.expect.size(), 1u);
  EXPECT_EQ(s.expect[0].classes.size(), 2u);
  EXPECT_EQ(*s.expect[0].at_least, 1u);
}

TEST(Scenario, MalformedJsonNamesLineAndColumn) {
  auto e = parse_error("{\n  \"name\": \"x\",\n  \"timeout_s\": 3,,\n}");
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.col(), 18);
  EXPECT_EQ(e.json_path(), "$");
  EXPECT_NE(std::string(e.what()).find("s.json:3:18"), std::string::npos) << e.what();
  EXPECT_NE(e.message().find("malformed JSON"), std::string::npos);
}

TEST(Scenario, UnknownFieldSuggestsTheClosestName) {
  auto e = parse_error(replace(kValid, "\"iterations\": 10", "\"iteratons\": 10"));
  EXPECT_EQ(e.json_path(), "$.workload.iteratons");
  EXPECT_EQ(e.line(), 9);
  EXPECT_NE(e.message().find("did you mean \"iterations\""), std::string::npos) << e.message();
}

TEST(Scenario, MissingRequiredFieldPointsAtItsObject) {
  auto e = parse_error(replace(kValid, "\"timeout_s\": 30,", ""));
  EXPECT_EQ(e.json_path(), "$");
  EXPECT_NE(e.message().find("timeout_s"), std::string::npos);
}

TEST(Scenario, WrongTypeNamesThePath) {
  auto e = parse_error(replace(kValid, "\"size_mib\": 4", "\"size_mib\": \"4\""));
  EXPECT_EQ(e.json_path(), "$.images[0].size_mib");
  EXPECT_EQ(e.line(), 5);
}

struct Case {
  const char* from;
  const char* to;
  const char* path;
  const char* words;
};

class ScenarioRejects : public ::testing::TestWithParam<Case> {};

// `base` with one edit is refused at `path`, located, for `words`.
void expect_rejected(const char* base, const Case& c) {
  auto e = parse_error(replace(base, c.from, c.to));
  EXPECT_EQ(e.json_path(), c.path) << e.what();
  EXPECT_NE(e.message().find(c.words), std::string::npos) << e.what();
  EXPECT_GT(e.line(), 0);
  EXPECT_GT(e.col(), 0);
}

TEST_P(ScenarioRejects, WithPathAndReason) { expect_rejected(kValid, GetParam()); }

INSTANTIATE_TEST_SUITE_P(
    Validation, ScenarioRejects,
    ::testing::Values(
        Case{"\"to\": \"images/demo.img\"}", "\"to\": \"../escape.img\"}", "$.faults[0].actions[0].to", "escapes"},
        Case{"\"to\": \"images/demo.img\"}", "\"to\": \"/etc/passwd\"}", "$.faults[0].actions[0].to", "absolute"},
        Case{"\"size_mib\": 4", "\"size_mib\": 1048576", "$.images[0].size_mib", "at most 4096"},
        Case{"\"size_mib\": 4", "\"size_mib\": 0", "$.images[0].size_mib", "at least 1"},
        Case{"\"size_mib\": 4", "\"size_mib\": -4", "$.images[0].size_mib", "at least"},
        Case{"\"iterations\": 10", "\"concurrency\": 2", "$.workload", "unbounded workload"},
        Case{"\"timeout_s\": 30", "\"timeout_s\": 0", "$.timeout_s", "at least 1"},
        Case{"\"mountpoint\": \"mnt/demo\"}]", "\"mountpoint\": \"mnt/demo\"}, {\"image\": \"backup.img\", \"mountpoint\": \"mnt/demo\"}]",
             "$.mounts[1].mountpoint", "used twice"},
        Case{"\"mountpoint\": \"mnt/demo\"}]", "\"mountpoint\": \"mnt/demo\"}, {\"image\": \"backup.img\", \"mountpoint\": \"mnt/demo/x\"}]",
             "$.mounts[1].mountpoint", "inside mountpoint"},
        Case{"\"mountpoint\": \"mnt/demo\"}", "\"mountpoint\": \"mnt/demo\", \"options\": \"ro\"}", "$.mounts[0].options", "must include \"loop\""},
        Case{"\"mountpoint\": \"mnt/demo\"}", "\"mountpoint\": \"mnt/demo\", \"options\": \"loop,exec,ro\"}", "$.mounts[0].options", "not supported"},
        Case{"\"kind\": \"every\", \"interval_ms\": 5", "\"kind\": \"sometimes\"", "$.faults[0].schedule.kind", "unknown schedule kind"},
        Case{"\"kind\": \"every\", \"interval_ms\": 5", "\"kind\": \"every\"", "$.faults[0].schedule", "interval_ms"},
        Case{"\"action\": \"drop_caches\", \"level\": 3", "\"action\": \"drop_caches\", \"level\": 4", "$.faults[0].actions[1].level", "at most 3"},
        Case{"\"action\": \"drop_caches\"", "\"action\": \"drop_cache\"", "$.faults[0].actions[1].action", "did you mean \"drop_caches\""},
        Case{"[\"sigsegv\", \"sigbus\"]", "[\"sigseg\"]", "$.expect[0].classes[0]", "did you mean \"sigsegv\""},
        Case{"\"at_least\": 1}", "\"at_least\": 3, \"at_most\": 1}", "$.expect[0].at_most", "can never hold"},
        Case{"[{\"classes\": [\"sigsegv\", \"sigbus\"], \"at_least\": 1}]", "[]", "$.expect", "at least one expectation"},
        Case{"\"from\": \"images/demo.img\", \"to\": \"backup.img\"", "\"from\": \"images/demo.iso\", \"to\": \"backup.img\"", "$.copies[0].from", "not an image"},
        Case{"\"from\": \"/bin/sleep\"", "\"from\": \"/nonexistent/sleep\"", "$.images[0].files[0].from", "does not exist"},
        Case{"\"mode\": \"0755\"", "\"mode\": \"rwx\"", "$.images[0].files[0].mode", "octal"},
        Case{"{\"image\": \"images/demo.img\"", "{\"image\": \"images/dmeo.img\"", "$.mounts[0].image",
             "nothing to mount (did you mean \"images/demo.img\"?)"},
        Case{"\"{work}/mnt/demo/sleep\"", "\"{wrok}/mnt/demo/sleep\"", "$.workload.argv[0]", "unknown placeholder {wrok}"},
        Case{"\"name\": \"t\"", "\"name\": \"a b\"", "$.name", "letters, digits"},
        Case{"\"name\": \"f\"", "\"name\": \"f\", \"name\": \"g\"", "$.faults[0].name", "appears twice"},
        Case{"\"actions\": [{\"action\": \"overwrite_truncate\", \"from\": \"backup.img\", \"to\": \"images/demo.img\"},",
             "\"actions\": [{\"action\": \"overwrite_truncate\", \"from\": \"backup.img\", \"to\": \"backup.img\"},",
             "$.faults[0].actions[0].to", "same file"},
        Case{"\"iterations\": 10", "\"iterations\": 10, \"duration_ms\": 999999", "$.workload.duration_ms", "exceeds the scenario's timeout_s"},
        Case{"\"at_least\": 1}]", "\"at_least\": 1}, {\"image_unchanged\": \"backup.img\"}]", "$.expect[1].image_unchanged", "not a mounted image"},
        Case{"\"at_least\": 1}]", "\"at_least\": 1}, {\"fault_outcome\": \"ok\", \"action\": \"cat\", \"at_least\": 1}]", "$.expect[1].action", "unknown action"},
        Case{"\"at_least\": 1}]", "\"at_least\": 1}, {\"fault_outcome\": \"ok\", \"fault\": \"nope\", \"at_least\": 1}]", "$.expect[1].fault", "no fault is named"}));

// A scenario with an installer fault to kill, race, corrupt around.
const char* kInstall = R"({
  "name": "t",
  "timeout_s": 30,
  "images": [{"name": "v1", "path": "v1/s.img", "size_mib": 4}, {"name": "v2", "path": "v2/s.img", "size_mib": 4}],
  "scratch": [{"path": "data", "size_mib": 8}],
  "setup": [{"action": "run", "argv": ["/bin/true"]}],
  "mounts": [{"image": "v1/s.img", "mountpoint": "mnt/s"}],
  "workload": {"argv": ["/bin/true"], "iterations": 10},
  "faults": [{"name": "install", "schedule": {"kind": "once"},
              "actions": [{"action": "run", "argv": ["/bin/true"], "instances": 2}]},
             {"name": "killer", "schedule": {"kind": "once"},
              "actions": [{"action": "kill", "fault": "install", "signal": "SIGTERM", "random_ms": [10, 90], "seed": 7},
                          {"action": "corrupt", "path": "data/s.img.md5", "offset": 2, "text": "00"}]}],
  "finally": [{"action": "run", "argv": ["/bin/true"]}],
  "expect": [{"installed": "data/s.img", "versions": ["v1/s.img", "v2/s.img"], "sidecars": ["data/s.img.md5"],
              "fault": "install"},
             {"installed": "data/s.img", "versions": ["v1/s.img", "v2/s.img"], "at": "end"}]
})";

TEST(Scenario, ParsesTheInstallerFaults) {
  Scenario s = parse_scenario(kInstall, "s.json");
  ASSERT_EQ(s.scratch.size(), 1u);
  EXPECT_EQ(s.scratch[0].path, "data");
  EXPECT_EQ(s.scratch[0].size_mib, 8u);
  EXPECT_FALSE(s.scratch[0].power_cut);
  std::string cut = kInstall;
  cut.replace(cut.find("\"size_mib\": 8}]"), 15, "\"size_mib\": 8, \"power_cut\": true}]");
  EXPECT_TRUE(parse_scenario(cut, "s.json").scratch[0].power_cut);
  EXPECT_EQ(s.faults[0].actions[0].instances, 2u);
  const Action& k = s.faults[1].actions[0];
  EXPECT_EQ(k.kind, ActionKind::kill);
  EXPECT_EQ(k.target_fault, "install");
  EXPECT_EQ(k.signal, 15);
  ASSERT_TRUE(k.random_window);
  EXPECT_EQ(k.random_window->second.count(), 90);
  EXPECT_EQ(k.seed, 7u);
  const Action& c = s.faults[1].actions[1];
  EXPECT_EQ(c.kind, ActionKind::corrupt);
  EXPECT_EQ(c.offset, 2u);
  EXPECT_EQ(c.text, "00");
  EXPECT_TRUE(is_write_action(ActionKind::corrupt));
  ASSERT_EQ(s.finally.size(), 1u);
  EXPECT_EQ(s.expect[0].kind, ExpectationKind::installed);
  EXPECT_EQ(s.expect[0].versions.size(), 2u);
  EXPECT_EQ(s.expect[0].fault, "install");
  EXPECT_FALSE(s.expect[0].at_end);
  EXPECT_TRUE(s.expect[1].at_end);
  // A kill with no timing strikes at once; at_write is the N-th write.
  Scenario w = parse_scenario(replace(kInstall, "\"random_ms\": [10, 90], \"seed\": 7", "\"at_write\": 3"), "s.json");
  EXPECT_EQ(w.faults[1].actions[0].at_write, 3u);
  Scenario z = parse_scenario(replace(kInstall, ", \"random_ms\": [10, 90], \"seed\": 7", ""), "s.json");
  EXPECT_EQ(z.faults[1].actions[0].after, std::chrono::milliseconds(0));
  EXPECT_EQ(z.faults[1].actions[0].signal, 15);
}

class InstallerFaultsReject : public ::testing::TestWithParam<Case> {};

TEST_P(InstallerFaultsReject, WithPathAndReason) { expect_rejected(kInstall, GetParam()); }

INSTANTIATE_TEST_SUITE_P(
    Validation, InstallerFaultsReject,
    ::testing::Values(
        Case{"\"fault\": \"install\", \"signal\"", "\"fault\": \"instal\", \"signal\"", "$.faults[1].actions[0].fault",
             "did you mean \"install\""},
        Case{"\"fault\": \"install\", \"signal\"", "\"fault\": \"killer\", \"signal\"", "$.faults[1].actions[0].fault",
             "its own fault"},
        Case{"\"signal\": \"SIGTERM\"", "\"signal\": \"SIGTREM\"", "$.faults[1].actions[0].signal",
             "did you mean \"SIGTERM\""},
        Case{"\"random_ms\": [10, 90]", "\"random_ms\": [90, 10]", "$.faults[1].actions[0].random_ms[1]", "ends before"},
        Case{"\"random_ms\": [10, 90]", "\"random_ms\": [10]", "$.faults[1].actions[0].random_ms", "[from_ms, to_ms]"},
        Case{"\"random_ms\": [10, 90], \"seed\": 7", "\"after_ms\": 5, \"at_write\": 2", "$.faults[1].actions[0]",
             "give one of"},
        Case{"\"random_ms\": [10, 90], \"seed\": 7", "\"seed\": 7", "$.faults[1].actions[0].seed", "random_ms"},
        Case{"\"random_ms\": [10, 90], \"seed\": 7", "\"at_write\": 0", "$.faults[1].actions[0].at_write", "at least 1"},
        Case{"\"instances\": 2", "\"instances\": 9", "$.faults[0].actions[0].instances", "at most 8"},
        Case{"\"offset\": 2, \"text\": \"00\"", "\"offset\": 2, \"text\": \"\"", "$.faults[1].actions[1].text", "must not be empty"},
        Case{"\"path\": \"data/s.img.md5\"", "\"path\": \"../s.img.md5\"", "$.faults[1].actions[1].path", "escapes"},
        Case{"\"size_mib\": 8}]", "\"size_mib\": 1}]", "$.scratch[0].size_mib", "at least 2"},
        Case{"\"size_mib\": 8}]", "\"size_mib\": 8}, {\"path\": \"data/x\", \"size_mib\": 8}]", "$.scratch[1].path", "overlaps"},
        Case{"\"scratch\": [{\"path\": \"data\"", "\"scratch\": [{\"path\": \"v1\"", "$.scratch[0].path", "hides it"},
        Case{"\"size_mib\": 8}]", "\"size_mib\": 8, \"power_cut\": 1}]", "$.scratch[0].power_cut", "true or false"},
        Case{"\"size_mib\": 8}]", "\"size_mib\": 8, \"power_cut\": true}, {\"path\": \"more\", \"size_mib\": 8, \"power_cut\": true}]",
             "$.scratch[1].power_cut", "at most one"},
        Case{"\"setup\": [{\"action\": \"run\", \"argv\": [\"/bin/true\"]}]",
             "\"setup\": [{\"action\": \"kill\", \"fault\": \"install\"}]", "$.setup[0].action", "put it in a fault"},
        Case{"\"versions\": [\"v1/s.img\", \"v2/s.img\"], \"sidecars\"", "\"versions\": [\"v1/s.img\", \"v3/s.img\"], \"sidecars\"",
             "$.expect[0].versions[1]", "not an image or a copy"},
        Case{"\"versions\": [\"v1/s.img\", \"v2/s.img\"], \"sidecars\"", "\"versions\": [], \"sidecars\"",
             "$.expect[0].versions", "at least one version"},
        Case{"\"fault\": \"install\"}", "\"fault\": \"nope\"}", "$.expect[0].fault", "no fault is named"},
        Case{"\"at\": \"end\"", "\"at\": \"later\"", "$.expect[1].at", "\"faults\" or \"end\""},
        Case{"\"finally\": [{\"action\": \"run\", \"argv\": [\"/bin/true\"]}],", "", "$.expect[1].at", "there are none"}));

TEST(Scenario, AKillNeedsATargetThatRunsACommand) {
  auto e = parse_error(replace(kInstall, "\"actions\": [{\"action\": \"run\", \"argv\": [\"/bin/true\"], \"instances\": 2}]",
                               "\"actions\": [{\"action\": \"sleep\", \"ms\": 1}]"));
  EXPECT_EQ(e.json_path(), "$.faults[1].actions[0].fault");
  EXPECT_NE(e.message().find("no run action"), std::string::npos) << e.what();
}

TEST(Scenario, UnreadableFileIsAScenarioError) {
  try {
    load_scenario("/nonexistent/scenario.json");
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_scenario);
    EXPECT_EQ(e.file(), "/nonexistent/scenario.json");
  }
}

TEST(Scenario, AbnormalExpandsToEveryClassButOk) {
  Scenario s = parse_scenario(replace(kValid, "[\"sigsegv\", \"sigbus\"], \"at_least\": 1", "[\"abnormal\"], \"at_most\": 0"), "s.json");
  EXPECT_EQ(s.expect[0].classes.size(), kAllExecClasses.size() - 1);
  EXPECT_FALSE(s.expect[0].classes.count(ExecClass::ok));
}

// The parser and scenarios/schema.json must describe the same language:
// same object kinds, same fields, same required fields.
TEST(Scenario, AgreesWithTheJsonSchema) {
  std::ifstream in(std::string(HARNESS_SOURCE_DIR) + "/scenarios/schema.json");
  ASSERT_TRUE(in) << "scenarios/schema.json is missing";
  auto schema = nlohmann::json::parse(in);
  const auto& defs = schema.at("$defs");
  for (const auto& [kind, fields] : scenario_object_fields()) {
    ASSERT_TRUE(defs.contains(kind)) << "schema has no $defs/" << kind;
    std::set<std::string> in_schema;
    for (const auto& [k, _] : defs.at(kind).at("properties").items()) in_schema.insert(k);
    EXPECT_EQ(in_schema, fields) << "fields of " << kind;
    EXPECT_FALSE(defs.at(kind).value("additionalProperties", true)) << kind << " must be closed";
  }
  // Every object def with properties in the schema is known to the parser.
  for (const auto& [name, def] : defs.items())
    if (def.contains("properties")) {
      EXPECT_TRUE(scenario_object_fields().count(name)) << name;
    }
  // Action and exec-class enums agree.
  std::set<std::string> actions;
  for (const auto& ref : defs.at("action").at("oneOf"))
    actions.insert(ref.at("$ref").get<std::string>().substr(std::string("#/$defs/action_").size()));
  std::set<std::string> parser_actions;
  for (const auto& [k, _] : scenario_object_fields())
    if (k.rfind("action_", 0) == 0) parser_actions.insert(k.substr(7));
  EXPECT_EQ(actions, parser_actions);
  std::set<std::string> classes;
  for (const auto& c : defs.at("exec_class").at("enum")) classes.insert(c.get<std::string>());
  std::set<std::string> parser_classes{"abnormal"};
  for (ExecClass c : kAllExecClasses) parser_classes.insert(std::string(to_string(c)));
  EXPECT_EQ(classes, parser_classes);
}

TEST(Scenario, SizeLimitsAgreeWithTheSchema) {
  std::ifstream in(std::string(HARNESS_SOURCE_DIR) + "/scenarios/schema.json");
  auto schema = nlohmann::json::parse(in);
  const auto& props = schema.at("$defs").at("scenario").at("properties");
  EXPECT_EQ(props.at("images").at("maxItems").get<size_t>(), kMaxImages);
  EXPECT_EQ(props.at("mounts").at("maxItems").get<size_t>(), kMaxMounts);
  EXPECT_EQ(props.at("faults").at("maxItems").get<size_t>(), kMaxFaults);
  const auto& image = schema.at("$defs").at("image").at("properties");
  EXPECT_EQ(image.at("size_mib").at("maximum").get<unsigned>(), kMaxImageMiB);
}

TEST(Scenario, RequiredFieldsAgreeWithTheSchema) {
  std::ifstream in(std::string(HARNESS_SOURCE_DIR) + "/scenarios/schema.json");
  auto schema = nlohmann::json::parse(in);
  // Dropping a field the schema calls required must be a parse error.
  auto doc = nlohmann::json::parse(kValid, nullptr, true, true);
  for (const auto& field : schema.at("$defs").at("scenario").at("required")) {
    auto copy = doc;
    copy.erase(field.get<std::string>());
    EXPECT_THROW(parse_scenario(copy.dump(), "s.json"), ScenarioError) << field.dump();
  }
  for (const auto& field : schema.at("$defs").at("workload").at("required")) {
    auto copy = doc;
    copy["workload"].erase(field.get<std::string>());
    EXPECT_THROW(parse_scenario(copy.dump(), "s.json"), ScenarioError) << field.dump();
  }
}

TEST(Scenario, EveryShippedScenarioIsValid) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::string(HARNESS_SOURCE_DIR) + "/scenarios")) {
    if (e.path().extension() != ".json" || e.path().filename() == "schema.json") continue;
    EXPECT_NO_THROW(load_scenario(e.path())) << e.path();
    ++n;
  }
  EXPECT_GE(n, 4);
}

}  // namespace
}  // namespace harness
