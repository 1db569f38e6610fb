// ProgramLookup: where the program of a command is, or exactly why it
// cannot be executed -- the errno execve(2) would give and what that means
// for this path. One answer for validation (the programs a scenario
// names), for the helpers that start them, and for every message about a
// missing program, so an absolute path is never called "not found in PATH".
#pragma once

#include <filesystem>
#include <string>

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

}  // namespace harness
