// PowerCutRecord: what a power cut's record (RunRecord::power_cut, written
// by host/power_cut.h) means for the verdict. Per crash point after the
// setup's install was durable, what the folder held:
//   old      the version durable since the setup (v1 in the matrix);
//   new      another complete known version, its sidecars agreeing;
//   nothing  neither the path nor its sidecars exist, and the setup's
//            durable state had nothing there either (it installed nothing);
//   broken   anything else: torn, a sidecar that disagrees, gone once the
//            old version was durable (e2fsck's repair may have deleted it),
//            a filesystem that cannot be read.
// A crash point's own "holds" is its paths' if they agree, "broken" if any
// is, else "mixed".
// A power cut is exercised only when some judged crash point held the old
// version: a crash state could then show the old version torn by the new
// one. Pure logic over the record.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/installed_state.h"
#include "core/run_record.h"
#include "core/scenario.h"

namespace harness {

enum class CutHolds { old_version, new_version, nothing, broken };
std::string_view to_string(CutHolds h);

// A crash point's "holds" from its checks [{"holds"}]: theirs if they
// agree, "broken" if any is, else "mixed"; "nothing" when there are none.
std::string point_holds(const nlohmann::json& checks);

// The `installed` expectation `e` checked at every crash point of each
// power cut whose paths include it: fails when one broke it (naming the
// first), undecided when its log could not be judged, had no crash
// point, or some points were not judged (the time budget was spent:
// "not_judged"), else `c` as it was, saying so. Returns how many crash points it
// was checked at.
unsigned power_cut_check(const Expectation& e, const RunRecord& r, InstalledCheck& c);

// Why the power cut `pc` (one RunRecord::power_cut element) was not
// exercised, with what to change: no judged crash point held the old
// version. Nothing when one did, when one broke the installed path (the
// failure is the finding), or when the log could not be judged (the
// expectation is undecided already).
std::optional<std::string> power_cut_not_exercised(const nlohmann::json& pc);

}  // namespace harness
