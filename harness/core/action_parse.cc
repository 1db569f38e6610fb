#include "core/action_parse.h"

#include <fmt/format.h>

#include <map>

#include "base/edit_distance.h"

namespace harness {

using std::chrono::milliseconds;

std::string_view to_string(ActionKind k) {
  switch (k) {
    case ActionKind::overwrite_truncate: return "overwrite_truncate";
    case ActionKind::overwrite: return "overwrite";
    case ActionKind::atomic_replace: return "atomic_replace";
    case ActionKind::truncate: return "truncate";
    case ActionKind::drop_caches: return "drop_caches";
    case ActionKind::run: return "run";
    case ActionKind::sleep: return "sleep";
    case ActionKind::evict: return "evict";
    case ActionKind::kill: return "kill";
    case ActionKind::corrupt: return "corrupt";
    case ActionKind::io_error: return "io_error";
  }
  return "?";
}

static const std::map<std::string, int, std::less<>> kSignals = {
    {"SIGKILL", 9}, {"SIGTERM", 15}, {"SIGINT", 2}, {"SIGHUP", 1}, {"SIGQUIT", 3},
    {"SIGABRT", 6}, {"SIGSEGV", 11}, {"SIGBUS", 7}, {"SIGSTOP", 19}, {"SIGUSR1", 10}, {"SIGUSR2", 12},
};

std::optional<int> signal_from_name(std::string_view name) {
  auto it = kSignals.find(name);
  if (it == kSignals.end()) return std::nullopt;
  return it->second;
}

std::string signal_name(int sig) {
  for (const auto& [name, n] : kSignals)
    if (n == sig) return name;
  return fmt::format("signal {}", sig);
}

static const std::map<std::string, ActionKind> kActionKinds = {
    {"overwrite_truncate", ActionKind::overwrite_truncate},
    {"overwrite", ActionKind::overwrite},
    {"atomic_replace", ActionKind::atomic_replace},
    {"truncate", ActionKind::truncate},
    {"drop_caches", ActionKind::drop_caches},
    {"run", ActionKind::run},
    {"sleep", ActionKind::sleep},
    {"evict", ActionKind::evict},
    {"kill", ActionKind::kill},
    {"corrupt", ActionKind::corrupt},
    {"io_error", ActionKind::io_error},
};

std::optional<ActionKind> action_kind_from_string(std::string_view name) {
  auto it = kActionKinds.find(std::string(name));
  if (it == kActionKinds.end()) return std::nullopt;
  return it->second;
}

bool is_write_action(ActionKind k) {
  return k == ActionKind::overwrite_truncate || k == ActionKind::overwrite || k == ActionKind::atomic_replace ||
         k == ActionKind::truncate || k == ActionKind::corrupt;
}

bool may_write(ActionKind k) { return is_write_action(k) || k == ActionKind::run; }

Schedule parse_schedule(const ScenarioNode& n) {
  if (!n.raw().is_object()) n.fail("expected an object with \"kind\"");
  std::string kind = n.require("kind").string();
  if (kind == "while_workload") {
    n.expect_object("schedule_while_workload");
    return schedule_while_workload(ms_field(n, "pause_ms", 0, 0, kMaxMs));
  }
  if (kind == "every") {
    n.expect_object("schedule_every");
    milliseconds interval(n.require("interval_ms").integer(1, kMaxMs));
    std::optional<unsigned> times;
    if (auto t = n.optional("times")) times = static_cast<unsigned>(t->integer(1, 1'000'000));
    return schedule_every(interval, ms_field(n, "after_ms", 0, 0, kMaxMs), times);
  }
  if (kind == "once") {
    n.expect_object("schedule_once");
    return schedule_once(ms_field(n, "after_ms", 0, 0, kMaxMs));
  }
  if (kind == "times") {
    n.expect_object("schedule_times");
    unsigned count = static_cast<unsigned>(n.require("count").integer(1, 1'000'000));
    return schedule_times(count, ms_field(n, "interval_ms", 0, 0, kMaxMs),
                          ms_field(n, "after_ms", 0, 0, kMaxMs));
  }
  n.at_key("kind").fail(fmt::format(
      "unknown schedule kind \"{}\" (expected while_workload, every, once or times)", kind));
}

// When a kill or an io_error strikes a fault's running command: one of
// after_ms, random_ms (with an optional seed), at_write and at_dest_op
// (with random_ms: a random delay after that operation); wait_ms.
static void parse_strike_moment(const ScenarioNode& n, Action& a) {
  bool delayed_op = n.has("at_dest_op") && n.has("random_ms");
  int when = n.has("after_ms") + n.has("random_ms") + n.has("at_write") + n.has("at_dest_op") - delayed_op;
  if (when > 1)
    n.fail("give one of \"after_ms\", \"random_ms\", \"at_write\" and \"at_dest_op\" (\"random_ms\" may go with "
           "\"at_dest_op\": a random delay after that operation)");
  if (auto t = n.optional("after_ms")) a.after = milliseconds(t->integer(0, kMaxMs));
  if (auto r = n.optional("random_ms")) {
    auto bounds = r->array();
    if (bounds.size() != 2) r->fail("expected [from_ms, to_ms]");
    milliseconds lo(bounds[0].integer(0, kMaxMs)), hi(bounds[1].integer(0, kMaxMs));
    if (hi < lo) bounds[1].fail("the window ends before it starts");
    a.random_window = std::pair{lo, hi};
  }
  if (auto seed = n.optional("seed")) {
    if (!a.random_window) seed->fail("\"seed\" draws a random offset: give \"random_ms\" too");
    a.seed = seed->integer(0, ~0ULL >> 1);
  }
  if (auto w = n.optional("at_write")) a.at_write = w->integer(1, 1ULL << 40);
  if (auto d = n.optional("at_dest_op")) a.at_dest_op = d->integer(1, 1ULL << 40);
  if (!when) a.after = milliseconds(0);
  a.wait = ms_field(n, "wait_ms", 30000, 1, kMaxMs);
}

Action parse_action(const ScenarioNode& n) {
  if (!n.raw().is_object()) n.fail("expected an object with \"action\"");
  std::string name = n.require("action").string();
  auto it = kActionKinds.find(name);
  if (it == kActionKinds.end()) {
    std::vector<std::string> cands;
    for (const auto& [k, _] : kActionKinds) cands.push_back(k);
    auto hint = closest_match(name, cands);
    n.at_key("action").fail(hint ? fmt::format("unknown action \"{}\" (did you mean \"{}\"?)",
                                               name, *hint)
                                 : fmt::format("unknown action \"{}\" (expected one of {})", name,
                                               fmt::join(cands, ", ")));
  }
  n.expect_object("action_" + name);
  Action a;
  a.kind = it->second;
  if (auto l = n.optional("label")) a.label = l->string();
  switch (a.kind) {
    case ActionKind::overwrite_truncate:
    case ActionKind::overwrite:
    case ActionKind::atomic_replace:
      a.from = work_path(n.require("from"));
      a.to = work_path(n.require("to"));
      if (a.from == a.to) n.at_key("to").fail("\"from\" and \"to\" are the same file");
      break;
    case ActionKind::truncate:
      a.to = work_path(n.require("to"));
      if (auto s = n.optional("size_bytes"))
        a.size_bytes = s->integer(0, static_cast<unsigned long long>(kMaxImageMiB) << 20);
      break;
    case ActionKind::drop_caches:
      if (auto l = n.optional("level")) a.level = static_cast<int>(l->integer(1, 3));
      break;
    case ActionKind::run: {
      a.argv = n.require("argv").argv();
      a.timeout = ms_field(n, "timeout_ms", 60000, 1, kMaxMs);
      if (auto i = n.optional("instances")) a.instances = static_cast<unsigned>(i->integer(1, kMaxInstances));
      break;
    }
    case ActionKind::kill: {
      a.target_fault = n.require("fault").nonempty_string();
      if (auto sig = n.optional("signal")) {
        std::string sname = sig->string();
        auto number = signal_from_name(sname);
        if (!number) {
          std::vector<std::string> cands;
          for (const auto& [k, _] : kSignals) cands.push_back(k);
          auto hint = closest_match(sname, cands);
          sig->fail(hint ? fmt::format("unknown signal \"{}\" (did you mean \"{}\"?)", sname, *hint)
                         : fmt::format("unknown signal \"{}\" (expected one of {})", sname, fmt::join(cands, ", ")));
        }
        a.signal = *number;
      }
      parse_strike_moment(n, a);
      break;
    }
    case ActionKind::io_error:
      a.scratch = work_path(n.require("scratch"));
      if (auto f = n.optional("fault")) {
        a.target_fault = f->nonempty_string();
        parse_strike_moment(n, a);
      } else if (n.has("after_ms") || n.has("random_ms") || n.has("at_write") || n.has("at_dest_op") || n.has("seed") ||
                 n.has("wait_ms")) {
        n.fail("\"after_ms\", \"random_ms\", \"seed\", \"at_write\", \"at_dest_op\" and \"wait_ms\" time the errors against "
               "a fault's running command: give \"fault\" too (without it the disk fails when the action runs)");
      }
      break;
    case ActionKind::corrupt:
      a.path = work_path(n.require("path"));
      if (auto o = n.optional("offset")) a.offset = o->integer(0, static_cast<unsigned long long>(kMaxImageMiB) << 20);
      a.text = n.require("text").nonempty_string();
      break;
    case ActionKind::sleep:
      a.duration = milliseconds(n.require("ms").integer(0, kMaxMs));
      break;
    case ActionKind::evict:
      a.path = work_path(n.require("path"));
      if (auto f = n.optional("from_page")) a.from_page = f->integer(0, 1ULL << 40);
      break;
  }
  return a;
}

}  // namespace harness
