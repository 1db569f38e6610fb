// doctor: can this machine run scenarios, and with which backend? Each
// check says what it found and, when something is missing, how to fix it.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace harness {

enum class CheckLevel { ok, warn, fail };

struct Check {
  std::string name;
  CheckLevel level = CheckLevel::ok;
  std::string found;  // what the check saw
  std::string fix;    // what to do, when not ok
};

// `runs_root` is where run directories (and the VM cache) go.
std::vector<Check> run_doctor(const std::filesystem::path& runs_root);
nlohmann::json checks_to_json(const std::vector<Check>& checks);
std::string checks_to_text(const std::vector<Check>& checks, bool color);
// fail when any check fails (warnings are fine).
bool checks_pass(const std::vector<Check>& checks);

}  // namespace harness
