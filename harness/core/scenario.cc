#include "core/scenario.h"

#include <fmt/format.h>

#include <climits>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "base/edit_distance.h"
#include "base/error.h"
#include "base/json_locator.h"
#include "core/plan.h"

namespace harness {

using nlohmann::json;
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

const std::map<std::string, std::set<std::string>>& scenario_object_fields() {
  static const std::map<std::string, std::set<std::string>> fields = {
      {"scenario",
       {"$schema", "name", "description", "timeout_s", "images", "copies", "setup", "mounts",
        "workload", "faults", "expect", "vm", "early_stop", "scratch", "finally"}},
      {"scratch", {"path", "size_mib", "fs", "power_cut"}},
      {"vm_sizing", {"iterations", "duration_ms", "min_execs_under_fault"}},
      {"image", {"name", "path", "fs", "size_mib", "files"}},
      {"image_file", {"from", "to", "mode"}},
      {"copy", {"from", "to"}},
      {"mount", {"image", "mountpoint", "options"}},
      {"workload",
       {"argv", "iterations", "duration_ms", "concurrency", "exec_timeout_ms", "warmup"}},
      {"fault", {"name", "schedule", "actions", "optional"}},
      {"schedule_while_workload", {"kind", "pause_ms"}},
      {"schedule_every", {"kind", "interval_ms", "after_ms", "times"}},
      {"schedule_once", {"kind", "after_ms"}},
      {"schedule_times", {"kind", "count", "interval_ms", "after_ms"}},
      {"action_overwrite_truncate", {"action", "from", "to", "label"}},
      {"action_overwrite", {"action", "from", "to", "label"}},
      {"action_atomic_replace", {"action", "from", "to", "label"}},
      {"action_truncate", {"action", "to", "size_bytes", "label"}},
      {"action_drop_caches", {"action", "level", "label"}},
      {"action_run", {"action", "argv", "timeout_ms", "label", "instances"}},
      {"action_kill", {"action", "fault", "signal", "after_ms", "random_ms", "seed", "at_write", "wait_ms", "label"}},
      {"action_corrupt", {"action", "path", "offset", "text", "label"}},
      {"action_sleep", {"action", "ms", "label"}},
      {"action_evict", {"action", "path", "from_page", "label"}},
      {"expectation_exec_count", {"classes", "at_least", "at_most"}},
      {"expectation_fault_outcome", {"fault_outcome", "fault", "action", "at_least", "at_most"}},
      {"expectation_min_execs_under_fault", {"min_execs_under_fault"}},
      {"expectation_image_unchanged", {"image_unchanged"}},
      {"expectation_no_write_while_mounted", {"no_write_while_mounted"}},
      {"expectation_installed", {"installed", "versions", "sidecars", "fault", "at"}},
  };
  return fields;
}

namespace {

// Walks one JSON value, knows its path, and raises located errors.
class Node {
 public:
  Node(const json& v, std::string path, const JsonLocator& loc, const std::string& file)
      : v_(v), path_(std::move(path)), loc_(loc), file_(file) {}

  [[noreturn]] void fail(const std::string& msg) const { fail_at(loc_.value(path_), msg); }
  [[noreturn]] void fail_key(const std::string& msg) const { fail_at(loc_.key(path_), msg); }

  const json& raw() const { return v_; }
  const std::string& path() const { return path_; }
  TextLocation where() const { return loc_.value(path_); }

  // Checks that this is an object whose keys all belong to `kind`.
  void expect_object(const std::string& kind) const {
    if (!v_.is_object()) fail(fmt::format("expected an object ({}), got {}", kind, v_.type_name()));
    const auto& known = scenario_object_fields().at(kind);
    for (const auto& [key, _] : v_.items()) {
      if (known.count(key)) continue;
      std::vector<std::string> cands(known.begin(), known.end());
      auto hint = closest_match(key, cands);
      Node child = at_key(key);
      child.fail_key(hint ? fmt::format("unknown field \"{}\" (did you mean \"{}\"?)", key, *hint)
                          : fmt::format("unknown field \"{}\" (allowed: {})", key,
                                        fmt::join(cands, ", ")));
    }
  }

  bool has(const std::string& key) const { return v_.is_object() && v_.contains(key); }

  Node at_key(const std::string& key) const {
    return Node(v_.at(key), json_path_member(path_, key), loc_, file_);
  }
  Node require(const std::string& key) const {
    if (!has(key)) fail(fmt::format("missing required field \"{}\"", key));
    return at_key(key);
  }
  std::optional<Node> optional(const std::string& key) const {
    if (!has(key)) return std::nullopt;
    return at_key(key);
  }

  // An argv: strings, with only known {placeholders}.
  std::vector<std::string> argv() const {
    std::vector<std::string> out;
    for (const auto& a : array()) {
      std::string s = a.string();
      if (auto bad = unknown_placeholder(s))
        a.fail(fmt::format("unknown placeholder {} (known: {{{}}})", *bad,
                           fmt::join(placeholder_names(), "}, {")));
      out.push_back(std::move(s));
    }
    if (out.empty() || out[0].empty()) fail("argv needs at least a program");
    return out;
  }

  std::vector<Node> array() const {
    if (!v_.is_array()) fail(fmt::format("expected an array, got {}", v_.type_name()));
    std::vector<Node> out;
    for (size_t i = 0; i < v_.size(); ++i)
      out.emplace_back(v_[i], json_path_index(path_, i), loc_, file_);
    return out;
  }

  bool boolean() const {
    if (!v_.is_boolean()) fail(fmt::format("expected true or false, got {}", v_.type_name()));
    return v_.get<bool>();
  }
  std::string string() const {
    if (!v_.is_string()) fail(fmt::format("expected a string, got {}", v_.type_name()));
    std::string s = v_.get<std::string>();
    // open(2) and execve(2) stop at a NUL: the file acted on would not be
    // the one the scenario (and the report) names.
    if (s.find('\0') != std::string::npos) fail("strings must not contain NUL (\\u0000)");
    return s;
  }
  std::string nonempty_string() const {
    std::string s = string();
    if (s.empty()) fail("must not be empty");
    return s;
  }

  unsigned long long integer(unsigned long long min, unsigned long long max) const {
    if (!v_.is_number_integer() || (v_.is_number_integer() && !v_.is_number_unsigned() &&
                                     v_.get<long long>() < 0)) {
      if (v_.is_number_integer()) fail(fmt::format("must be at least {}", min));
      fail(fmt::format("expected a non-negative integer, got {}", v_.dump()));
    }
    auto n = v_.get<unsigned long long>();
    if (n < min) fail(fmt::format("must be at least {}, got {}", min, n));
    if (n > max) fail(fmt::format("must be at most {}, got {}", max, n));
    return n;
  }

 private:
  [[noreturn]] void fail_at(TextLocation at, const std::string& msg) const {
    throw ScenarioError(file_, at.line, at.col, path_, msg);
  }

  const json& v_;
  std::string path_;
  const JsonLocator& loc_;
  const std::string& file_;
};

// A path inside the run's work directory: relative, normalised, no "..".
WorkPath work_path(const Node& n) {
  std::string s = n.nonempty_string();
  if (s.front() == '/')
    n.fail(fmt::format("\"{}\" is an absolute path; paths here are relative to the run's work "
                       "directory, and the harness never writes outside it",
                       s));
  std::filesystem::path p(s);
  // The kernel refuses longer ones (ENAMETOOLONG); say so now.
  if (s.size() >= PATH_MAX) n.fail(fmt::format("the path is {} bytes long; at most {}", s.size(), PATH_MAX - 1));
  for (const auto& part : p) {
    if (part == "..")
      n.fail(fmt::format("\"{}\" escapes the run's work directory (\"..\" is not allowed)", s));
    if (part.native().size() > NAME_MAX)
      n.fail(fmt::format("a path component is {} bytes long; at most {}", part.native().size(), NAME_MAX));
  }
  std::string norm = p.lexically_normal().generic_string();
  if (norm.empty() || norm == ".") n.fail(fmt::format("\"{}\" names the work directory itself", s));
  if (norm.back() == '/') norm.pop_back();
  return norm;
}

milliseconds ms_field(const Node& parent, const char* key, unsigned long long def,
                      unsigned long long min, unsigned long long max) {
  auto n = parent.optional(key);
  return milliseconds(n ? n->integer(min, max) : def);
}

constexpr unsigned long long kMaxMs = 1000ULL * kMaxTimeoutSeconds;

Schedule parse_schedule(const Node& n) {
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

Action parse_action(const Node& n) {
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
      int when = n.has("after_ms") + n.has("random_ms") + n.has("at_write");
      if (when > 1) n.fail("give one of \"after_ms\", \"random_ms\" and \"at_write\"");
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
      if (!when) a.after = milliseconds(0);
      a.wait = ms_field(n, "wait_ms", 30000, 1, kMaxMs);
      break;
    }
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

Expectation parse_expectation(const Node& n) {
  if (!n.raw().is_object()) n.fail("expected an object");
  Expectation e;
  e.text = n.raw().dump();
  auto bounds = [&](bool required) {
    if (auto v = n.optional("at_least")) e.at_least = v->integer(0, ~0ULL >> 1);
    if (auto v = n.optional("at_most")) e.at_most = v->integer(0, ~0ULL >> 1);
    if (required && !e.at_least && !e.at_most) n.fail("give \"at_least\", \"at_most\" or both");
    if (e.at_least && e.at_most && *e.at_least > *e.at_most)
      n.at_key("at_most").fail("\"at_most\" is below \"at_least\": this can never hold");
  };
  if (n.has("min_execs_under_fault")) {
    n.expect_object("expectation_min_execs_under_fault");
    e.kind = ExpectationKind::min_execs_under_fault;
    e.at_least = n.at_key("min_execs_under_fault").integer(1, kMaxIterations);
    return e;
  }
  if (n.has("image_unchanged")) {
    n.expect_object("expectation_image_unchanged");
    e.kind = ExpectationKind::image_unchanged;
    e.path = work_path(n.at_key("image_unchanged"));
    return e;
  }
  if (n.has("no_write_while_mounted")) {
    n.expect_object("expectation_no_write_while_mounted");
    e.kind = ExpectationKind::no_write_while_mounted;
    e.path = work_path(n.at_key("no_write_while_mounted"));
    return e;
  }
  if (n.has("installed")) {
    n.expect_object("expectation_installed");
    e.kind = ExpectationKind::installed;
    e.path = work_path(n.at_key("installed"));
    auto versions = n.require("versions");
    for (const auto& v : versions.array()) e.versions.push_back(work_path(v));
    if (e.versions.empty()) versions.fail("list at least one version (the image installed before the faults)");
    if (auto sc = n.optional("sidecars"))
      for (const auto& v : sc->array()) e.sidecars.push_back(work_path(v));
    if (auto f = n.optional("fault")) e.fault = f->nonempty_string();
    if (auto at = n.optional("at")) {
      std::string w = at->string();
      if (w != "faults" && w != "end") at->fail(fmt::format("\"at\" is \"faults\" or \"end\", not \"{}\"", w));
      e.at_end = w == "end";
    }
    return e;
  }
  if (n.has("fault_outcome")) {
    n.expect_object("expectation_fault_outcome");
    e.kind = ExpectationKind::fault_outcome;
    e.outcome = n.at_key("fault_outcome").nonempty_string();
    if (auto f = n.optional("fault")) e.fault = f->nonempty_string();
    if (auto a = n.optional("action")) {
      e.action = a->string();
      if (!kActionKinds.count(e.action)) a->fail(fmt::format("unknown action \"{}\"", e.action));
    }
    bounds(true);
    return e;
  }
  n.expect_object("expectation_exec_count");
  e.kind = ExpectationKind::exec_count;
  auto classes = n.require("classes");
  for (const auto& c : classes.array()) {
    std::string s = c.string();
    if (s == "abnormal") {
      for (ExecClass k : kAllExecClasses)
        if (is_abnormal(k)) e.classes.insert(k);
      continue;
    }
    auto k = exec_class_from_string(s);
    if (!k) {
      std::vector<std::string> cands{"abnormal"};
      for (ExecClass x : kAllExecClasses) cands.emplace_back(to_string(x));
      auto hint = closest_match(s, cands);
      c.fail(hint ? fmt::format("unknown exec class \"{}\" (did you mean \"{}\"?)", s, *hint)
                  : fmt::format("unknown exec class \"{}\" (expected one of {})", s,
                                fmt::join(cands, ", ")));
    }
    e.classes.insert(*k);
  }
  if (e.classes.empty()) classes.fail("list at least one exec class");
  bounds(true);
  return e;
}

std::filesystem::path host_path(const Node& n, const std::filesystem::path& base) {
  std::filesystem::path p(n.nonempty_string());
  if (p.is_relative()) p = base / p;
  p = p.lexically_normal();
  std::error_code ec;
  auto st = std::filesystem::status(p, ec);
  if (ec || !std::filesystem::exists(st)) n.fail(fmt::format("host file {} does not exist", p.string()));
  if (!std::filesystem::is_regular_file(st))
    n.fail(fmt::format("host file {} is not a regular file", p.string()));
  return p;
}

ImageSpec parse_image(const Node& n, const std::filesystem::path& base) {
  n.expect_object("image");
  ImageSpec img;
  img.name = n.require("name").nonempty_string();
  // Bounded: std::regex recurses per character, so an unbounded pattern
  // lets a long name overflow the stack.
  static const std::regex name_re("[A-Za-z0-9][A-Za-z0-9._-]{0,79}");
  if (img.name.size() > 80 || !std::regex_match(img.name, name_re))
    n.at_key("name").fail("image names use letters, digits, '.', '_' and '-' (at most 80)");
  img.path = n.has("path") ? work_path(n.at_key("path")) : "images/" + img.name + ".img";
  if (auto fs = n.optional("fs")) {
    img.fs = fs->string();
    if (img.fs != "ext4" && img.fs != "ext3" && img.fs != "ext2")
      fs->fail(fmt::format("unsupported filesystem \"{}\" (expected ext4, ext3 or ext2)", img.fs));
  }
  img.size_mib = static_cast<unsigned>(n.require("size_mib").integer(1, kMaxImageMiB));
  if (auto files = n.optional("files")) {
    for (const auto& f : files->array()) {
      f.expect_object("image_file");
      ImageFile file;
      file.from = host_path(f.require("from"), base);
      // Copying it in would fill the disk first (/proc/kcore claims 128 TiB).
      std::error_code ec;
      auto bytes = std::filesystem::file_size(file.from, ec);
      if (!ec && bytes > (static_cast<unsigned long long>(img.size_mib) << 20))
        f.at_key("from").fail(fmt::format("host file {} ({} bytes) is larger than the whole image ({} MiB)",
                                          file.from.string(), bytes, img.size_mib));
      auto to = f.require("to");
      file.to = work_path(to);  // same rules: relative, no ".."
      if (auto m = f.optional("mode")) {
        std::string s = m->string();
        static const std::regex mode_re("0?[0-7]{3,4}");
        if (!std::regex_match(s, mode_re)) m->fail("mode is an octal string such as \"0755\"");
        file.mode = static_cast<unsigned>(std::stoul(s, nullptr, 8));
      }
      img.files.push_back(std::move(file));
    }
  }
  return img;
}

WorkloadSpec parse_workload(const Node& n, std::chrono::seconds timeout) {
  n.expect_object("workload");
  WorkloadSpec w;
  w.argv = n.require("argv").argv();
  if (auto i = n.optional("iterations")) w.iterations = i->integer(1, kMaxIterations);
  if (auto d = n.optional("duration_ms")) {
    w.duration = milliseconds(d->integer(1, kMaxMs));
    if (*w.duration > timeout)
      d->fail(fmt::format("duration_ms ({} ms) exceeds the scenario's timeout_s ({} s)",
                          w.duration->count(), timeout.count()));
  }
  if (!w.iterations && !w.duration)
    n.fail("an unbounded workload: give \"iterations\", \"duration_ms\" or both");
  if (auto c = n.optional("concurrency")) w.concurrency = static_cast<unsigned>(c->integer(1, kMaxConcurrency));
  w.exec_timeout = ms_field(n, "exec_timeout_ms", 5000, 1, kMaxMs);
  if (auto wu = n.optional("warmup")) {
    if (wu->raw().is_number_integer() && wu->raw().get<long long>() == 0)
      wu->fail("warmup is at least 1: a verdict needs a baseline, execs that succeed before any fault");
    w.warmup = static_cast<unsigned>(wu->integer(1, 100000));
  }
  return w;
}

VmSizing parse_vm_sizing(const Node& n, const Scenario& s) {
  n.expect_object("vm_sizing");
  if (n.raw().empty()) n.fail("an empty \"vm\" object: give iterations, duration_ms or min_execs_under_fault");
  VmSizing v;
  if (auto i = n.optional("iterations")) v.iterations = i->integer(1, kMaxIterations);
  if (auto d = n.optional("duration_ms")) {
    v.duration = milliseconds(d->integer(1, kMaxMs));
    if (*v.duration > s.timeout)
      d->fail(fmt::format("duration_ms ({} ms) exceeds the scenario's timeout_s ({} s)", v.duration->count(),
                          s.timeout.count()));
  }
  if (auto m = n.optional("min_execs_under_fault")) {
    v.min_execs_under_fault = m->integer(1, kMaxIterations);
    if (std::none_of(s.expect.begin(), s.expect.end(),
                     [](const Expectation& e) { return e.kind == ExpectationKind::min_execs_under_fault; }))
      m->fail("there is no min_execs_under_fault expectation to resize");
    auto iterations = v.iterations ? v.iterations : s.workload.iterations;
    if (iterations && *v.min_execs_under_fault > *iterations)
      m->fail(fmt::format("{} execs under fault out of at most {} iterations: this can never hold",
                          *v.min_execs_under_fault, *iterations));
  }
  return v;
}

// Byte-level checks before any parsing: a scenario is UTF-8 text (RFC
// 8259) without a byte-order mark (nlohmann skips one silently, and then
// every reported column is off) and without NUL bytes. Returns the offset
// of the first offending byte and why.
std::optional<std::pair<size_t, std::string>> bad_bytes(const std::string& text) {
  if (text.rfind("\xef\xbb\xbf", 0) == 0)
    return std::pair<size_t, std::string>{0, "the file starts with a UTF-8 byte-order mark; save it as UTF-8 "
                                             "without BOM"};
  const auto* b = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    unsigned c = b[i];
    if (c == 0) return std::pair<size_t, std::string>{i, "NUL byte in the file"};
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = len != 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) ok = (b[i + k] & 0xc0) == 0x80;
    if (ok && len > 1) {
      unsigned cp = c & (0xff >> (len + 1));
      for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (b[i + k] & 0x3f);
      static const unsigned kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= kMin[len] && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
    }
    if (!ok) return std::pair<size_t, std::string>{i, fmt::format("invalid UTF-8 (byte 0x{:02x}); scenario files "
                                                                  "are UTF-8 text", c)};
    i += len;
  }
  return std::nullopt;
}

constexpr unsigned long long kMaxTotalImageMiB = 4ULL * kMaxImageMiB;

// `path` is `dir` or below it (lexically: both are clean work paths).
bool lies_inside(const WorkPath& path, const WorkPath& dir) {
  auto rel = std::filesystem::path(path).lexically_relative(std::filesystem::path(dir));
  return !rel.empty() && *rel.begin() != "..";
}

}  // namespace

Scenario parse_scenario(const std::string& text, const std::filesystem::path& file) {
  const std::string fname = file.string();
  if (auto bad = bad_bytes(text)) {
    TextLocation at = location_of_offset(text, bad->first);
    throw ScenarioError(fname, at.line, at.col, "$", bad->second);
  }
  json doc;
  try {
    doc = json::parse(text, nullptr, true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    // e.byte is 1-based and points just past the offending character.
    TextLocation at = location_of_offset(text, e.byte > 0 ? e.byte - 1 : 0);
    std::string msg = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] parse error at line 3, column 5: ".
    if (auto colon = msg.find(": "); colon != std::string::npos) msg = msg.substr(colon + 2);
    throw ScenarioError(fname, at.line, at.col, "$", "malformed JSON: " + msg);
  } catch (const json::exception& e) {
    // E.g. out_of_range 406, "number overflow parsing '1e400'": no offset,
    // so point at the first occurrence of the token it names.
    std::string msg = e.what();
    if (auto colon = msg.find("] "); colon != std::string::npos) msg = msg.substr(colon + 2);
    size_t at = 0;
    if (auto q = msg.find('\''); q != std::string::npos) {
      std::string token = msg.substr(q + 1, msg.rfind('\'') - q - 1);
      if (!token.empty()) at = std::min(text.find(token), text.size());
    }
    TextLocation loc = location_of_offset(text, at);
    throw ScenarioError(fname, loc.line, loc.col, "$", "malformed JSON: " + msg);
  }
  JsonLocator loc(text);
  if (loc.too_deep()) {
    TextLocation at = loc.value(*loc.too_deep());
    throw ScenarioError(fname, at.line, at.col, *loc.too_deep(),
                        fmt::format("nested deeper than {} levels", JsonLocator::kMaxDepth));
  }
  if (loc.too_many()) {
    TextLocation at = loc.value(*loc.too_many());
    throw ScenarioError(fname, at.line, at.col, *loc.too_many(),
                        fmt::format("has more than {} members (at most {})", JsonLocator::kMaxItems,
                                    JsonLocator::kMaxItems));
  }
  if (loc.duplicate_key()) {
    TextLocation at = loc.key(*loc.duplicate_key());
    throw ScenarioError(fname, at.line, at.col, *loc.duplicate_key(),
                        "this key appears twice in its object");
  }

  Node root(doc, "$", loc, fname);
  root.expect_object("scenario");
  const std::filesystem::path base =
      file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  Scenario s;
  s.file = file;
  s.name = root.require("name").nonempty_string();
  static const std::regex name_re("[A-Za-z0-9][A-Za-z0-9._-]{0,79}");
  if (s.name.size() > 80 || !std::regex_match(s.name, name_re))
    root.at_key("name").fail("scenario names use letters, digits, '.', '_' and '-' (at most 80)");
  if (auto d = root.optional("description")) s.description = d->string();
  s.timeout = std::chrono::seconds(root.require("timeout_s").integer(1, kMaxTimeoutSeconds));

  // Every work path that some step produces, to catch typos in later steps.
  std::set<WorkPath> produced;
  if (auto images = root.optional("images")) {
    std::set<std::string> names;
    if (images->raw().is_array() && images->raw().size() > kMaxImages)
      images->fail(fmt::format("{} images; at most {}", images->raw().size(), kMaxImages));
    unsigned long long total_mib = 0;
    for (const auto& n : images->array()) {
      ImageSpec img = parse_image(n, base);
      if (!names.insert(img.name).second) n.at_key("name").fail("duplicate image name");
      if (!produced.insert(img.path).second) n.fail(fmt::format("{} is produced twice", img.path));
      total_mib += img.size_mib;
      s.images.push_back(std::move(img));
    }
    if (total_mib > kMaxTotalImageMiB)
      images->fail(fmt::format("{} MiB of images in total; at most {} MiB", total_mib, kMaxTotalImageMiB));
  }
  if (auto copies = root.optional("copies")) {
    for (const auto& n : copies->array()) {
      n.expect_object("copy");
      CopySpec c{work_path(n.require("from")), work_path(n.require("to"))};
      if (!produced.count(c.from))
        n.at_key("from").fail(fmt::format("{} is not an image or an earlier copy", c.from));
      if (!produced.insert(c.to).second) n.at_key("to").fail(fmt::format("{} is produced twice", c.to));
      s.copies.push_back(std::move(c));
    }
  }
  if (auto scratch = root.optional("scratch")) {
    if (scratch->raw().is_array() && scratch->raw().size() > kMaxMounts)
      scratch->fail(fmt::format("{} scratch filesystems; at most {}", scratch->raw().size(), kMaxMounts));
    for (const auto& n : scratch->array()) {
      n.expect_object("scratch");
      ScratchSpec sc;
      sc.path = work_path(n.require("path"));
      sc.size_mib = static_cast<unsigned>(n.require("size_mib").integer(kMinScratchMiB, kMaxImageMiB));
      if (auto fs = n.optional("fs")) {
        sc.fs = fs->string();
        if (sc.fs != "ext4" && sc.fs != "ext3" && sc.fs != "ext2")
          fs->fail(fmt::format("unsupported filesystem \"{}\" (expected ext4, ext3 or ext2)", sc.fs));
      }
      if (auto pc = n.optional("power_cut")) {
        sc.power_cut = pc->boolean();
        for (const auto& other : s.scratch)
          if (sc.power_cut && other.power_cut)
            pc->fail(fmt::format("scratch {} has a power cut already; at most one scratch filesystem may", other.path));
      }
      for (const auto& other : s.scratch)
        if (lies_inside(sc.path, other.path) || lies_inside(other.path, sc.path))
          n.at_key("path").fail(fmt::format("scratch {} overlaps scratch {}", sc.path, other.path));
      for (const auto& p : produced)
        if (lies_inside(p, sc.path))
          n.at_key("path").fail(fmt::format("{} is produced before the scratch filesystem hides it", p));
      s.scratch.push_back(std::move(sc));
    }
  }
  auto no_kill = [](const Node& list, const char* where) {
    for (const auto& a : list.array())
      if (a.raw().is_object() && a.raw().value("action", "") == "kill")
        a.at_key("action").fail(fmt::format("a kill signals a fault's running action; {} actions run alone: put it in a fault", where));
  };
  // Fields checked after parsing (see Scenario::run_time_fields).
  auto remember = [&](const Node& n) { s.run_time_fields[n.path()] = n.where(); };
  auto remember_program = [&](const Node& n, const Action& a) {
    if (a.kind == ActionKind::run) remember(n.at_key("argv").array().front());
  };
  if (auto setup = root.optional("setup")) {
    no_kill(*setup, "setup");
    for (const auto& n : setup->array()) {
      s.setup.push_back(parse_action(n));
      remember_program(n, s.setup.back());
    }
  }
  if (auto mounts = root.optional("mounts")) {
    std::set<WorkPath> mountpoints;
    if (mounts->raw().is_array() && mounts->raw().size() > kMaxMounts)
      mounts->fail(fmt::format("{} mounts; at most {}", mounts->raw().size(), kMaxMounts));
    for (const auto& n : mounts->array()) {
      n.expect_object("mount");
      MountSpec m;
      m.image = work_path(n.require("image"));
      remember(n.at_key("image"));
      // An image nothing makes is a typo; one a setup `run` action may
      // install is checked when the run gets there.
      bool setup_runs = false;
      std::vector<std::string> makeable(produced.begin(), produced.end());
      for (const auto& a : s.setup) {
        setup_runs = setup_runs || a.kind == ActionKind::run;
        if (is_write_action(a.kind)) makeable.push_back(a.to);
      }
      if (!setup_runs && std::find(makeable.begin(), makeable.end(), m.image) == makeable.end()) {
        auto hint = closest_match(m.image, makeable);
        n.at_key("image").fail(fmt::format(
            "{} is not made by any image, copy or setup action, so there is nothing to mount{}", m.image,
            hint ? fmt::format(" (did you mean \"{}\"?)", *hint) : std::string()));
      }
      m.mountpoint = work_path(n.require("mountpoint"));
      if (auto o = n.optional("options")) m.options = o->string();
      std::set<std::string> opts;
      std::stringstream ss(m.options);
      for (std::string opt; std::getline(ss, opt, ',');) {
        static const std::set<std::string> allowed = {"loop", "ro", "rw", "nosuid", "nodev",
                                                      "noatime", "relatime", "sync"};
        if (!allowed.count(opt))
          n.at_key("options").fail(fmt::format("mount option \"{}\" is not supported (use {})",
                                               opt, fmt::join(allowed, ",")));
        opts.insert(opt);
      }
      if (!opts.count("loop"))
        n.at_key("options").fail("images are files: the options must include \"loop\"");
      if (opts.count("ro") && opts.count("rw")) n.at_key("options").fail("both \"ro\" and \"rw\"");
      for (const auto& other : mountpoints) {
        if (other == m.mountpoint)
          n.at_key("mountpoint").fail(fmt::format("mountpoint {} is used twice", m.mountpoint));
        if (lies_inside(m.mountpoint, other))
          n.at_key("mountpoint").fail(fmt::format("mountpoint {} lies inside mountpoint {}",
                                                  m.mountpoint, other));
        if (lies_inside(m.image, other))
          n.at_key("image").fail(fmt::format(
              "{} lies inside mountpoint {}: an image on another mounted filesystem is refused (images are "
              "opened beneath the work directory without crossing a mount, RESOLVE_NO_XDEV, so the run would "
              "stop with EXDEV)",
              m.image, other));
      }
      mountpoints.insert(m.mountpoint);
      s.mounts.push_back(std::move(m));
    }
  }
  s.workload = parse_workload(root.require("workload"), s.timeout);
  remember(root.at_key("workload").at_key("argv").array().front());
  if (auto faults = root.optional("faults")) {
    std::set<std::string> names;
    if (faults->raw().is_array() && faults->raw().size() > kMaxFaults)
      faults->fail(fmt::format("{} faults; at most {} (each runs in its own thread)", faults->raw().size(),
                               kMaxFaults));
    for (const auto& n : faults->array()) {
      n.expect_object("fault");
      FaultSpec f;
      f.name = n.require("name").nonempty_string();
      if (!names.insert(f.name).second) n.at_key("name").fail("duplicate fault name");
      f.schedule = parse_schedule(n.require("schedule"));
      auto actions = n.require("actions");
      for (const auto& a : actions.array()) {
        f.actions.push_back(parse_action(a));
        remember_program(a, f.actions.back());
      }
      if (f.actions.empty()) actions.fail("a fault needs at least one action");
      if (auto o = n.optional("optional")) f.optional = o->boolean();
      s.faults.push_back(std::move(f));
    }
    // A kill names another fault that runs a command.
    for (size_t i = 0; i < s.faults.size(); ++i)
      for (size_t k = 0; k < s.faults[i].actions.size(); ++k) {
        const Action& a = s.faults[i].actions[k];
        if (a.kind != ActionKind::kill) continue;
        Node at = faults->array()[i].at_key("actions").array()[k].at_key("fault");
        if (a.target_fault == s.faults[i].name) at.fail("a kill cannot wait for its own fault's action");
        auto target = std::find_if(s.faults.begin(), s.faults.end(),
                                   [&](const FaultSpec& f) { return f.name == a.target_fault; });
        if (target == s.faults.end()) {
          std::vector<std::string> cands;
          for (const auto& f : s.faults) cands.push_back(f.name);
          auto hint = closest_match(a.target_fault, cands);
          at.fail(hint ? fmt::format("no fault is named \"{}\" (did you mean \"{}\"?)", a.target_fault, *hint)
                       : fmt::format("no fault is named \"{}\"", a.target_fault));
        }
        if (std::none_of(target->actions.begin(), target->actions.end(),
                         [](const Action& t) { return t.kind == ActionKind::run; }))
          at.fail(fmt::format("fault \"{}\" has no run action to signal", a.target_fault));
      }
  }
  if (auto fin = root.optional("finally")) {
    no_kill(*fin, "finally");
    for (const auto& n : fin->array()) s.finally.push_back(parse_action(n));
  }
  auto expect = root.require("expect");
  for (const auto& n : expect.array()) {
    Expectation e = parse_expectation(n);
    if ((e.kind == ExpectationKind::image_unchanged || e.kind == ExpectationKind::no_write_while_mounted) &&
        std::none_of(s.mounts.begin(), s.mounts.end(), [&](const MountSpec& m) { return m.image == e.path; }))
      n.at_key(e.kind == ExpectationKind::image_unchanged ? "image_unchanged" : "no_write_while_mounted")
          .fail(fmt::format("{} is not a mounted image (only those are watched)", e.path));
    if (e.kind == ExpectationKind::installed) {
      auto versions = n.at_key("versions").array();
      for (size_t i = 0; i < e.versions.size(); ++i)
        if (!produced.count(e.versions[i]))
          versions[i].fail(fmt::format("{} is not an image or a copy: a version to compare with must exist before "
                                       "the run",
                                       e.versions[i]));
      if (e.at_end && s.finally.empty())
        n.at_key("at").fail("\"at\": \"end\" checks the state after the \"finally\" actions; there are none");
    }
    if ((e.kind == ExpectationKind::fault_outcome || e.kind == ExpectationKind::installed) && !e.fault.empty() && !
        std::any_of(s.faults.begin(), s.faults.end(), [&](const FaultSpec& f) { return f.name == e.fault; }))
      n.at_key("fault").fail(fmt::format("no fault is named \"{}\"", e.fault));
    s.expect.push_back(std::move(e));
  }
  if (s.expect.empty()) expect.fail("a scenario needs at least one expectation");
  if (auto vm = root.optional("vm")) s.vm = parse_vm_sizing(*vm, s);
  if (auto es = root.optional("early_stop")) s.early_stop = es->boolean();
  return s;
}

ScenarioError field_error(const Scenario& s, const std::string& json_path, const std::string& message) {
  auto it = s.run_time_fields.find(json_path);
  TextLocation at = it == s.run_time_fields.end() ? TextLocation{} : it->second;
  return ScenarioError(s.file.string(), at.line, at.col, json_path, message);
}

Scenario load_scenario(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ScenarioError(file.string(), 1, 1, "$", "cannot read the scenario file");
  std::stringstream buf;
  buf << in.rdbuf();
  return parse_scenario(buf.str(), file);
}

}  // namespace harness
