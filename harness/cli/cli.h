// The command line: parses options and dispatches to subcommands; exit
// codes come from exit_code.h.
#pragma once

#include <string>
#include <vector>

#include "cli/exit_code.h"

namespace harness {

int run_cli(const std::vector<std::string>& args);

}  // namespace harness
