#include "core/host_path_policy.h"

#include <sys/stat.h>

#include <fmt/format.h>

namespace harness {

namespace fs = std::filesystem;

namespace {

// Where `p` really leads: absolute, "..", and every link resolved (a
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

bool beneath_any(const fs::path& p, const std::vector<fs::path>& dirs) {
  for (const auto& d : dirs)
    if (beneath(p, real(d))) return true;
  return false;
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
  const fs::path r = real(p);
  if (r.empty()) return fmt::format("{} cannot be resolved", p.string());
  // A scenario in / would make the whole machine its folder.
  const fs::path own = real(scenario_dir);
  if ((own != "/" && beneath(r, own)) || beneath_any(r, allowed_)) return std::nullopt;
  // An executable there, as a program or as an image's file (the shipped
  // scenarios copy /bin/sleep into theirs).
  if (use != HostUse::library && beneath_any(r, standard_program_dirs()) && public_file(r, true)) return std::nullopt;
  if (use != HostUse::data && beneath_any(r, library_dirs_) && public_file(r, use == HostUse::program))
    return std::nullopt;
  const std::string where = r == p.lexically_normal() ? p.string() : fmt::format("{} (which leads to {})", p.string(), r.string());
  return fmt::format("{} is not the scenario's to name under --untrusted: a scenario may name files beneath its own "
                     "folder ({}) and the folders the operator allows with --allow-host-path ({}){}; copy it beneath "
                     "the scenario's folder, or allow its folder with --allow-host-path",
                     where, scenario_dir.string(), dirs_text(allowed_),
                     use == HostUse::library ? "" : ", and programs everyone may run in /usr/bin, /bin, /usr/sbin, /sbin");
}

}  // namespace harness
