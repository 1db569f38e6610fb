#include "core/missing_command.h"

#include <cerrno>
#include <fmt/format.h>
#include <set>
#include <sstream>

#include "base/error.h"

namespace harness {

namespace {

// Only the end of a long stderr: the command stopped at what it lacked.
constexpr size_t kTailLines = 40;

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// 'rsync', "rsync", `rsync', ‘rsync’ -> rsync
std::string unquote(std::string s) {
  for (std::string_view q : {"\u2018", "\u2019", "'", "\"", "`"}) {
    if (s.size() >= q.size() && s.compare(0, q.size(), q) == 0) s.erase(0, q.size());
    if (s.size() >= q.size() && s.compare(s.size() - q.size(), q.size(), q) == 0) s.erase(s.size() - q.size());
  }
  return s;
}

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> out;
  for (size_t b = 0;;) {
    size_t e = line.find(": ", b);
    out.push_back(trim(line.substr(b, e == std::string::npos ? std::string::npos : e - b)));
    if (e == std::string::npos) return out;
    b = e + 2;
  }
}

bool is_path(const std::string& s) { return s.find('/') != std::string::npos; }

bool plausible(const std::string& s) {
  return !s.empty() && s.find_first_of(" \t") == std::string::npos && s.size() < 4096;
}

std::string basename_of(const std::string& p) {
  size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

}  // namespace

CommandProbe CommandProbe::real() {
  CommandProbe p;
  p.program = lookup_program;
  p.interpreter = [](const std::string& file) -> std::optional<std::string> {
    auto words = shebang_words(file);
    if (words.empty()) return std::nullopt;
    // "#!/usr/bin/env python3": the program env looks for is the one that matters.
    if (basename_of(words[0]) == "env")
      for (size_t i = 1; i < words.size(); ++i)
        if (words[i].front() != '-') return words[i];
    return words[0];
  };
  return p;
}

std::vector<std::string> missing_candidates(std::string_view stderr_text) {
  std::vector<std::string> lines;
  std::istringstream in{std::string(stderr_text)};
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  if (lines.size() > kTailLines) lines.erase(lines.begin(), lines.end() - kTailLines);
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](std::string c) {
    c = unquote(c);
    if (plausible(c) && seen.insert(c).second) out.push_back(c);
  };
  for (const auto& line : lines) {
    std::vector<std::string> f = split_fields(line);
    const bool env = !f.empty() && basename_of(f[0]) == "env";
    for (size_t i = 0; i + 1 < f.size(); ++i) {
      const std::string& next = f[i + 1];
      if (f[i].rfind("cannot open ", 0) == 0) add(f[i].substr(12));  // dash: "cannot open x.sh: No such file"
      if (next == "not found" || next == "command not found") add(f[i]);
      // A bare name with these is only a program after env; otherwise it
      // is likely a data file the command could not open.
      else if ((next == "No such file or directory" || next == "Permission denied" || next == "bad interpreter" ||
                next.rfind("cannot execute", 0) == 0) &&
               (is_path(unquote(f[i])) || (env && i == 1)))
        add(f[i]);
    }
  }
  return out;
}

std::vector<MissingPiece> find_missing(int exit_code, const std::vector<std::string>& argv,
                                       std::string_view stderr_text, const CommandProbe& probe) {
  std::vector<MissingPiece> out;
  if ((exit_code != 126 && exit_code != 127) || argv.empty()) return out;
  std::set<std::string> seen;
  // `strict`: any reason it cannot run counts (the command's own program);
  // otherwise only "missing", or with 126 (found, not runnable) also that.
  auto check = [&](const std::string& name, bool strict) -> std::optional<ProgramLookup> {
    if (!seen.insert(name).second) return std::nullopt;
    ProgramLookup l = probe.program(name);
    bool absent = l.err == ENOENT || l.err == ENOTDIR;
    if (!l.found() && (strict || absent || exit_code == 126)) out.push_back({name, l.err});
    return l;
  };
  if (auto l = check(argv[0], true); l && l->found())
    if (auto interp = probe.interpreter(l->path.string())) check(*interp, true);
  for (const auto& c : missing_candidates(stderr_text))
    if (!is_path(c) || c.front() == '/') check(c, false);
  return out;
}

std::string missing_message(const std::vector<MissingPiece>& missing, MissingWhere where) {
  if (missing.empty()) return "";
  const bool guest = where == MissingWhere::guest;
  std::vector<std::string> absent, other;
  for (const auto& m : missing) {
    if (m.err == ENOENT || m.err == ENOTDIR) absent.push_back(m.name);
    else other.push_back(fmt::format("{} cannot be executed{} ({})", m.name, guest ? " in the guest" : "", errno_name(m.err)));
  }
  std::vector<std::string> parts;
  if (!absent.empty()) {
    const bool one = absent.size() == 1;
    std::string names = fmt::format("{}", fmt::join(absent, ", "));
    if (guest) {
      std::string flags;
      for (const auto& a : absent) flags += " --program " + a;
      parts.push_back(fmt::format("{} {} not in the guest: add {} to the scenario's \"programs\" (harness matrix:{})",
                                  names, one ? "is" : "are", one ? "it" : "them", flags));
    } else {
      parts.push_back(fmt::format("{} {} not found on this machine (PATH {}): install {}, or give {} path", names,
                                  one ? "was" : "were", std::getenv("PATH") ? std::getenv("PATH") : "unset",
                                  one ? "it" : "them", one ? "its" : "their"));
    }
  }
  parts.insert(parts.end(), other.begin(), other.end());
  return fmt::format("{}", fmt::join(parts, "; "));
}

}  // namespace harness
