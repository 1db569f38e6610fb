#include "core/matrix.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

namespace harness {

using nlohmann::json;

namespace {

constexpr const char* kImage = "data/stack.img";
// How fast the redeploy copies (bytes/s) and in what chunks: a 4 MiB image
// takes ~1 s, so that kills land mid-copy.
constexpr const char* kRate = "4194304";
constexpr const char* kChunk = "65536";

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

json install_argv(const MatrixInstaller& inst, const std::string& source, bool throttled) {
  json argv = json::array();
  for (const auto& a : inst.argv)
    argv.push_back(replace_all(replace_all(replace_all(a, "{source}", "{work}/" + source), "{dest}", "{work}/data"),
                               "{name}", "stack"));
  if (throttled)
    for (const auto& t : inst.throttle) argv.push_back(t);
  return argv;
}

json run_action(const MatrixInstaller& inst, const std::string& source, bool throttled, const std::string& what) {
  return json{{"action", "run"},
              {"label", fmt::format("{} ({})", inst.name, what)},
              {"argv", install_argv(inst, source, throttled)},
              {"timeout_ms", 60000}};
}

json image(const std::string& dir, unsigned mib, const std::string& sleep, bool second) {
  json files = json::array({{{"from", sleep}, {"to", "sleep"}, {"mode", "0755"}}});
  // The two versions differ in content, not only in their filesystem UUIDs.
  if (second) files.push_back({{"from", sleep}, {"to", "sleep.v2"}, {"mode", "0755"}});
  return json{{"name", dir}, {"path", dir + "/stack.img"}, {"fs", "ext4"}, {"size_mib", mib}, {"files", files}};
}

}  // namespace

std::vector<MatrixInstaller> builtin_installers() {
  std::vector<MatrixInstaller> out;
  for (const char* mode : {"legacy", "regressed", "hardened"}) {
    MatrixInstaller i;
    i.name = mode;
    i.builtin = true;
    i.argv = {"{fixtures_bin}/stack-install", "--mode", mode, "--source", "{source}", "--dest", "{dest}",
              "--name", "{name}", "--json"};
    i.throttle = {"--rate", kRate, "--chunk", kChunk};
    i.description = fmt::format("stack-install --mode {}", mode);
    out.push_back(std::move(i));
  }
  return out;
}

namespace {

bool is_row_name(const std::string& s) {
  return !s.empty() && s.size() <= 40 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

// Programs that run a script named by an argument: the row is named after
// the script.
bool is_interpreter(const std::string& stem) {
  static const std::set<std::string> kInterpreters = {"sh",   "bash", "dash", "zsh",  "ksh",    "env",
                                                      "python", "python3", "perl", "ruby", "node", "busybox"};
  return kInterpreters.count(stem) > 0;
}

std::string derived_row_name(const std::vector<std::string>& argv) {
  std::string stem = std::filesystem::path(argv[0]).stem().string();
  for (size_t i = 1; i < argv.size() && is_interpreter(stem); ++i) {
    // Options, env's VAR=VALUE, placeholders: not the script.
    if (argv[i].empty() || argv[i][0] == '-' || argv[i].find_first_of("={") != std::string::npos) continue;
    stem = std::filesystem::path(argv[i]).stem().string();
  }
  std::string name;
  for (char c : stem) name += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '-';
  return name.empty() ? "custom" : name.substr(0, 40);
}

}  // namespace

MatrixInstaller custom_installer(const std::string& text, const std::string& cwd) {
  MatrixInstaller i;
  // "NAME=CMD": a program's path before the first space holds no '='.
  std::string command = text;
  std::optional<std::string> name;
  size_t eq = text.find('='), space = text.find_first_of(" \t");
  if (eq != std::string::npos && eq < space) {
    name = text.substr(0, eq);
    command = text.substr(eq + 1);
    if (!is_row_name(*name))
      throw std::invalid_argument(fmt::format("--installer {}: \"{}\" is not a row name (1 to 40 letters, digits, '-' "
                                              "or '_')",
                                              text, *name));
  }
  std::istringstream in(command);
  for (std::string w; in >> w;) i.argv.push_back(w);
  if (i.argv.empty()) throw std::invalid_argument("--installer: an empty command");
  for (const char* p : {"{source}", "{dest}", "{name}"})
    if (command.find(p) == std::string::npos)
      throw std::invalid_argument(fmt::format("--installer: the command must use {} (with {{source}} {{dest}} {{name}}: "
                                              "it installs SOURCE/NAME.img as DEST/NAME.img)",
                                              p));
  i.name = name ? *name : derived_row_name(i.argv);
  std::filesystem::path prog(i.argv[0]);
  if (prog.has_parent_path() && prog.is_relative()) i.argv[0] = (std::filesystem::path(cwd) / prog).lexically_normal().string();
  i.description = command;
  return i;
}

void check_row_names(const std::vector<MatrixInstaller>& installers) {
  std::map<std::string, const MatrixInstaller*> seen;
  for (const auto& b : builtin_installers()) seen[b.name] = nullptr;
  for (const auto& i : installers) {
    if (i.builtin) continue;
    auto [it, fresh] = seen.emplace(i.name, &i);
    if (fresh) continue;
    if (!it->second)
      throw std::invalid_argument(fmt::format(
          "--installer \"{}\": its row would be named \"{}\", like the built-in row; name it with --installer "
          "NAME=CMD",
          i.description, i.name));
    throw std::invalid_argument(fmt::format("--installer \"{}\" and --installer \"{}\": both rows would be named "
                                            "\"{}\"; name them with --installer NAME=CMD",
                                            it->second->description, i.description, i.name));
  }
}

const std::vector<MatrixFault>& matrix_faults() {
  static const std::vector<MatrixFault> faults = {
      {"redeploy", "a new version redeployed while the installed image is mounted and in use (memory pressure on)", true},
      {"kill-random", "the redeploy killed (SIGKILL) at a random moment of its work on the destination folder: up to "
                      "1 s after its first operation there (a user's installer, at full speed: up to 5 ms)", false},
      {"kill-write", "the redeploy killed (SIGKILL) at its 16th write system call, inside its throttled copy (a user's "
                     "installer: right after its first operation in the destination folder)", false},
      {"enospc", "the data folder is a filesystem too small for the new version: ENOSPC mid-copy", false},
      {"race", "two installers redeploy the new version into the same folder at once", false},
      {"corrupt-sidecar", "the checksum sidecars are corrupted, then the same version is redeployed while mounted", true},
      {"root-overwrite", "root runs `cat new.img > installed.img` while it is mounted", true},
      {"eio", "the data folder's disk fails every I/O (EIO, device-mapper's error target) at the redeploy's 16th write "
              "system call (a user's installer: right after its first operation in the destination folder); then the disk answers again and is repaired: unmounted, e2fsck -fy, mounted again",
       false, false, true},
      {"power-cut", "the data folder is a VM disk whose writes qemu logs; the power is cut at every flush and at sampled "
                    "writes between (the log replayed on the host, each state checked)", false, true},
  };
  return faults;
}

std::vector<MatrixCell> derive_cells(const std::vector<MatrixInstaller>& installers,
                                     const std::vector<MatrixFault>& faults, const GateRules& rules,
                                     const std::string& sleep) {
  // One name, one row: cells are found (and written) by name.
  std::set<std::string> names;
  for (const auto& inst : installers)
    if (!names.insert(inst.name).second)
      throw std::invalid_argument(fmt::format("two matrix rows are named \"{}\"", inst.name));
  std::vector<MatrixCell> out;
  for (const auto& inst : installers)
    for (const auto& f : faults) {
      MatrixCell c;
      c.installer = inst.name;
      c.fault = f.name;
      c.expected_unsafe = expected_unsafe(inst, f.name, rules);
      c.name = fmt::format("matrix--{}--{}", inst.name, f.name);
      const bool enospc = f.name == "enospc";
      const bool power_cut = f.name == "power-cut";
      const bool eio = f.name == "eio";
      const bool same_version = f.name == "corrupt-sidecar";
      const std::string next = same_version ? "v1" : "v2";
      json s;
      s["name"] = c.name;
      s["description"] = fmt::format("{} x {}: {}", inst.name, f.name, f.description);
      s["timeout_s"] = 120;
      s["early_stop"] = false;  // every invariant judged, so that the table can say why
      // v2 fills the small data folder in the enospc cell.
      s["images"] = json::array({image("v1", enospc ? 2 : 4, sleep, false), image("v2", enospc ? 8 : 4, sleep, true)});
      // v2 does not fit: the folder must run out of room (or the installer
      // refuse): an ENOSPC never hit is not a pass (core/exercise.h).
      if (enospc) s["scratch"] = json::array({{{"path", "data"}, {"size_mib", 8}, {"enospc", true}}});
      // Room for the installed version and a temp copy of the next.
      if (power_cut) s["scratch"] = json::array({{{"path", "data"}, {"size_mib", 16}, {"power_cut", true}}});
      if (eio) s["scratch"] = json::array({{{"path", "data"}, {"size_mib", 16}, {"io_errors", true}}});
      s["setup"] = json::array({run_action(inst, "v1", false, "installs v1")});
      // The program runs from the installed image, or, where the fault
      // is about the installer's own write path, from the store's copy.
      s["mounts"] = json::array({{{"image", f.mounted ? kImage : "v1/stack.img"}, {"mountpoint", "mnt/stack"},
                                  {"options", "loop,ro"}}});
      s["workload"] = {{"argv", {"{work}/mnt/stack/sleep", "0"}},
                       {"iterations", 1000000},
                       {"duration_ms", 2500},
                       {"exec_timeout_ms", 5000},
                       {"warmup", 3}};
      json faults_j = json::array();
      json install = {{"name", "install"}, {"schedule", {{"kind", "once"}, {"after_ms", 100}}}};
      if (f.name == "redeploy") {
        install["actions"] = json::array({run_action(inst, "v2", true, "redeploys v2")});
      } else if (f.name == "kill-random" || f.name == "kill-write") {
        install["actions"] = json::array({run_action(inst, "v2", true, "redeploys v2")});
        json kill = {{"action", "kill"}, {"fault", "install"}, {"signal", "SIGKILL"}};
        // Aimed at the installer's work on its destination folder, never
        // before it (core/exercise.h): the throttled stack-install copies for
        // ~1 s; a user's installer at full speed is done in a few ms, so its
        // strike comes right after its first operation there. A strike that
        // still misses is "not exercised", with what to change.
        if (f.name == "kill-random") {
          kill["at_dest_op"] = 1;
          kill["random_ms"] = inst.throttle.empty() ? json{0, 5} : json{0, 1000};
        } else if (inst.throttle.empty()) {
          kill["at_dest_op"] = 1;
        } else {
          kill["at_write"] = 16;
        }
        faults_j.push_back({{"name", "kill"}, {"schedule", {{"kind", "once"}, {"after_ms", 100}}}, {"actions", {kill}}});
      } else if (enospc || power_cut) {
        install["actions"] = json::array({run_action(inst, "v2", false, "redeploys v2")});
      } else if (eio) {
        // Throttled, as for a kill: the disk fails mid-copy.
        install["actions"] = json::array({run_action(inst, "v2", true, "redeploys v2")});
        json err = {{"action", "io_error"}, {"scratch", "data"}, {"fault", "install"}};
        if (inst.throttle.empty()) err["at_dest_op"] = 1;
        else err["at_write"] = 16;
        faults_j.push_back({{"name", "disk-errors"}, {"schedule", {{"kind", "once"}, {"after_ms", 100}}}, {"actions", {err}}});
      } else if (f.name == "race") {
        json r = run_action(inst, "v2", true, "redeploys v2, twice at once");
        r["instances"] = 2;
        install["actions"] = json::array({r});
      } else if (same_version) {
        install["actions"] = json::array({{{"action", "corrupt"}, {"path", std::string(kImage) + ".md5"}, {"text", "0000"}},
                                          {{"action", "corrupt"}, {"path", std::string(kImage) + ".sha256"}, {"text", "0000"}},
                                          run_action(inst, "v1", true, "redeploys v1")});
      } else if (f.name == "root-overwrite") {
        install["actions"] = json::array({{{"action", "overwrite_truncate"}, {"from", "v2/stack.img"}, {"to", kImage},
                                           {"label", "root: cat v2/stack.img > data/stack.img"}}});
      }
      faults_j.insert(faults_j.begin(), install);
      if (f.mounted)
        // Memory pressure, as in the incident: a rewrite in place shows as
        // crashes, not only as a write.
        faults_j.push_back({{"name", "memory-pressure"},
                            {"schedule", {{"kind", "every"}, {"interval_ms", 20}}},
                            {"actions", {{{"action", "evict"}, {"path", "mnt/stack/sleep"}, {"from_page", 1}}}}});
      s["faults"] = faults_j;
      s["finally"] = json::array({run_action(inst, next, false, "the next run, nothing mounted")});
      json versions = same_version ? json::array({"v1/stack.img"}) : json::array({"v1/stack.img", "v2/stack.img"});
      json sidecars = json::array({std::string(kImage) + ".md5", std::string(kImage) + ".sha256"});
      json expect = json::array();
      if (f.mounted) expect.push_back({{"no_write_while_mounted", kImage}});
      expect.push_back({{"classes", {"abnormal"}}, {"at_most", 0}});
      json installed = {{"installed", kImage}, {"versions", versions}, {"sidecars", sidecars}};
      if (f.name != "root-overwrite") installed["fault"] = "install";
      expect.push_back(installed);
      installed["at"] = "end";
      installed.erase("fault");
      expect.push_back(installed);
      s["expect"] = expect;
      c.scenario = std::move(s);
      out.push_back(std::move(c));
    }
  return out;
}

void add_cell_run(CellRuns& cell, const json& report, const std::string& run_dir) {
  ++cell.runs;
  std::string verdict = report.value("verdict", "error");
  // A run that stopped on an error judged nothing and struck nothing: its
  // one reason is its error, and it has no crash points (a setup that
  // failed never got to the faults).
  if (verdict == "error") {
    ++cell.errors;
    json run = report.value("run", json::object());
    std::string error = run.is_object() && run.contains("error") && run["error"].is_string()
                            ? run["error"].get<std::string>()
                            : "the run stopped on an error";
    cell.evidence.push_back({{"run_dir", run_dir}, {"verdict", verdict}, {"failed", json::array({"error: " + error})}});
    return;
  }
  json failed = json::array();
  bool struck = true;
  for (const auto& ev : report.value("events", json::array()))
    if ((ev.value("action", "") == "kill" || ev.value("action", "") == "io_error") && ev.value("outcome", "") != "ok") {
      struck = false;
      failed.push_back(fmt::format("not exercised: the {} did not strike ({})", ev.value("action", ""), ev.value("detail", "")));
    }
  for (const auto& pc : report.value("power_cut", json::array()))
    if (pc.contains("error")) {
      struck = false;
      failed.push_back(fmt::format("not exercised: the power cut was not judged ({})", pc.value("error", "")));
    }
  if (verdict == "pass" && struck) ++cell.passed;
  else if (verdict != "fail") ++cell.not_exercised;
  for (const auto& e : report.value("expectations", json::array()))
    if (e.value("state", "") != "held") failed.push_back(fmt::format("{}: {}", e.value("text", ""), e.value("detail", "")));
  // The inconclusive reasons (a program missing in the guest, a fault not
  // exercised) come first: the expectations are only undecided because of them.
  json reasons = json::array();
  for (const auto& r : report.value("inconclusive_reasons", json::array()))
    if (r.is_string()) reasons.push_back("inconclusive: " + r.get<std::string>());
  failed.insert(failed.begin(), reasons.begin(), reasons.end());
  cell.evidence.push_back({{"run_dir", run_dir}, {"verdict", verdict}, {"failed", failed}});
  for (const auto& pc : report.value("power_cut", json::array())) {
    if (pc.contains("error")) continue;  // counted above
    for (const auto& cp : pc.value("crash_points", json::array())) {
      bool held = true;
      for (const auto& ch : cp.value("checks", json::array())) held = held && ch.value("held", false);
      cell.crash_points.push_back({{"run", cell.runs}, {"point", cp.value("point", 0)}, {"entries", cp.value("entries", 0ull)},
                                   {"of", pc.value("log_entries", 0ull)}, {"why", cp.value("why", "")},
                                   {"fsck", cp.value("fsck", -1)}, {"holds", cp.value("holds", "")}, {"held", held}});
    }
  }
  for (const auto& ev : report.value("events", json::array())) {
    if ((ev.value("action", "") != "kill" && ev.value("action", "") != "io_error") || ev.value("outcome", "") != "ok") continue;
    const json& r = ev.value("result", json::object());
    if (!r.is_object()) continue;
    cell.crash_points.push_back({{"run", cell.runs}, {"action", ev.value("action", "")},
                                 {"offset_ms", r.value("offset_ms", -1)}, {"writes", r.value("writes", 0)}});
  }
}

std::string CellRuns::state() const {
  if (safe()) return "safe";
  if (passed + not_exercised + errors < runs) return "unsafe";
  return errors ? "error" : "inconclusive";
}

json to_json(const CellRuns& c) {
  return json{{"installer", c.installer}, {"fault", c.fault},   {"name", c.name},
              {"safe", c.safe()},         {"state", c.state()}, {"runs", c.runs},
              {"passed", c.passed},       {"not_exercised", c.not_exercised}, {"errors", c.errors},
              {"expected_unsafe", c.expected_unsafe},
              {"crash_points", c.crash_points}, {"evidence", c.evidence}, {"scenario_file", "cells/" + c.name + ".json"}};
}

CellRuns cell_runs_from_json(const json& j) {
  CellRuns c;
  c.installer = j.value("installer", "");
  c.fault = j.value("fault", "");
  c.name = j.value("name", "");
  c.runs = j.value("runs", 0u);
  c.passed = j.value("passed", 0u);
  c.not_exercised = j.value("not_exercised", 0u);
  c.errors = j.value("errors", 0u);
  c.expected_unsafe = j.value("expected_unsafe", "");
  c.crash_points = j.value("crash_points", json::array());
  c.evidence = j.value("evidence", json::array());
  return c;
}

}  // namespace harness
