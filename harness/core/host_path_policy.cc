#include "core/host_path_policy.h"

#include <sys/stat.h>

#include <algorithm>

#include <fmt/format.h>

#include "base/error.h"
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
  if (executable && !(st.st_mode & S_IXOTH)) return false;
  // Everyone reaches it too: a 0644 file in a 0700 folder is not public.
  for (fs::path d = p.parent_path();; d = d.parent_path()) {
    if (::stat(d.c_str(), &st) != 0 || !(st.st_mode & S_IXOTH)) return false;
    if (d == d.root_path()) return true;
  }
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
  // Where each folder leads, once: a folder is not looked up again for
  // every name a walk visits.
  for (const auto& d : allowed_) allowed_real_.push_back(real(d));
  for (const auto& d : standard_program_dirs()) standard_real_.push_back(real(d));
  for (const auto& d : library_dirs_) library_real_.push_back(real(d));
}

HostPathPolicy HostPathPolicy::also_allowing(const fs::path& dir) const {
  if (fs::absolute(dir).lexically_normal() == "/" || real(dir) == "/")
    throw Error(ErrorKind::usage, "/ cannot be a folder the scenario may name files from: it is the whole machine");
  std::vector<fs::path> allowed = allowed_;
  allowed.push_back(dir);
  return HostPathPolicy(allowed, library_dirs_);
}

std::optional<std::string> HostPathPolicy::refusal(const fs::path& p, HostUse use, const fs::path& scenario_dir,
                                                   bool* missing_in_own) const {
  Answer a = judge_path(p, use, scenario_dir);
  if (missing_in_own) *missing_in_own = a.missing_in_own;
  return a.why;
}

HostPathPolicy::Answer HostPathPolicy::judge_path(const fs::path& p, HostUse use, const fs::path& scenario_dir) const {
  if (++spent_ > kMaxScenarioCost)
    return {fmt::format("{} was not judged: this scenario's host paths took more than {} steps to judge (links, run "
                        "paths); name fewer files",
                        p.string(), kMaxScenarioCost),
            false};
  const fs::path abs = fs::absolute(p);
  // A ".." is resolved by the kernel after the link before it, and by a
  // name's text before it: the path judged would not be the path opened.
  for (const auto& part : abs)
    if (part == "..")
      return {fmt::format("{} names \"..\": under --untrusted a host file is named by its own path", p.string()), false};
  const fs::path a = abs.lexically_normal();
  const fs::path own = own_real(scenario_dir);
  // Judged by its name first, before anything is looked up: the answer
  // for a path outside the folders it may name says nothing of whether
  // that path exists.
  if (refusal_by_name(a, use, scenario_dir)) return {refused(a.string(), use, scenario_dir), false};
  // Then by what it leads to, resolved one name at a time as the kernel
  // does, each place judged by its name before it is looked at: a path
  // that leads out of those folders, or nowhere out of them (a link whose
  // target someone may make later), gets the same answer whether what it
  // leads to exists. No one we do not trust may change where it leads.
  Walked w = walk(a, use, scenario_dir);
  if (w.outside) return {refused(a.string(), use, scenario_dir), false};
  if (w.changeable)
    return {fmt::format("{} could be made to lead elsewhere by a user we do not trust (a folder on its way is "
                        "another user's, or writable by others); keep the scenario's files in folders only root (or "
                        "you) can write in",
                        p.string()),
            false};
  if (w.missing) {
    if (own != "/" && beneath(w.resolved, own))
      return {fmt::format("{} does not exist beneath the scenario's folder", p.string()), true};
    return {refused(a.string(), use, scenario_dir), false};
  }
  const fs::path r = w.resolved;
  const bool own_file = own != "/" && beneath(r, own);
  if (!own_file && !in_allowed(r, true) &&
      !(in_system(r, use, true) && public_file(r, use == HostUse::program || use == HostUse::data)))
    return {refused(a.string(), use, scenario_dir), false};
  if (own_file || in_allowed(r, true)) {
    // Beneath the scenario's folder (or an allowed one) everything is the
    // scenario's, and nobody else's to add names or hard links to (a file
    // a later run would bring in, a link to a root-only file); no hidden
    // file either (a checkout's .git/config holds a CI token).
    fs::path base = own_file ? own : fs::path();
    if (base.empty())
      for (const auto& d : allowed_real_)
        if (beneath(r, d)) base = d;
    for (fs::path d = base;; ) {
      struct stat st {};
      if (::stat(d.c_str(), &st) != 0) return {fmt::format("{}: cannot stat {}", p.string(), d.string()), false};
      if (auto why = why_not_writable_by_others(st))
        return {fmt::format("{}: the folder {} is {}: another user could add files to it; keep the scenario's "
                            "files in folders only root (or you) can write in",
                            p.string(), d.string(), *why),
                false};
      const fs::path rest = r.lexically_relative(d);
      if (rest.empty() || rest == ".") break;
      const fs::path next = d / *rest.begin();
      if (next.filename().string().front() == '.')
        return {fmt::format("{}: {} is hidden (a name starting with \".\"): not the scenario's to name under "
                            "--untrusted",
                            p.string(), next.string()),
                false};
      if (next == r) {
        if (::stat(r.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink > 1)
          return {fmt::format("{} has {} hard links: another name of it may be a file the scenario must not name",
                              p.string(), st.st_nlink),
                  false};
        break;
      }
      d = next;
    }
  }
  return {std::nullopt, false};
}

std::optional<std::string> HostPathPolicy::refusal_by_name(const fs::path& p, HostUse use,
                                                           const fs::path& scenario_dir) const {
  const fs::path a = fs::absolute(p).lexically_normal();
  const fs::path own_lexical = fs::absolute(scenario_dir).lexically_normal();
  const fs::path own = own_real(scenario_dir);
  // A scenario in / would make the whole machine its folder.
  auto in_own = [&](const fs::path& base) { return base != "/" && beneath(a, base); };
  if (in_own(own_lexical) || in_own(own) || in_allowed(a, false) || in_allowed(a, true) || in_system(a, use, false) ||
      in_system(a, use, true))
    return std::nullopt;
  return refused(a.string(), use, scenario_dir);
}

bool HostPathPolicy::in_allowed(const fs::path& x, bool resolved) const {
  const auto& dirs = resolved ? allowed_real_ : allowed_;
  for (const auto& d : dirs)
    if (d != "/" && beneath(x, d)) return true;
  return false;
}

fs::path HostPathPolicy::own_real(const fs::path& scenario_dir) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = own_real_.find(scenario_dir.string());
  if (it == own_real_.end()) it = own_real_.emplace(scenario_dir.string(), real(scenario_dir)).first;
  return it->second;
}

// May the walk look at `x` (real: every link before it resolved)? Beneath
// a folder the path may be named from, or on the way down to one.
bool HostPathPolicy::may_visit(const fs::path& x, HostUse use, const fs::path& scenario_dir) const {
  auto on_way = [&](const fs::path& area) {
    return !area.empty() && area != "/" && (beneath(x, area) || beneath(area, x) || x == area);
  };
  auto any = [&](const std::vector<fs::path>& dirs) {
    for (const auto& d : dirs)
      if (on_way(d)) return true;
    return false;
  };
  if (on_way(fs::absolute(scenario_dir).lexically_normal()) || on_way(own_real(scenario_dir))) return true;
  if (any(allowed_) || any(allowed_real_)) return true;
  if (use != HostUse::library && (any(standard_program_dirs()) || any(standard_real_))) return true;
  return use != HostUse::data && (any(library_dirs_) || any(library_real_));
}

HostPathPolicy::Walked HostPathPolicy::walk(const fs::path& a, HostUse use, const fs::path& scenario_dir) const {
  Walked w;
  std::vector<fs::path> todo(std::next(a.begin()), a.end());
  std::reverse(todo.begin(), todo.end());  // a stack: the next name last
  fs::path dir = "/";
  struct stat dir_st {};
  if (::lstat("/", &dir_st) != 0) {
    w.missing = true;
    return w;
  }
  for (int links = 0, names = 0; !todo.empty();) {
    // A bounded walk, and a bounded total for all of a scenario's paths:
    // a chain of links full of "d/../" costs no more than this.
    if (++names > kMaxWalkNames || ++spent_ > kMaxScenarioCost) {
      w.outside = true;
      return w;
    }
    const fs::path name = todo.back();
    todo.pop_back();
    if (name.empty() || name == ".") continue;
    if (name == "..") {
      dir = dir.parent_path();
      if (::lstat(dir.c_str(), &dir_st) != 0) {
        w.missing = true;
        w.resolved = dir;
        return w;
      }
      continue;
    }
    const fs::path cur = dir / name;
    if (!may_visit(cur, use, scenario_dir)) {
      w.outside = true;
      return w;
    }
    struct stat st {};
    if (::lstat(cur.c_str(), &st) != 0) {
      w.missing = true;
      w.resolved = cur;
      return w;
    }
    // Where it leads must be for no one else to change before it is read.
    if (why_entry_could_change(dir_st, st)) w.changeable = true;
    if (S_ISLNK(st.st_mode)) {
      std::error_code ec;
      const fs::path target = fs::read_symlink(cur, ec);
      if (ec || ++links > 40) {
        w.missing = true;
        w.resolved = cur;
        return w;
      }
      if (target.is_absolute()) {
        dir = "/";
        ::lstat("/", &dir_st);
      }
      std::vector<fs::path> parts(target.begin(), target.end());
      for (auto it = parts.rbegin(); it != parts.rend(); ++it)
        if (*it != "/") todo.push_back(*it);
      continue;
    }
    if (!todo.empty() && !S_ISDIR(st.st_mode)) {
      w.missing = true;
      w.resolved = cur;
      return w;
    }
    dir = cur;
    dir_st = st;
  }
  w.resolved = dir;
  return w;
}

bool HostPathPolicy::in_system(const fs::path& x, HostUse use, bool resolved) const {
  auto in = [&](const std::vector<fs::path>& dirs) {
    for (const auto& d : dirs)
      if (beneath(x, d)) return true;
    return false;
  };
  return (use != HostUse::library && in(resolved ? standard_real_ : standard_program_dirs())) ||
         (use != HostUse::data && in(resolved ? library_real_ : library_dirs_));
}

std::string HostPathPolicy::refused(const std::string& shown, HostUse use, const fs::path& scenario_dir) const {
  return fmt::format("{} is not the scenario's to name under --untrusted: a scenario may name files beneath its own "
                     "folder ({}) and the folders the operator allows with --allow-host-path ({}){}; copy it beneath "
                     "the scenario's folder, or allow its folder with --allow-host-path",
                     shown, scenario_dir.string(), dirs_text(allowed_),
                     use == HostUse::library ? "" : ", and programs everyone may run in /usr/bin, /bin, /usr/sbin, /sbin");
}

}  // namespace harness
