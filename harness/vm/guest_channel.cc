#include "vm/guest_channel.h"

#include <sys/random.h>

#include <chrono>
#include <cstring>
#include <fmt/format.h>

namespace harness {

using nlohmann::json;

std::string new_channel_marker() {
  unsigned char b[8] = {};
  if (getrandom(b, sizeof b, 0) != static_cast<ssize_t>(sizeof b)) {
    auto t = std::chrono::steady_clock::now().time_since_epoch().count();
    std::memcpy(b, &t, sizeof b);
  }
  std::string hex;
  for (unsigned char c : b) hex += fmt::format("{:02x}", c);
  return "@@harness-" + hex + "@@";
}

std::string channel_line(std::string_view marker, const json& msg) {
  // Run actions' output may not be UTF-8; replace rather than throw.
  return std::string(marker) + " " + msg.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::optional<json> parse_channel_line(std::string_view marker, std::string_view line) {
  size_t at = line.find(marker);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = line.substr(at + marker.size());
  json j = json::parse(rest, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("msg")) return std::nullopt;
  return j;
}

namespace {

// `s` cut to at most `max` bytes (and a note saying so), on a UTF-8
// character boundary.
std::string cut(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t at = max;
  while (at > 0 && (static_cast<unsigned char>(s[at]) & 0xc0) == 0x80) --at;
  size_t dropped = s.size() - at;
  s.resize(at);
  return s + fmt::format(" [{} more bytes cut by the host]", dropped);
}

}  // namespace

json record_message(const RunRecord& r) {
  json images = json::array(), mounts = json::array(), writers = json::array(), survivors = json::array();
  for (const auto& s : r.survivors) survivors.push_back(to_json(s));
  for (const auto& i : r.images) images.push_back(to_json(i));
  for (const auto& m : r.mounts) mounts.push_back(to_json(m));
  for (const auto& w : r.writes.writers) writers.push_back(to_json(w));
  json m{{"msg", "record"},
              {"duration_ms", r.duration_ms},
              {"timed_out", r.timed_out},
              {"interrupted", r.interrupted},
              {"stopped_early", r.stopped_early},
              {"stopped_early_ms", r.stopped_early_ms},
              {"error", r.error},
              {"workload_missing", r.workload_missing},
              {"environment_error", r.environment_error},
              {"scenario_error", r.scenario_error},
              {"environment", r.environment},
              {"harness_pid", r.harness_pid},
              {"images", images},
              {"mounts", mounts},
              {"write_evidence", to_json(r.writes)},
              {"writers", writers},
              {"images_evidence", r.images_evidence},
              {"page_cache", r.page_cache},
              {"files_evidence", r.files_evidence},
              {"survivors", survivors},
              {"execs", r.execs.size()},
              {"faults", r.faults.size()},
              {"phases", r.phases.size()}};
  exercise_evidence_to_json(r, m);
  return m;
}

void apply_record_message(const json& m, RunRecord& r) {
  r.timed_out = r.timed_out || m.value("timed_out", false);
  r.interrupted = r.interrupted || m.value("interrupted", false);
  r.stopped_early = m.value("stopped_early", "");
  r.stopped_early_ms = m.value("stopped_early_ms", -1.0);
  if (r.error.empty()) r.error = cut(m.value("error", ""), kMaxGuestErrorBytes);
  r.workload_missing = m.value("workload_missing", "");
  r.environment_error = r.environment_error || m.value("environment_error", false);
  r.scenario_error = r.scenario_error || m.value("scenario_error", false);
  for (const auto& i : m.value("images", json::array())) r.images.push_back(image_record_from_json(i));
  for (const auto& x : m.value("mounts", json::array())) r.mounts.push_back(mount_record_from_json(x));
  r.environment["guest_duration_ms"] = m.value("duration_ms", 0.0);
  // The evidence the guest gathered. Its pids are the guest's, like the
  // pids of the exec events, and harness_pid says which one was the agent.
  r.harness_pid = m.value("harness_pid", 0);
  r.writes = write_evidence_from_json(m.value("write_evidence", json()), m.value("writers", json::array()));
  r.images_evidence = m.value("images_evidence", json::array());
  r.page_cache = m.value("page_cache", json::array());
  r.files_evidence = m.value("files_evidence", json::array());
  for (const auto& s : m.value("survivors", json::array()))
    if (r.survivors.size() < kMaxSurvivors) r.survivors.push_back(survivor_from_json(s));
  exercise_evidence_from_json(m, r);
  json env = m.value("environment", json::object());
  if (env.contains("kernel")) r.environment["guest_kernel"] = env.at("kernel");
  // The guest's sizing includes its calibration from the warm-up's pace.
  if (env.contains("sizing") && env.at("sizing").is_string()) r.environment["sizing"] = env.at("sizing");
  if (env.contains("sizing_hint") && env.at("sizing_hint").is_string()) r.environment["sizing_hint"] = env.at("sizing_hint");
}

ChannelReceiver::ChannelReceiver(std::string marker, RunRecord& rec, const RunObserver& obs, ChannelLimits limits)
    : marker_(std::move(marker)), rec_(rec), obs_(obs), limits_(limits) {}

ChannelReceiver::Step ChannelReceiver::take(std::string_view line) {
  auto msg = parse_channel_line(marker_, line);
  if (!msg) return Step::none;  // not ours
  // Past the total, only what steers the VM's life is still looked at.
  const json& type = msg->at("msg");
  const bool control = type == "ready" || type == "end";
  if (!control && (over_total_ || bytes_kept_ + line.size() > limits_.total_bytes)) {
    if (!over_total_)
      guest_error(fmt::format("the guest sent more than {} bytes of messages; the rest was dropped",
                              limits_.total_bytes));
    over_total_ = true;
    return Step::none;
  }
  bytes_kept_ += line.size();
  try {
    return handle(*msg);
  } catch (const std::exception& e) {  // JSON of the wrong shape, an unknown exec class, ...
    const json& kind = msg->at("msg");  // parse_channel_line made sure it is there
    guest_error(fmt::format("the guest agent sent a malformed {} message ({})",
                            kind.dump(-1, ' ', false, json::error_handler_t::replace), e.what()));
    return Step::none;
  }
}

void ChannelReceiver::guest_error(const std::string& what) {
  if (rec_.error.empty()) rec_.error = "guest: " + what;
}

ChannelReceiver::Step ChannelReceiver::handle(const json& msg) {
  std::string kind = msg.at("msg").get<std::string>();
  if (kind == "ready") {
    if (ready_) return Step::none;
    ready_ = true;
    if (msg.contains("guest_kernel")) rec_.environment["guest_kernel"] = msg.at("guest_kernel");
    // How much of the boot was the guest kernel and /init (the rest is
    // qemu starting and loading kernel and initramfs).
    if (msg.contains("uptime_ms")) rec_.environment["vm_guest_uptime_at_ready_ms"] = msg.at("uptime_ms");
    return Step::ready;
  }
  if (kind == "event") {
    on_event(msg.at("event"));
  } else if (kind == "kmsg") {
    if (rec_.kernel_log.size() >= limits_.kernel_lines) {
      rec_.environment["guest_kernel_log_dropped"] = ++kernel_lines_dropped_;
      return Step::none;
    }
    json kline = {{"t_ms", msg.value("t_ms", 0.0)}, {"line", cut(msg.value("line", ""), kMaxGuestKernelLineBytes)}};
    if (msg.contains("kernel_s")) kline["kernel_s"] = msg.at("kernel_s");
    rec_.kernel_log.push_back(std::move(kline));
  } else if (kind == "record") {
    if (got_record_) {  // each one would add its images and mounts again
      guest_error("the guest agent sent a second record; it was ignored");
      return Step::none;
    }
    // Tried on an empty record first: a malformed one changes nothing.
    RunRecord probe;
    apply_record_message(msg, probe);
    apply_record_message(msg, rec_);
    got_record_ = true;
    record_execs_ = msg.value("execs", 0UL);
  } else if (kind == "error") {
    if (rec_.error.empty()) rec_.error = "guest agent: " + cut(msg.value("message", ""), kMaxGuestErrorBytes);
    rec_.environment_error = rec_.environment_error || msg.value("kind", "") == "environment";
  } else if (kind == "end") {
    return Step::end;
  }
  return Step::none;
}

void ChannelReceiver::on_event(const json& ev) {
  std::string type = ev.at("type").get<std::string>();
  if (type == "exec") {
    if (rec_.execs.size() >= limits_.exec_events) {
      guest_error(fmt::format("more than {} exec events; the rest were dropped", limits_.exec_events));
      return;
    }
    ExecEvent e = exec_event_from_json(ev);
    if (obs_.progress) obs_.progress->count(e);
    rec_.execs.push_back(e);
  } else if (type == "fault" || type == "phase") {
    if (rec_.faults.size() + rec_.phases.size() >= limits_.other_events) {
      guest_error(fmt::format("more than {} fault and phase events; the rest were dropped", limits_.other_events));
      return;
    }
    if (type == "fault") {
      rec_.faults.push_back(fault_event_from_json(ev));
    } else {
      rec_.phases.push_back(phase_event_from_json(ev));
      if (obs_.on_phase) obs_.on_phase(rec_.phases.back().name);
    }
  } else {
    return;
  }
  if (obs_.on_event) obs_.on_event(ev);
}

std::optional<std::string> cmdline_value(std::string_view cmdline, std::string_view key) {
  size_t pos = 0;
  while (pos < cmdline.size()) {
    size_t b = cmdline.find_first_not_of(" \t\n", pos);
    if (b == std::string_view::npos) break;
    size_t e = cmdline.find_first_of(" \t\n", b);
    std::string_view word = cmdline.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b);
    if (word.size() > key.size() && word.substr(0, key.size()) == key && word[key.size()] == '=')
      return std::string(word.substr(key.size() + 1));
    if (e == std::string_view::npos) break;
    pos = e;
  }
  return std::nullopt;
}

}  // namespace harness
