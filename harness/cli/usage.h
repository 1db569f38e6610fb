// What each command prints for --help: one definition per command, which
// `harness help CMD`, `harness CMD --help`, a usage error and the man page
// (man_page.h) all print, so the reference cannot disagree with the CLI.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace harness {

struct CommandUsage {
  std::string_view name;      // "matrix"
  std::string_view synopsis;  // "harness matrix --out DIR ...", continuation lines indented
  std::string_view summary;   // one line, for the overview and the man page's NAME
  std::string_view body;      // what it does, its options, and its exit codes ("exit: ...")
};

// Every user-facing command, in the order the overview lists them.
const std::vector<CommandUsage>& command_usages();
// The command named `name`, or nullptr.
const CommandUsage* find_usage(std::string_view name);
// "usage: SYNOPSIS\n" + body: what `harness CMD --help` prints.
std::string usage_text(const CommandUsage& u);
// The name's usage text; throws std::out_of_range for a name no command has.
std::string usage_text(std::string_view name);
// `harness --help`: every command's synopsis and summary, and the exit codes.
std::string overview_text();
// The exit codes every run-like command shares, one per line (the overview
// and the man page's EXIT STATUS).
std::string_view exit_codes_text();

}  // namespace harness
