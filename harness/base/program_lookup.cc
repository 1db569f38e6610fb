#include "base/program_lookup.h"

#include "base/regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <set>
#include <vector>

#include "base/error.h"
#include "base/scoped_fd.h"

namespace harness {

namespace fs = std::filesystem;

namespace {

// With binfmt_misc handlers registered, files that are neither ELF nor
// "#!" may be executable (a jar, a foreign binary): then only the kernel
// can tell, so the header is not judged here.
bool binfmt_misc_registers_formats() {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc/sys/fs/binfmt_misc", ec)) {
    std::string name = e.path().filename().string();
    if (name != "register" && name != "status") return true;
  }
  return false;
}

// Why `p` (which exists) cannot be executed, or 0 with an empty reason.
std::pair<int, std::string> unusable(const std::string& shown, const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) {
    int err = errno;
    return {err, fmt::format("{} cannot be read: {}", shown, errno_message("stat", err))};
  }
  if (S_ISDIR(st.st_mode)) return {EACCES, fmt::format("{} is a directory, not a program (EACCES)", shown)};
  if (!S_ISREG(st.st_mode)) return {EACCES, fmt::format("{} is not a regular file (EACCES)", shown)};
  if (access(p.c_str(), X_OK) != 0)
    return {EACCES, fmt::format("{} is not executable (EACCES): chmod +x it, or run it through its interpreter "
                                "(\"sh\", \"{}\")",
                                shown, shown)};
  ScopedFd fd(::open(p.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd.is_open()) {
    int err = errno;
    return {err, errno_message(fmt::format("{} cannot be opened", shown), err)};
  }
  char head[4] = {};
  ssize_t n = ::read(fd.get(), head, sizeof head);
  bool elf = n == 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F';
  bool script = n >= 2 && head[0] == '#' && head[1] == '!';
  if (!elf && !script && !binfmt_misc_registers_formats())
    return {ENOEXEC, fmt::format("{} is neither an ELF binary nor a script starting with \"#!\" (ENOEXEC): the "
                                 "kernel cannot run it; add a \"#!/bin/sh\" line, or run it through its interpreter",
                                 shown)};
  return {0, ""};
}

}  // namespace

ProgramLookup lookup_program(const std::string& name) {
  ProgramLookup r;
  if (name.empty()) {
    r.err = ENOENT;
    r.why = "the program name is empty (ENOENT)";
    return r;
  }
  if (name.find('/') != std::string::npos) {
    struct stat st {};
    if (::stat(name.c_str(), &st) != 0) {
      r.err = errno;
      r.why = r.err == ENOENT || r.err == ENOTDIR ? fmt::format("{} does not exist ({})", name, errno_name(r.err))
                                                  : errno_message(fmt::format("{} cannot be reached", name), r.err);
      return r;
    }
    std::tie(r.err, r.why) = unusable(name, name);
    if (r.found()) r.path = name;
    return r;
  }
  std::vector<std::string> dirs;
  const char* env = std::getenv("PATH");
  std::string path = env ? env : "/usr/local/bin:/usr/bin:/bin";
  for (size_t b = 0; b <= path.size();) {
    size_t e = path.find(':', b);
    if (e == std::string::npos) e = path.size();
    // An empty entry would be the current directory: never searched, a
    // root tool must not run what a directory it stands in holds.
    if (e > b) dirs.push_back(path.substr(b, e - b));
    b = e + 1;
  }
  dirs.emplace_back("/usr/sbin");
  dirs.emplace_back("/sbin");
  // As execvp(3): the first usable one runs; one that cannot run is
  // passed over, but is the answer if no later one can.
  ProgramLookup first_unusable;
  for (const auto& d : dirs) {
    fs::path cand = fs::path(d) / name;
    struct stat st {};
    if (::stat(cand.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) continue;
    auto [err, why] = unusable(cand.string(), cand);
    if (err == 0) {
      r.path = cand;
      return r;
    }
    if (first_unusable.found()) first_unusable = ProgramLookup{{}, err, why};
  }
  if (!first_unusable.found()) return first_unusable;
  r.err = ENOENT;
  r.why = fmt::format("{} was not found in PATH ({}) or in /usr/sbin, /sbin (ENOENT)", name, path);
  return r;
}

ProgramLookup lookup_declared(const std::string& name) {
  if (name.find('/') == std::string::npos) return lookup_program(name);
  ProgramLookup r;
  struct stat st {};
  if (::stat(name.c_str(), &st) != 0) {
    r.err = errno;
    r.why = r.err == ENOENT || r.err == ENOTDIR ? fmt::format("{} does not exist ({})", name, errno_name(r.err))
                                                : errno_message(fmt::format("{} cannot be reached", name), r.err);
  } else if (!S_ISREG(st.st_mode)) {
    r.err = EACCES;
    r.why = fmt::format("{} is not a regular file (EACCES)", name);
  } else {
    r.path = name;
  }
  return r;
}

std::vector<std::string> shebang_words(const fs::path& file) {
  std::string head;
  try {
    head = read_regular_head(file, 256);
  } catch (const SystemError&) {
    return {};  // not a regular file we can read: no #! line to follow
  }
  if (head.rfind("#!", 0) != 0) return {};
  std::istringstream words(head.substr(2, head.find('\n') == std::string::npos ? std::string::npos : head.find('\n') - 2));
  std::vector<std::string> out;
  for (std::string w; words >> w;) out.push_back(w);
  return out;
}

std::optional<std::string> interpreted_script(const std::vector<std::string>& argv) {
  static const std::set<std::string> interpreters = {"sh", "bash", "dash", "busybox", "python3", "python", "perl"};
  if (argv.size() < 2 || !interpreters.count(fs::path(argv[0]).filename().string())) return std::nullopt;
  if (argv[1].empty() || argv[1][0] == '-') return std::nullopt;
  return argv[1];
}

}  // namespace harness
