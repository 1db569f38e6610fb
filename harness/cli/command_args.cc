#include "cli/command_args.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/error.h"

namespace harness {

std::optional<std::string> CommandArgs::value(const std::string& option) const {
  auto it = values.find(option);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

CommandArgs parse_command_args(const std::string& command, const std::vector<std::string>& args,
                               const std::vector<std::string>& valued, const std::vector<std::string>& flags) {
  auto listed = [](const std::vector<std::string>& list, const std::string& a) {
    return std::find(list.begin(), list.end(), a) != list.end();
  };
  CommandArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help") {
      out.help = true;
    } else if (listed(valued, a)) {
      if (i + 1 >= args.size()) throw Error(ErrorKind::usage, fmt::format("{}: {} needs a value", command, a));
      out.values[a] = args[++i];
      out.every[a].push_back(args[i]);
    } else if (listed(flags, a)) {
      out.flags.insert(a);
    } else if (a.rfind("--", 0) == 0) {
      throw Error(ErrorKind::usage, fmt::format("{}: unknown option {}", command, a));
    } else {
      out.positional.push_back(a);
    }
  }
  return out;
}

}  // namespace harness
