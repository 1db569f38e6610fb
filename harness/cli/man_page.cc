#include "cli/man_page.h"

#include <fmt/format.h>

#include "cli/usage.h"

namespace harness {

std::string roff_escape(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";  // an option's dash, not a hyphen
    else out += c;
    line_start = c == '\n';
  }
  return out;
}

namespace {

// Preformatted, as the terminal shows it: the usage texts are laid out by hand.
// A request must start a line: text that does not end with one gets it.
std::string verbatim(std::string_view text) {
  std::string body = roff_escape(text);
  if (body.empty() || body.back() != '\n') body += '\n';
  return ".nf\n" + body + ".fi\n";
}

}  // namespace

std::string man_page(std::string_view version) {
  std::string m = fmt::format(".TH HARNESS 1 \"\" \"harness {}\" \"User Commands\"\n", version);
  m += ".SH NAME\nharness \\- incident reproduction and fault injection for loop\\-mounted stack images\n";
  m += ".SH SYNOPSIS\n";
  for (const auto& c : command_usages()) m += verbatim(c.synopsis) + ".br\n";
  m += ".B harness \\-\\-version\n";
  m += ".SH DESCRIPTION\n"
       "harness turns a postmortem's \"we think X corrupted Y\" into a command that reproduces it, a\n"
       "verdict CI can trust, and a report. A scenario file (JSON with comments, described by\n"
       "scenarios/schema.json) builds images, mounts them, runs a workload from them while faults\n"
       "act, and states expectations; the verdict is pass, fail or inconclusive. It runs as root,\n"
       "on this host or in a disposable VM. Every command takes \\-\\-help, which prints its section\n"
       "below.\n";
  m += ".SH COMMANDS\n";
  for (const auto& c : command_usages()) {
    m += fmt::format(".SS {}\n", roff_escape(c.name));
    m += roff_escape(c.summary) + "\n";
    m += verbatim(usage_text(c));
  }
  m += ".SH EXIT STATUS\n" + verbatim(exit_codes_text());
  m += ".SH FILES\n"
       ".TP\n.I reports/runs/\nwhere runs go by default, one run directory each (report.json, report.md,\n"
       "report.html, junit.xml); the VM cache is its .cache folder\n"
       ".TP\n.I /usr/share/harness/scenarios/\nthe shipped scenarios and schema.json, when installed\n"
       ".TP\n.I /usr/share/doc/harness/\nREADME.md and the documentation (docs/)\n";
  m += ".SH SEE ALSO\n.BR qemu\\-system\\-x86_64 (1),\n.BR losetup (8),\n.BR fanotify (7)\n";
  return m;
}

}  // namespace harness
