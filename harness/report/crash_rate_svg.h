// The crash-rate chart of the HTML report: per time window (kCrashRateWindows
// of them), the share of the execs started in it that ended abnormally,
// stacked by exec class, on the time axis every chart shares.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace harness {

std::string crash_rate_svg(const nlohmann::json& report);

}  // namespace harness
