#include "cli/shard_file.h"

#include <fmt/format.h>

#include "base/error.h"
#include "base/regular_file.h"
#include "report/report_load.h"

namespace harness {

nlohmann::json read_shard_file(const std::filesystem::path& file, const char* what) {
  std::string text;
  try {
    text = read_regular_file(file, kMaxReportBytes);
  } catch (const SystemError& e) {
    throw Error(ErrorKind::invalid_scenario, fmt::format("{}: not read as a {}: {}", file.string(), what, e.what()));
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw Error(ErrorKind::invalid_scenario, fmt::format("{}: not a {}", file.string(), what));
  return j;
}

}  // namespace harness
