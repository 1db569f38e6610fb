#include "core/host_path_policy.h"

#include <sys/stat.h>

#include <fmt/format.h>

#include "base/private_dir.h"

namespace harness {

namespace fs = std::filesystem;

namespace {

// Where a folder really is: absolute, "..", and every link resolved (a
// missing tail kept lexically). Empty when it cannot be resolved.
fs::path real(const fs::path& p) {
  std::error_code ec;
  fs::path r = fs::weakly_canonical(fs::absolute(p, ec), ec);
  return ec ? fs::path() : r.lexically_normal();
}

bool beneath(const fs::path& p, const fs::path& dir) {
  if (p.empty() || dir.empty()) return false;
  auto rel = p.lexically_relative(dir);
  return !rel.empty() && *rel.begin() != "..";
}

// Why a folder with this stat is one another user may add names to, or
// nullopt (its owner is judged by why_path_could_change).
std::optional<std::string> why_not_writable_by_others(const struct stat& st) {
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return fmt::format("writable by its group or by others (mode {:o})", st.st_mode & 07777);
  return std::nullopt;
}

// A regular file everyone may read (and, for a program, execute): what a
// system folder holds for all. A root-only file there (0600) is refused.
bool public_file(const fs::path& p, bool executable) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || !(st.st_mode & S_IROTH)) return false;
  return !executable || (st.st_mode & S_IXOTH);
}

std::string dirs_text(const std::vector<fs::path>& dirs) {
  std::string out;
  for (const auto& d : dirs) out += (out.empty() ? "" : ", ") + d.string();
  return out.empty() ? "none" : out;
}

}  // namespace

const std::vector<fs::path>& standard_program_dirs() {
  static const std::vector<fs::path> dirs{"/usr/bin", "/bin", "/usr/sbin", "/sbin"};
  return dirs;
}

HostPathPolicy::HostPathPolicy(std::vector<fs::path> allowed, std::vector<fs::path> library_dirs)
    : allowed_(std::move(allowed)), library_dirs_(std::move(library_dirs)) {
  for (auto& d : allowed_) d = fs::absolute(d).lexically_normal();
}

HostPathPolicy HostPathPolicy::also_allowing(const fs::path& dir) const {
  std::vector<fs::path> allowed = allowed_;
  allowed.push_back(dir);
  return HostPathPolicy(allowed, library_dirs_);
}

std::optional<std::string> HostPathPolicy::refusal(const fs::path& p, HostUse use, const fs::path& scenario_dir) const {
  const fs::path a = fs::absolute(p).lexically_normal();
  const fs::path own_lexical = fs::absolute(scenario_dir).lexically_normal();
  const fs::path own = real(scenario_dir);
  // A scenario in / would make the whole machine its folder.
  auto in_own = [&](const fs::path& x, const fs::path& base) { return base != "/" && beneath(x, base); };
  auto in_system = [&](const fs::path& x, bool resolved) {
    auto in = [&](const std::vector<fs::path>& dirs) {
      for (const auto& d : dirs)
        if (beneath(x, resolved ? real(d) : d)) return true;
      return false;
    };
    return (use != HostUse::library && in(standard_program_dirs())) || (use != HostUse::data && in(library_dirs_));
  };
  auto in_allowed = [&](const fs::path& x, bool resolved) {
    for (const auto& d : allowed_)
      if (beneath(x, resolved ? real(d) : d)) return true;
    return false;
  };
  // Judged by its name first, before anything is looked up: the answer
  // for a path outside the folders it may name says nothing of whether
  // that path exists.
  if (!in_own(a, own_lexical) && !in_own(a, own) && !in_allowed(a, false) && !in_allowed(a, true) &&
      !in_system(a, false) && !in_system(a, true))
    return refused(a.string(), use, scenario_dir);
  // Then by what it leads to, every link resolved: a link that leads
  // nowhere (yet) is refused, its target is for someone to make later.
  std::error_code ec;
  const fs::path r = fs::canonical(a, ec);
  if (ec) return fmt::format("{} does not exist, or is a link that leads nowhere", p.string());
  if (auto why = why_path_could_change(a))
    return fmt::format("{} could be made to lead elsewhere by a user we do not trust ({}); keep the scenario's "
                       "files in folders only root (or you) can write in",
                       p.string(), *why);
  if (in_own(r, own) || in_allowed(r, true)) {
    // The folder a scenario names its files from is the scenario's, and
    // nobody else's to add names to: a link it does not hold yet, a file a
    // later run would bring in.
    const fs::path base = in_own(r, own) ? own : fs::path();
    for (const auto& d : base.empty() ? allowed_ : std::vector<fs::path>{base}) {
      struct stat st {};
      if (!beneath(r, real(d)) || ::stat(d.c_str(), &st) != 0) continue;
      if (auto why = why_not_writable_by_others(st))
        return fmt::format("{}: its folder {} is {}: another user could add files to it; keep the scenario's files in "
                           "a folder only root (or you) can write in",
                           p.string(), d.string(), *why);
    }
    return std::nullopt;
  }
  if (in_system(r, true) && public_file(r, use == HostUse::program || use == HostUse::data)) return std::nullopt;
  return refused(a.string(), use, scenario_dir);
}

std::string HostPathPolicy::refused(const std::string& shown, HostUse use, const fs::path& scenario_dir) const {
  return fmt::format("{} is not the scenario's to name under --untrusted: a scenario may name files beneath its own "
                     "folder ({}) and the folders the operator allows with --allow-host-path ({}){}; copy it beneath "
                     "the scenario's folder, or allow its folder with --allow-host-path",
                     shown, scenario_dir.string(), dirs_text(allowed_),
                     use == HostUse::library ? "" : ", and programs everyone may run in /usr/bin, /bin, /usr/sbin, /sbin");
}

}  // namespace harness
