// What the security itests share: another local user (`nobody`) and the
// shared folder (sticky and world-writable, like /tmp) they plant things
// in, and a scenario that needs nothing. Header-only, like itest_support.h.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "itests/itest_support.h"

namespace harness::itest {

inline constexpr uid_t kNobody = 65534;

inline fs::path write_scenario_file(const fs::path& dir, const nlohmann::json& s) {
  fs::path p = dir / (s.at("name").get<std::string>() + ".json");
  std::ofstream(p) << s.dump(2) << "\n";
  return p;
}

// A scenario that needs nothing but a few execs of /bin/true, with a fault
// that does nothing (a verdict needs every fault to act), run to its end.
inline nlohmann::json quick_scenario(const std::string& name) {
  using nlohmann::json;
  return {{"name", name},
          {"timeout_s", 60},
          {"early_stop", false},
          {"workload", {{"argv", {"/bin/true"}}, {"iterations", 3}}},
          {"faults", json::array({{{"name", "idle"},
                                   {"schedule", {{"kind", "once"}}},
                                   {"actions", json::array({{{"action", "sleep"}, {"ms", 1}}})}}})},
          {"expect", json::array({{{"classes", {"ok"}}, {"at_least", 1}}})}};
}

// chown -R, without following links.
inline void chown_tree(const fs::path& p, uid_t uid) {
  ASSERT_EQ(lchown(p.c_str(), uid, uid), 0) << p;
  if (fs::is_directory(fs::symlink_status(p)))
    for (const auto& e : fs::directory_iterator(p)) chown_tree(e.path(), uid);
}

inline fs::path shared_folder(const TempDir& tmp) {
  fs::path shared = tmp.path() / "shared";
  fs::create_directories(shared);
  chmod(shared.c_str(), 01777);  // like /tmp
  return shared;
}

}  // namespace harness::itest
