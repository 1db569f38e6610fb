// ProgramLookup: where the program of a command is, or exactly why it
// cannot be executed -- the errno execve(2) would give and what that means
// for this path. One answer for validation (the programs a scenario
// names), for the helpers that start them, and for every message about a
// missing program, so an absolute path is never called "not found in PATH".
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace harness {

struct ProgramLookup {
  std::filesystem::path path;  // where it is, when found
  int err = 0;                 // 0, or ENOENT / EACCES / ENOEXEC
  // When not found: "/x/install.sh does not exist (ENOENT)", "foo was not
  // found in PATH (/usr/bin:/bin) (ENOENT)", "... is not executable (EACCES) ...".
  std::string why;
  bool found() const { return err == 0; }
};

// A name with a '/' is that file (relative to the current directory); a
// bare name is looked for in PATH (its empty entries, the current
// directory, never), then in /usr/sbin and /sbin (root's PATH may lack
// them; mkfs lives there). A file that exists must be a regular,
// executable file that the kernel can run: an ELF binary or a script
// starting with "#!" (unless binfmt_misc registers other formats).
ProgramLookup lookup_program(const std::string& name);

// A scenario's "programs" entry: a bare name as lookup_program(); a path
// need only be a regular file (a script run through its interpreter, or
// one a script sources).
ProgramLookup lookup_declared(const std::string& name);

// The words of a script's "#!" line ("/usr/bin/env", "python3"); empty if
// the file cannot be read or does not start with "#!". The kernel reads at
// most the first 256 bytes of it.
std::vector<std::string> shebang_words(const std::filesystem::path& file);

// The script a command hands to its interpreter: argv[1] of
// `sh install.sh`, `python3 x.py`; nullopt when argv[0] is not a known
// interpreter (sh, bash, dash, busybox, python3, python, perl) or argv[1]
// is an option (`sh -c '...'`).
std::optional<std::string> interpreted_script(const std::vector<std::string>& argv);

}  // namespace harness
