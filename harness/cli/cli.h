// The command line: parses options and dispatches to subcommands. The
// mapping from error kinds to exit codes lives here and nowhere else.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"

namespace harness {

enum ExitCode : int {
  kExitPass = 0,
  kExitFail = 1,         // an expectation failed (or the run timed out)
  kExitInvalid = 2,      // the scenario is invalid, or the command line is
  kExitEnvironment = 3,  // this machine cannot run it
  kExitRuntime = 4,      // an unexpected failure mid-run
  kExitInterrupted = 130,
};

int exit_code_for(ErrorKind kind);

int run_cli(const std::vector<std::string>& args);

}  // namespace harness
