// The page-cache chart of the HTML report: each sampled file's resident
// pages as a share of the file over time, a line per file, with its legend.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace harness {

std::string page_cache_svg(const nlohmann::json& report);

}  // namespace harness
