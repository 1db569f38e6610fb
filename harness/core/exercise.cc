#include "core/exercise.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

namespace harness {

using nlohmann::json;

std::string_view to_string(ExerciseState s) {
  switch (s) {
    case ExerciseState::exercised: return "exercised";
    case ExerciseState::missed: return "missed";
    case ExerciseState::refused: return "refused";
    case ExerciseState::note: return "note";
  }
  return "note";
}

json to_json(const Exercise& e) {
  return json{{"fault", e.fault}, {"what", e.what}, {"state", std::string(to_string(e.state))},
              {"detail", e.detail}, {"change", e.change}};
}

Exercise exercise_from_json(const json& j) {
  Exercise e;
  e.fault = j.at("fault").get<std::string>();
  e.what = j.at("what").get<std::string>();
  std::string s = j.at("state").get<std::string>();
  bool known = false;
  for (auto st : {ExerciseState::exercised, ExerciseState::missed, ExerciseState::refused, ExerciseState::note})
    if (to_string(st) == s) {
      e.state = st;
      known = true;
    }
  if (!known) throw std::out_of_range("unknown exercise state \"" + s + "\"");
  e.detail = j.at("detail").get<std::string>();
  e.change = j.at("change").get<std::string>();
  return e;
}

namespace {

std::string folders_text(const DestinationActivity& a) {
  std::string s;
  for (const auto& f : a.folders) s += (s.empty() ? "" : ", ") + f + "/";
  return s;
}

std::string op_text(const DestinationOp& o) {
  return fmt::format("{} {}/{}{}", to_string(o.kind), o.folder, o.name,
                     o.count > 1 ? fmt::format(" ({} writes)", o.count) : "");
}

const FaultEvent* command_of(const RunRecord& r, const std::string& fault, long pid) {
  for (const auto& f : r.faults)
    if (f.fault == fault && f.action == "run" && f.pid == pid) return &f;
  return nullptr;
}

// A kill, or an io_error aimed at another fault's command.
Exercise judge_strike(const FaultEvent& ev, const RunRecord& r) {
  Exercise e;
  e.fault = ev.fault;
  e.what = ev.action;
  const json& res = ev.result;
  std::string target = res.value("target_fault", "");
  std::string what = ev.action == "kill" ? "the kill" : "the disk failure";
  if (!ev.ok) {
    e.state = ExerciseState::missed;
    e.detail = fmt::format("{} did not strike: {}", what, ev.detail);
    e.change = ev.outcome == "missed"
                   ? fmt::format("strike earlier, within the time fault \"{}\"'s command runs, or slow the installer "
                                 "down (a larger image)", target)
                   : "let the target command start before the strike (its schedule, wait_ms)";
    return e;
  }
  if (!r.destination.unavailable.empty() || r.destination.folders.empty()) {
    e.state = ExerciseState::note;
    e.detail = fmt::format("{} struck fault \"{}\"'s command {} ms after it started; where it struck relative to "
                           "the installer's work was not judged: {}",
                           what, target, res.value("offset_ms", -1L),
                           r.destination.unavailable.empty() ? "no destination folder was watched"
                                                             : r.destination.unavailable);
    return e;
  }
  double strike = res.value("t_ms", -1.0);
  const FaultEvent* cmd = command_of(r, target, res.value("target_pid", 0L));
  double start = cmd ? cmd->t_start_ms : strike - static_cast<double>(res.value("offset_ms", 0L));
  std::vector<DestinationOp> before = ops_between(r.destination, start, strike);
  std::string where = folders_text(r.destination);
  if (before.empty()) {
    e.state = ExerciseState::missed;
    e.detail = fmt::format("{} struck fault \"{}\"'s command {} ms after it started, before it touched {} (no write, "
                           "create, rename or unlink there yet): the installer's work was never interrupted",
                           what, target, res.value("offset_ms", -1L), where);
    e.change = fmt::format("aim later, inside the installer's work on {} (a run without the strike shows when that "
                           "is), or slow the installer down (a larger image)",
                           where);
    return e;
  }
  e.state = ExerciseState::exercised;
  e.detail = fmt::format("{} struck fault \"{}\"'s command {} ms after it started, after {} operation{} on {} (the "
                         "last: {}, {:.0f} ms before)",
                         what, target, res.value("offset_ms", -1L), before.size(), before.size() == 1 ? "" : "s", where,
                         op_text(before.back()), strike - before.back().t_last_ms);
  return e;
}

Exercise judge_enospc(const ScratchSpace& s, const RunRecord& r) {
  Exercise e;
  e.fault = "";
  e.what = "enospc";
  if (s.filled()) {
    e.state = ExerciseState::exercised;
    e.detail = fmt::format("{}/ ran out of room: {} of {} bytes free at {:.0f} ms", s.path, s.min_free_bytes,
                           s.size_bytes, s.t_min_free_ms);
    return e;
  }
  unsigned long wrote = 0;
  for (const auto& o : r.destination.ops)
    if (o.folder == s.path && (o.kind == DestinationOpKind::write || o.kind == DestinationOpKind::create)) ++wrote;
  bool watched = std::find(r.destination.folders.begin(), r.destination.folders.end(), s.path) !=
                 r.destination.folders.end();
  if (watched && wrote == 0) {
    e.state = ExerciseState::refused;
    e.detail = fmt::format("nothing was written into {}/ during the faults: the installer refused or skipped what "
                           "could not fit ({} of {} bytes stayed free)",
                           s.path, s.min_free_bytes, s.size_bytes);
    return e;
  }
  e.state = ExerciseState::missed;
  e.detail = s.samples == 0 ? fmt::format("{}/'s free space was never sampled", s.path)
                            : fmt::format("{}/ never ran out of room (at least {} of {} bytes stayed free): ENOSPC was "
                                          "never hit",
                                          s.path, s.min_free_bytes, s.size_bytes);
  e.change = "offer a version larger than the free space, or make the scratch filesystem smaller";
  return e;
}

}  // namespace

std::vector<Exercise> judge_exercise(const RunRecord& r) {
  std::vector<Exercise> out;
  for (const auto& ev : r.faults)
    if ((ev.action == "kill" || ev.action == "io_error") && ev.result.is_object() && ev.result.contains("target_fault"))
      out.push_back(judge_strike(ev, r));
  for (const auto& s : r.scratch_space)
    if (s.enospc) out.push_back(judge_enospc(s, r));
  // What the faults offered to install, fault by fault.
  std::map<std::string, std::vector<const Offer*>> by_fault;
  for (const auto& o : r.offers) by_fault[o.fault].push_back(&o);
  bool any_new = false;
  for (const auto& [fault, offers] : by_fault) {
    Exercise e;
    e.fault = fault;
    e.what = "offer";
    for (const Offer* o : offers) {
      any_new = any_new || !o->same_as_installed;
      e.detail += fmt::format("{}{}: {} {}", e.detail.empty() ? "" : "; ", o->file,
                              o->same_as_installed ? "the same bytes as the installed" : "a different version than the installed",
                              o->installed);
    }
    // What the fault's commands then did in the destination folders.
    std::vector<DestinationOp> ops;
    unsigned runs = 0;
    for (const auto& f : r.faults)
      if (f.fault == fault && f.action == "run") {
        ++runs;
        for (const auto& op : ops_between(r.destination, f.t_start_ms, f.t_end_ms)) ops.push_back(op);
      }
    if (runs && !r.destination.folders.empty())
      e.detail += ops.empty() ? fmt::format("; its {} run{} did nothing in {} (skipped or refused)", runs,
                                            runs == 1 ? "" : "s", folders_text(r.destination))
                              : fmt::format("; its {} run{} did {} operation{} in {} (the last: {})", runs,
                                            runs == 1 ? "" : "s", ops.size(), ops.size() == 1 ? "" : "s",
                                            folders_text(r.destination), op_text(ops.back()));
    out.push_back(e);
  }
  if (!by_fault.empty() && !any_new) {
    Exercise e;
    e.what = "offer";
    e.detail = "same version only: every fault offered the bytes already installed, so installing a new version over "
               "the mounted image was not tested";
    e.change = "add a fault that offers a new version (e.g. a second store with another image)";
    out.push_back(e);
  }
  return out;
}

}  // namespace harness
