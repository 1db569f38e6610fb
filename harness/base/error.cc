#include "base/error.h"

#include <cstring>
#include <fmt/format.h>

namespace harness {

ScenarioError::ScenarioError(std::string file, int line, int col, std::string json_path,
                             std::string message)
    : Error(ErrorKind::invalid_scenario,
            fmt::format("{}:{}:{}: {}: {}", file, line, col, json_path, message)),
      file_(std::move(file)),
      line_(line),
      col_(col),
      json_path_(std::move(json_path)),
      message_(std::move(message)) {}

std::string errno_name(int err) {
  const char* name = strerrorname_np(err);
  return name ? std::string(name) : fmt::format("errno {}", err);
}

std::string errno_message(const std::string& what, int err) {
  return fmt::format("{}: {} ({})", what, std::strerror(err), errno_name(err));
}

}  // namespace harness
