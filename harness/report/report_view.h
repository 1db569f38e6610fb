// ReportView: read-only, forgiving access to a report.json document for the
// renderers (markdown, HTML, JUnit, compare). A report may come from an
// older or newer harness, or lack the optional evidence keys; a renderer
// must then show what is there, never throw. So every accessor takes a
// default for a key that is absent, null or of another type. It also holds
// the facts every rendering states in the same words: the "what happened"
// paragraph, the statistics sentence, the fault-action table rows.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

// Tolerant getters: absent, null or wrongly typed -> the default.
std::string str_or(const nlohmann::json& j, std::string_view key, std::string def = "");
double num_or(const nlohmann::json& j, std::string_view key, double def = 0);
unsigned long long count_or(const nlohmann::json& j, std::string_view key, unsigned long long def = 0);
bool bool_or(const nlohmann::json& j, std::string_view key, bool def = false);
// A static empty array/object when the key is absent or of another type.
const nlohmann::json& array_or_empty(const nlohmann::json& j, std::string_view key);
const nlohmann::json& object_or_empty(const nlohmann::json& j, std::string_view key);
// A scalar as text: strings as they are, numbers without trailing noise,
// booleans as yes/no, null as "", anything else as compact JSON.
std::string scalar_text(const nlohmann::json& v);

// The environment table, key then value: the well-known keys first in a
// fixed order (backend, accelerator and why, sizing...), then the rest,
// then the run's id, start, directory and duration.
std::vector<std::pair<std::string, std::string>> environment_rows(const nlohmann::json& report);

// The run's images (name, path, size, fs) and mounts (image, mountpoint,
// options, loop device, backing inode, backing dev) as table rows, for
// every renderer; each list starts with its header row.
std::vector<std::vector<std::string>> image_rows(const nlohmann::json& report);
std::vector<std::vector<std::string>> mount_rows(const nlohmann::json& report);
// What the run's actions left running until the faults ended, killed then
// (report.json's "survivors"): pid, command, where it came from, when.
std::vector<std::vector<std::string>> survivor_rows(const nlohmann::json& report);

// The time prefix of one kernel_log line: its time on the run's clock and,
// when recorded, the kernel's own timestamp as dmesg prints it:
// "[   1234.5 ms] [   12.345678] ".
std::string kernel_log_prefix(const nlohmann::json& line);

// ASCII upper case ("PASS" in headings).
std::string upper(std::string s);

// "0.8 ms", "812 ms", "3.30 s", "2 min 5 s".
std::string format_ms(double ms);
// "10.0 MiB (10485760 bytes)" style, short: "10.0 MiB".
std::string format_bytes(double bytes);

// Exec classes in the contract's order, then any class the report has that
// this harness does not know (so a newer report still renders all counts).
std::vector<std::string> exec_class_names(const nlohmann::json& report);
// is_crash() of exec_class.h, for a class named in a report.
bool is_crash_class(std::string_view cls);
// An expectation's state as reports print it: "held", "FAILED" or
// "undecided" (a report from before format 2 has only "held").
std::string expectation_state(const nlohmann::json& expectation);

// All events of one type ("exec", "fault", "phase"), in report order.
std::vector<const nlohmann::json*> events_of(const nlohmann::json& report, std::string_view type);
// Run duration in ms: run.duration_ms, or the last event time if absent.
double run_duration_ms(const nlohmann::json& report);

// One row of the fault-action table: a (fault, action, label) with how
// often it fired and how its firings ended.
struct FaultActionRow {
  std::string fault, action, label;
  unsigned long fires = 0;
  std::vector<std::pair<std::string, unsigned long>> outcomes;  // first seen first
  double first_ms = 0, last_ms = 0;                              // first start, last end
};
std::vector<FaultActionRow> fault_action_rows(const nlohmann::json& report);
// "ok x785, EPERM x1"
std::string outcomes_text(const FaultActionRow& row);

// A few sentences from the data: which fault wrote which image, how many
// crashes followed and how soon after the first write; plain text.
std::string what_happened(const nlohmann::json& report);
// "crash probability < 0.000998 at 95% (Clopper–Pearson one-sided, 3000
// execs)" for zero abnormal, otherwise the rate with its 95% interval.
std::string statistics_sentence(const nlohmann::json& report);
// The terse form for terminals, from a "statistics" object:
// "0 abnormal in 600 execs under fault: crash probability < 0.00498" +
// bound_note, or "9 abnormal in 100 execs under fault = 0.09 (95% CI
// 0.0419..0.164)"; empty when nothing ran under fault.
std::string statistics_phrase(const nlohmann::json& statistics, std::string_view bound_note);

// When a snapshot of an image was taken, against the scenario's actions,
// so that a digest is read for the moment it describes: "at 5.23 s, while
// fault "redeploy" #17 (run "install-in-place.sh") was running" or "at
// 5.23 s, with no action running (the last, "redeploy" #16, ended at
// 5.10 s)".
std::string snapshot_moment(const nlohmann::json& report, const nlohmann::json& snapshot);

// A page-cache sample's resident share of the file, in [0, 1]. The
// resident pages and the file's size are read a moment apart; while a
// writer grows or truncates the file the count can exceed the size it had.
// Such a sample is clamped to 100% and *clamped set.
double residency_fraction(const nlohmann::json& sample, bool* clamped = nullptr);
// Said under every residency table or chart that clamped a sample.
inline constexpr const char* kResidencyClampNote =
    "The resident pages and the file's size are read a moment apart, so while a writer changes the file a sample "
    "can count more pages than the size had; such samples are shown as 100%.";

}  // namespace harness
