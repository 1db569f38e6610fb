// A shard's matrix.json or ablation.json, read for `harness merge`: the
// shards may sit in a folder other users can write to (a shared CI
// workspace), so the file is read as report.json is (report/report_load.h):
// no link followed, regular files only, at most kMaxReportBytes.
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

namespace harness {

// The JSON object in `file`; `what` names it in errors ("matrix.json").
// Throws Error (invalid_scenario) for a link, a FIFO, a device, a file too
// large, or anything but a JSON object.
nlohmann::json read_shard_file(const std::filesystem::path& file, const char* what);

}  // namespace harness
