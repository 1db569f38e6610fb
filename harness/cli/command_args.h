// The arguments of a command with a few options (report, compare, merge,
// list, validate, gc, doctor): positional arguments, options that take a
// value (`--out DIR`), flags (`--json`) and `--help`, parsed in one place
// so that every command refuses an unknown option and a missing value the
// same way (a usage error, exit 2). Commands that run scenarios take the
// richer cli/run_options.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace harness {

struct CommandArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;  // the last one given wins
  std::map<std::string, std::vector<std::string>> every;  // each value given, in order (a repeatable option)
  std::set<std::string> flags;
  bool help = false;

  std::optional<std::string> value(const std::string& option) const;
  bool flag(const std::string& f) const { return flags.count(f) > 0; }
};

// `valued`: options followed by a value; `flags`: options alone. Anything
// else starting with "--" is refused: "COMMAND: unknown option --x".
CommandArgs parse_command_args(const std::string& command, const std::vector<std::string>& args,
                               const std::vector<std::string>& valued, const std::vector<std::string>& flags);

}  // namespace harness
