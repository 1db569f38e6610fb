#include "cli/usage.h"

#include <stdexcept>

namespace harness {

namespace {

constexpr std::string_view kExitCodes =
    "0 every expectation held (pass)\n"
    "1 an expectation failed on evidence (fail), or the scenario hit its timeout_s (timeout)\n"
    "2 invalid scenario or usage: the message names file:line:col and the JSON path\n"
    "3 this machine cannot run it: the message says what to do\n"
    "4 unexpected error\n"
    "5 inconclusive: the run could not gather the evidence a verdict needs; the reasons say why\n"
    "130 interrupted\n"
    "Of several runs the most serious code wins: 130, 3, 4, 2, 1, 5, 0.\n";

const std::vector<CommandUsage> kCommands = {
    {"run",
     "harness run SCENARIO|DIR... [--out DIR] [--backend host|vm] [--repeat K] [-j N] [--keep-work]\n"
     "            [--no-early-stop] [--shard I/N] [--json] [--kernel PATH] [--memory MIB]\n"
     "            [--accel auto|kvm|tcg] [--vm-cache DIR] [--untrusted [--allow-host-path DIR]...]",
     "run scenarios and print their verdicts",
     "  Validates every scenario first (nothing is created if one is invalid), then runs each and\n"
     "  writes a run directory: report.json, report.md, report.html, junit.xml.\n"
     "  --out DIR          the run directory (new or empty), or for several runs the folder of them;\n"
     "                     default reports/runs/<time>-<name>-<pid>/\n"
     "  --backend host|vm  where it runs (default: vm when qemu, a guest kernel and a static busybox\n"
     "                     are installed, else host); the first line of output says which and why\n"
     "  --repeat K         run each scenario K times and pool them per scenario (DIR/summary.json)\n"
     "  -j N               boot N VMs at once (refused on the host backend: runs there share one\n"
     "                     page cache and drop_caches is machine-wide)\n"
     "  --keep-work        keep the run's work/ folder (images, copies)\n"
     "  --no-early-stop    run the workload to its end instead of stopping once the verdict is decided\n"
     "  --shard I/N        run a stable subset: scenarios sorted by file name, dealt round-robin\n"
     "                     (GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS are honoured when set)\n"
     "  --json             print the results as JSON on stdout\n"
     "  --kernel PATH, --memory MIB, --accel auto|kvm|tcg, --vm-cache DIR\n"
     "                     the vm backend's guest kernel, memory, accelerator and cache (initramfs,\n"
     "                     accelerator choice; default .cache beside the runs)\n"
     "  --untrusted        for a CI running contributors' scenarios: VM only (--backend host is exit 2),\n"
     "                     host files only from beneath the scenario's folder, the --allow-host-path\n"
     "                     DIRs (repeatable) and, for programs, /usr/bin /bin /usr/sbin /sbin; no\n"
     "                     power cut. It protects the host, not the meaning of a gate (a guest can\n"
     "                     forge its own verdict): see docs/security.md\n"
     "exit:   0 every expectation held (pass); 1 an expectation failed, or the run timed out;\n"
     "        2 invalid scenario or usage; 3 this machine cannot run it; 4 unexpected error;\n"
     "        5 inconclusive; 130 interrupted. Of several runs the most serious code wins:\n"
     "        130, 3, 4, 2, 1, 5, 0.\n"},
    {"validate", "harness validate SCENARIO|DIR... [--json] [--untrusted [--allow-host-path DIR]...]",
     "check scenario files without running anything",
     "  Checks scenario files without creating anything: the file parses and validates, and every\n"
     "  program it names is one this machine can execute. --untrusted: also as `run --untrusted`\n"
     "  would (host files only from the scenario's folder, the --allow-host-path DIRs and, for\n"
     "  programs, /usr/bin /bin /usr/sbin /sbin).\n"
     "exit:   0 every file is valid; 2 one is not: the message names file:line:col and the JSON path.\n"},
    {"list", "harness list [DIR] [--json]", "list scenarios, or runs with their verdicts",
     "  The scenarios in DIR (default: scenarios/, else the installed ones) with their descriptions,\n"
     "  or the runs in DIR (a runs folder such as reports/runs, or a run directory) with their verdicts.\n"
     "exit:   0 listed; 2 no such folder, or no scenarios/ folder here and no installed one.\n"},
    {"report", "harness report RUN_DIR... [--junit FILE]", "re-render a run's reports from its report.json",
     "  Re-renders report.md, report.html and junit.xml from each RUN_DIR/report.json alone;\n"
     "  --junit FILE also writes one JUnit file for all of them.\n"
     "exit:   0 written; 2 no run directory given, or a report.json that cannot be read;\n"
     "        3 a folder that cannot be written.\n"},
    {"compare", "harness compare RUN_A RUN_B [--out DIR]", "two runs side by side",
     "  Puts two runs side by side: writes DIR/compare.md and DIR/compare.html, or prints the\n"
     "  markdown without --out.\n"
     "exit:   0 compared; 2 not exactly two runs, or a report.json that cannot be read;\n"
     "        3 DIR cannot be created.\n"},
    {"merge", "harness merge DIR... [--out DIR]", "join shards into one summary, ablation or matrix",
     "  Joins the report.json files found in DIR, DIR/* and DIR/*/* into DIR/summary.json and\n"
     "  DIR/junit.xml (one testcase per scenario); the shards of one ablation or one matrix into\n"
     "  ablation.* or matrix.json/md/html.\n"
     "exit:   runs: the most serious code of the runs, as harness run; a matrix: as `harness matrix`\n"
     "        would for all its cells (see harness matrix --help); an ablation: 0; 2 nothing to merge,\n"
     "        or a mix of ablations, matrices and runs.\n"},
    {"ablate",
     "harness ablate SCENARIO --out DIR [--repeat K] [--backend host|vm] [-j N] [--shard I/N]\n"
     "               [--kernel PATH] [--memory MIB] [--accel auto|kvm|tcg] [--vm-cache DIR]\n"
     "               [--untrusted [--allow-host-path DIR]...]",
     "which ingredients of an incident are necessary",
     "  Derives variants of SCENARIO, each without one ingredient (a fault, an action, truncation,\n"
     "  cache eviction, the regressed installer, concurrency, the warm-up), runs each K times\n"
     "  (default 5) beside the original, and says which ingredients the symptom needs:\n"
     "  DIR/ablation.json, DIR/ablation.md, DIR/ablation.html; every variant is a scenario file\n"
     "  in DIR/variants/. With --shard I/N a stable subset runs; `harness merge` joins the shards.\n"
     "exit:   0 the ablation was written (a variant's verdict is its finding, not an error);\n"
     "        2 invalid scenario or usage; 3 this machine cannot run it; 4 a run stopped on an\n"
     "        unexpected error; 130 interrupted.\n"},
    {"matrix",
     "harness matrix --out DIR [--installer [NAME=]CMD]... [--installers LIST] [--faults LIST]\n"
     "               [--allow-unsafe ROW:FAULT]... [--require-safe ROW:FAULT]... [--program P]...\n"
     "               [--repeat K] [--backend host|vm] [-j N] [--shard I/N] [--kernel PATH]\n"
     "               [--memory MIB] [--accel A] [--untrusted [--allow-host-path DIR]...]",
     "every installer against every overwriting fault, as a CI gate",
     "  Runs every installer (a row) against every overwriting fault (a column), K times each (default 1),\n"
     "  and checks the installer's invariants after each run: DIR/matrix.json, DIR/matrix.md, DIR/matrix.html;\n"
     "  each cell is a scenario file in DIR/cells/, each run a run directory in DIR/runs/.\n"
     "rows:   legacy, regressed, hardened (the stack-install fixture), and one per --installer: a command\n"
     "        with {source} {dest} {name} that installs SOURCE/NAME.img as DEST/NAME.img, e.g.\n"
     "        \"examples/gate/install-rename.sh {source} {dest} {name}\". NAME= names the row; without it\n"
     "        the row is named after the file stem of the program, or, when that is an interpreter (sh,\n"
     "        bash, env, python3...), of the script it runs (\"/bin/sh a.sh ...\" is row a). Two rows with\n"
     "        one name, or yours named legacy, regressed or hardened, is exit 2.\n"
     "faults: redeploy while mounted, kill-random, kill-write (at the Nth write), enospc, race (two\n"
     "        installers at once), corrupt-sidecar, root-overwrite; eio mid-copy where device-mapper is\n"
     "        (always with --backend vm); power-cut at every flush with --backend vm.\n"
     "        --installers/--faults keep only the named rows/columns (comma-separated).\n"
     "cells:  safe (every run passed), UNSAFE (a run failed), inconclusive (a fault did not strike, or a\n"
     "        run could not judge), error (a run stopped on an error; its reason is shown).\n"
     "gate:   a cell may be expected UNSAFE: every cell of legacy and regressed (they write in place on\n"
     "        purpose); the root-overwrite cell of your rows (only chattr +i stops root's `cat >` over a\n"
     "        mounted image, and the hardened fixture alone sets it; --require-safe ROW:root-overwrite\n"
     "        holds a row to it); and each --allow-unsafe ROW:FAULT (repeatable, or comma-separated).\n"
     "        --require-safe ROW:FAULT takes a default back.\n"
     "programs: --program P (repeatable): a program your installer calls (rsync, sha256sum; a bare name\n"
     "        found in PATH, or a path), brought into the guest with --backend vm: every cell's \"programs\".\n"
     "exit:   130 interrupted, else 3 this machine cannot run a cell, else 4 a cell's run stopped on an\n"
     "        error, else 2 a cell is invalid, else 1 a cell is UNSAFE that was not expected to be, else 5\n"
     "        a cell not expected UNSAFE is inconclusive, else 0; a bad command line is 2 before anything\n"
     "        runs. An expected-UNSAFE cell fails the gate only by an error.\n"
     "shards: --shard I/N runs a stable subset of the cells; `harness merge` joins the shards' matrices\n"
     "        and exits as the whole matrix would.\n"},
    {"doctor", "harness doctor [--runs DIR] [--json]", "check what a run needs, and say how to fix it",
     "  Checks root, loop devices, drop_caches, mkfs.ext4, fanotify, qemu, the guest kernel, busybox,\n"
     "  the accelerator and free disk, and says how to fix what is missing.\n"
     "  DIR: where runs go (default reports/runs); the VM cache read is DIR/.cache, as a run with\n"
     "  --out DIR/NAME keeps it\n"
     "exit:   0 every check passed; 3 one failed (its line says what to do).\n"},
    {"gc", "harness gc [DIR...] [--dry-run] [--json]", "remove what killed runs left behind",
     "  Removes what killed runs left in DIR (default: reports/runs) and only that: the loop devices,\n"
     "  qemu processes, cgroups and device-mapper devices their markers record, mounts under their\n"
     "  folders, and their work/ folders. Live runs and folders another user could write are left alone.\n"
     "  --dry-run says what it would do.\n"
     "exit:   0 done (what was removed, and what was left alone, is printed).\n"},
    {"help", "harness help [CMD] [--man]", "print a command's usage, or the man page",
     "  Without CMD: every command and the exit codes. With CMD: what `harness CMD --help` prints.\n"
     "  --man: the manual page harness(1) in roff, made from these same usage texts\n"
     "  (man -l <(harness help --man)).\n"
     "exit:   0 printed; 2 no such command.\n"},
};

}  // namespace

const std::vector<CommandUsage>& command_usages() { return kCommands; }

const CommandUsage* find_usage(std::string_view name) {
  for (const auto& c : kCommands)
    if (c.name == name) return &c;
  return nullptr;
}

std::string usage_text(const CommandUsage& u) {
  return "usage: " + std::string(u.synopsis) + "\n" + std::string(u.body);
}

std::string usage_text(std::string_view name) {
  const CommandUsage* u = find_usage(name);
  if (!u) throw std::out_of_range("no command " + std::string(name));
  return usage_text(*u);
}

std::string_view exit_codes_text() { return kExitCodes; }

std::string overview_text() {
  std::string out = "usage: harness <command> [options]\n\ncommands:\n";
  for (const auto& c : kCommands) {
    // Without "harness ", continuation lines move left by as much.
    std::string synopsis(c.synopsis.substr(std::string_view("harness ").size()));
    for (size_t p = synopsis.find("\n        "); p != std::string::npos; p = synopsis.find("\n        ", p + 1))
      synopsis.erase(p + 1, 8);
    out += "  " + synopsis + "\n";
    out += "                      " + std::string(c.summary) + "\n";
  }
  out += "  --version [--json]  print the version\n";
  out += "  every command takes --help (harness help CMD prints the same); man harness has them all\n";
  out += "\nexit codes:\n";
  std::string_view codes = kExitCodes;
  for (size_t p = 0; p < codes.size();) {
    size_t e = codes.find('\n', p);
    out += "  " + std::string(codes.substr(p, e - p)) + "\n";
    p = e + 1;
  }
  return out;
}

}  // namespace harness
