#include "core/action_parse.h"

#include <gtest/gtest.h>

#include <string>

#include "base/error.h"
#include "core/scenario_doc_fixture.h"
#include "core/scenario_text.h"

namespace harness {
namespace {

using fixture::Doc;

std::string message_of(const std::string& action) {
  Doc d(action);
  try {
    parse_action(d.root());
  } catch (const ScenarioError& e) {
    return e.json_path() + ": " + e.message();
  }
  return "";
}

TEST(ActionParse, ReadsEachKindsFields) {
  Action a = parse_action(Doc(R"({"action": "overwrite_truncate", "from": "a", "to": "b", "label": "cat"})").root());
  EXPECT_EQ(a.kind, ActionKind::overwrite_truncate);
  EXPECT_EQ(a.from, "a");
  EXPECT_EQ(a.to, "b");
  EXPECT_EQ(a.label, "cat");
  Action r = parse_action(Doc(R"({"action": "run", "argv": ["/bin/true"], "instances": 3})").root());
  EXPECT_EQ(r.argv.size(), 1u);
  EXPECT_EQ(r.instances, 3u);
  EXPECT_EQ(r.timeout.count(), 60000);
  Action k = parse_action(Doc(R"({"action": "kill", "fault": "install", "signal": "SIGTERM", "at_write": 2})").root());
  EXPECT_EQ(k.signal, 15);
  EXPECT_EQ(k.at_write, 2u);
  EXPECT_FALSE(k.after.has_value());
}

TEST(ActionParse, AKillWithoutATimeStrikesAtOnce) {
  Action k = parse_action(Doc(R"({"action": "kill", "fault": "install"})").root());
  EXPECT_EQ(k.after->count(), 0);
  EXPECT_EQ(k.signal, 9);
}

TEST(ActionParse, AnIoErrorStrikesAtOnceOrWhenACommandWrites) {
  Action now = parse_action(Doc(R"({"action": "io_error", "scratch": "data"})").root());
  EXPECT_EQ(now.kind, ActionKind::io_error);
  EXPECT_EQ(now.scratch, "data");
  EXPECT_TRUE(now.target_fault.empty());
  Action timed = parse_action(Doc(R"({"action": "io_error", "scratch": "data", "fault": "install", "at_write": 16})").root());
  EXPECT_EQ(timed.target_fault, "install");
  EXPECT_EQ(timed.at_write, 16u);
  EXPECT_EQ(message_of(R"({"action": "io_error", "scratch": "data", "at_write": 16})"),
            "$: \"after_ms\", \"random_ms\", \"seed\", \"at_write\", \"at_dest_op\" and \"wait_ms\" time the errors "
            "against a fault's running command: give \"fault\" too (without it the disk fails when the action runs)");
  EXPECT_EQ(message_of(R"({"action": "io_error", "scratch": "data", "fault": "f", "after_ms": 1, "at_write": 1})"),
            "$: give one of \"after_ms\", \"random_ms\", \"at_write\" and \"at_dest_op\" (\"random_ms\" may go with "
            "\"at_dest_op\": a random delay after that operation)");
  EXPECT_EQ(message_of(R"({"action": "io_error", "scratch": "data", "signal": "SIGKILL"})"),
            "$.signal: unknown field \"signal\" (allowed: action, after_ms, at_dest_op, at_write, fault, label, random_ms, "
            "scratch, seed, wait_ms)");
}

TEST(ActionParse, RefusesWhatCannotHold) {
  EXPECT_EQ(message_of(R"({"action": "overwrit"})"), "$.action: unknown action \"overwrit\" (did you mean \"overwrite\"?)");
  EXPECT_EQ(message_of(R"({"action": "overwrite", "from": "a", "to": "a"})"),
            "$.to: \"from\" and \"to\" are the same file");
  EXPECT_EQ(message_of(R"({"action": "kill", "fault": "f", "signal": "SIGKIL"})"),
            "$.signal: unknown signal \"SIGKIL\" (did you mean \"SIGKILL\"?)");
  EXPECT_EQ(message_of(R"({"action": "kill", "fault": "f", "after_ms": 1, "at_write": 1})"),
            "$: give one of \"after_ms\", \"random_ms\", \"at_write\" and \"at_dest_op\" (\"random_ms\" may go with "
            "\"at_dest_op\": a random delay after that operation)");
  EXPECT_EQ(message_of(R"({"action": "kill", "fault": "f", "at_dest_op": 2, "at_write": 1})"),
            "$: give one of \"after_ms\", \"random_ms\", \"at_write\" and \"at_dest_op\" (\"random_ms\" may go with "
            "\"at_dest_op\": a random delay after that operation)");
  EXPECT_EQ(message_of(R"({"action": "kill", "fault": "f", "at_dest_op": 0})"), "$.at_dest_op: must be at least 1, got 0");
  EXPECT_EQ(parse_action(Doc(R"({"action": "kill", "fault": "f", "at_dest_op": 3})").root()).at_dest_op, 3u);
  // A random delay after the N-th operation: a random moment inside the work.
  Action delayed = parse_action(Doc(R"({"action": "kill", "fault": "f", "at_dest_op": 1, "random_ms": [0, 5]})").root());
  EXPECT_EQ(delayed.at_dest_op, 1u);
  ASSERT_TRUE(delayed.random_window);
  EXPECT_EQ(delayed.random_window->second.count(), 5);
  EXPECT_NE(message_of(R"({"action": "kill", "fault": "f", "at_dest_op": 1, "random_ms": [0, 5], "after_ms": 1})")
                .find("give one of"),
            std::string::npos);
  EXPECT_EQ(message_of(R"({"action": "kill", "fault": "f", "random_ms": [5, 1]})"),
            "$.random_ms[1]: the window ends before it starts");
  EXPECT_EQ(message_of(R"({"action": "kill", "fault": "f", "seed": 1})"),
            "$.seed: \"seed\" draws a random offset: give \"random_ms\" too");
}

TEST(ActionParse, SchedulesOfEachKind) {
  Doc every(R"({"kind": "every", "interval_ms": 10, "times": 2})");
  EXPECT_NO_THROW(parse_schedule(every.root()));
  Doc bad(R"({"kind": "sometimes"})");
  try {
    parse_schedule(bad.root());
    FAIL();
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.json_path(), "$.kind");
  }
}

TEST(ActionNames, RoundTrip) {
  for (auto k : {ActionKind::overwrite_truncate, ActionKind::overwrite, ActionKind::atomic_replace,
                 ActionKind::truncate, ActionKind::drop_caches, ActionKind::run, ActionKind::sleep,
                 ActionKind::evict, ActionKind::kill, ActionKind::corrupt, ActionKind::io_error})
    EXPECT_EQ(action_kind_from_string(to_string(k)), k);
  EXPECT_EQ(action_kind_from_string("nope"), std::nullopt);
  EXPECT_EQ(signal_from_name("SIGKILL"), 9);
  EXPECT_EQ(signal_name(15), "SIGTERM");
  EXPECT_EQ(signal_name(64), "signal 64");
  EXPECT_TRUE(is_write_action(ActionKind::corrupt));
  EXPECT_FALSE(is_write_action(ActionKind::run));
  EXPECT_TRUE(may_write(ActionKind::run));
}

}  // namespace
}  // namespace harness
