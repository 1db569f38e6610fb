// MissingCommand: what a command that ended with exit 126 or 127 (the
// shells' "cannot execute" and "not found") lacked, said so that the user
// knows what to add. Candidates come from the command itself (its program
// and that program's #! interpreter) and from the places in its stderr
// where shells and exec wrappers name a program they could not find
// ("deploy.sh: 5: rsync: not found", "env: 'python3': No such file or
// directory"); a candidate is only reported once the machine that ran the
// command confirms it is missing there (not in its PATH, no such file, not
// executable). A name the text mentions but the machine has is never
// reported, so an installer's own wording cannot invent a missing program.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/program_lookup.h"

namespace harness {

struct MissingPiece {
  std::string name;  // "rsync", "/opt/tool/bin/x"
  int err = 0;       // ENOENT (missing), EACCES (not executable), ENOEXEC
};

// The machine the command ran on. The real one: lookup_program() in the
// current PATH, and the "#!" line of a file.
struct CommandProbe {
  std::function<ProgramLookup(const std::string&)> program;
  // The first word after "#!" of an existing file, or nullopt.
  std::function<std::optional<std::string>(const std::string&)> interpreter;
  static CommandProbe real();
};

// Names in `stderr_text` at the places a shell or env puts a program it
// could not find or run; paths and bare names, in order, without repeats.
std::vector<std::string> missing_candidates(std::string_view stderr_text);

// The confirmed missing pieces of a command that ended with `exit_code`;
// empty unless the code is 126 or 127.
std::vector<MissingPiece> find_missing(int exit_code, const std::vector<std::string>& argv,
                                       std::string_view stderr_text, const CommandProbe& probe);

// Where the command ran decides how to bring a piece in: on the host, by
// installing it; in the vm backend's guest, by naming it in the scenario.
enum class MissingWhere { host, guest };

// One sentence naming every piece and what to do ("" for none), e.g.
// `rsync is not in the guest (not in its PATH): add it to the scenario's
// "programs" (harness matrix: --program rsync)`.
std::string missing_message(const std::vector<MissingPiece>& missing, MissingWhere where);

}  // namespace harness
