// The commands that read run directories rather than run scenarios:
// `harness report`, `harness compare`, `harness merge`. Argument parsing
// and printing only; the work is in the report layer.
#pragma once

#include <string>
#include <vector>

namespace harness {

// `harness report RUN_DIR... [--junit FILE]`: re-renders report.md,
// report.html and junit.xml of each run directory from its report.json
// alone; --junit also writes one JUnit file over all of them.
int cmd_report(const std::vector<std::string>& args);
// `harness compare RUN_A RUN_B [--out DIR]`: writes DIR/compare.md and
// DIR/compare.html, or prints the markdown when there is no --out.
int cmd_compare(const std::vector<std::string>& args);
// `harness merge DIR... [--out DIR]`: writes summary.json and junit.xml;
// the exit code is the most serious of the merged runs'.
int cmd_merge(const std::vector<std::string>& args);

}  // namespace harness
