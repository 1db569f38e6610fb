// The crash-rate chart of the HTML report: per time window (kCrashRateWindows
// of them), the share of the execs started in it that ended abnormally,
// stacked by exec class above a thin mark at 0%, on the time axis every
// chart shares. A window in which no exec started has no mark: it has no
// rate.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace harness {

std::string crash_rate_svg(const nlohmann::json& report);
// The note under the chart: what its colours mean and how many windows
// are empty, and why.
std::string crash_rate_note(const nlohmann::json& report);

}  // namespace harness
