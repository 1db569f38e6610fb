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

#include "core/backend.h"
#include "core/run_record.h"
#include "core/scenario.h"

namespace harness {

inline constexpr std::string_view kMarkerCmdlineKey = "harness.marker";

// What a guest may make the host hold. The code in the guest is the
// scenario's, so it is not trusted: past these bounds the rest is dropped
// and the run records a guest error.
// A line: the largest a sane agent sends is its final record (evidence
// samples), a few MiB at most.
inline constexpr size_t kMaxChannelLineBytes = 32u << 20;
// Execs: a workload runs at most kMaxIterations plus its warm-up.
inline constexpr size_t kMaxGuestExecEvents = kMaxIterations + 100'000;
inline constexpr size_t kMaxGuestOtherEvents = 1'000'000;  // faults and phases
// Kernel lines: the agent reports at most 2000 (and one saying how many
// more it dropped), each of at most ~1 KiB (the kernel's own bound).
inline constexpr size_t kMaxGuestKernelLines = 4000;
inline constexpr size_t kMaxGuestKernelLineBytes = 4096;
// An agent's error message.
inline constexpr size_t kMaxGuestErrorBytes = 64u << 10;
// Everything the host keeps of what the guest sent, in bytes of the lines
// it came in: with the bounds above, what caps report.json. A run of 1000
// execs sends ~330 KB.
inline constexpr size_t kMaxGuestChannelBytes = 256u << 20;

struct ChannelLimits {
  size_t exec_events = kMaxGuestExecEvents;
  size_t other_events = kMaxGuestOtherEvents;
  size_t kernel_lines = kMaxGuestKernelLines;
  size_t total_bytes = kMaxGuestChannelBytes;
};

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

// What the host makes of the lines that come from its guest, one at a
// time: a line carrying this run's marker is a message; events go into
// the run record (and to the observer) as they arrive, kernel messages
// into its kernel log, the final record and an agent's error into the
// record. take() says which messages steer the VM's life: only the first
// "ready" starts the run's deadline (a guest repeating it must not keep
// the host waiting). A malformed message or one past the bounds above is
// a guest error in the record, never an exception: a kernel line or an
// error message is cut to its bound, only the first record is taken, and
// past total_bytes nothing more is kept.
class ChannelReceiver {
 public:
  enum class Step {
    none,   // nothing for the caller to do
    ready,  // the agent is up: the run's deadline starts now
    end,    // the agent is done; nothing follows
  };
  ChannelReceiver(std::string marker, RunRecord& rec, const RunObserver& obs, ChannelLimits limits = {});
  Step take(std::string_view line);
  bool got_record() const { return got_record_; }
  unsigned long record_execs() const { return record_execs_; }
  // Records a guest error (the first error of a run is the one it keeps).
  void guest_error(const std::string& what);

 private:
  Step handle(const nlohmann::json& msg);
  void on_event(const nlohmann::json& ev);
  std::string marker_;
  RunRecord& rec_;
  const RunObserver& obs_;
  ChannelLimits limits_;
  bool ready_ = false;
  bool got_record_ = false;
  unsigned long record_execs_ = 0;
  unsigned long kernel_lines_dropped_ = 0;
  size_t bytes_kept_ = 0;
  bool over_total_ = false;
};

// The value of `key=` in a kernel command line.
std::optional<std::string> cmdline_value(std::string_view cmdline, std::string_view key);

}  // namespace harness
