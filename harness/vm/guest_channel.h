// GuestChannel: the wire format between the guest agent and VmBackend.
// One message per line: a per-run marker, a space, then compact JSON with
// a "msg" field:
//   ready  {"msg":"ready","guest_kernel":…,"uptime_ms":…}   agent started
//   event  {"msg":"event","event":{…}}   an exec/fault/phase event, as in report.json
//   kmsg   {"msg":"kmsg","t_ms":…,"line":…}  a notable guest kernel message
//   record {"msg":"record",…}            images, mounts, errors, counts
//   error  {"msg":"error","kind":…,"message":…}  the agent could not run the scenario
//   end    {"msg":"end"}                 nothing follows
// and one line the other way, host to guest:
//   ack    {"msg":"ack"}                 the host has read everything up to "end";
//                                        the agent exits (and /init powers off) only then
// The marker is random per run and travels on the kernel command line, so
// the host accepts only lines this run's agent wrote.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/run_record.h"

namespace harness {

inline constexpr std::string_view kMarkerCmdlineKey = "harness.marker";

std::string new_channel_marker();
std::string channel_line(std::string_view marker, const nlohmann::json& msg);
// The message of a line carrying `marker`; nullopt for any other line
// (noise) and for a marked line whose JSON does not parse.
std::optional<nlohmann::json> parse_channel_line(std::string_view marker, std::string_view line);
// The "record" message: everything in a RunRecord but its events (those
// were streamed one by one) and kernel_log (streamed as kmsg), plus the
// event counts so the host can tell whether any line was lost.
nlohmann::json record_message(const RunRecord& r);
// Fills images, mounts, error, timed_out, interrupted and the guest's
// environment (into r.environment under "guest_*" keys) from a record message.
void apply_record_message(const nlohmann::json& msg, RunRecord& r);

// The value of `key=` in a kernel command line.
std::optional<std::string> cmdline_value(std::string_view cmdline, std::string_view key);

}  // namespace harness
