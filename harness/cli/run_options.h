// The options every command that runs scenarios takes (`harness run`,
// `harness ablate`): where, on which backend, how many times, how many at
// once, which shard. Parsed and checked in one place; the backend made
// from them in one place.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/backend_choice.h"
#include "cli/untrusted_mode.h"
#include "core/backend.h"
#include "core/shard.h"
#include "vm/vm_backend.h"

namespace harness {

struct RunOptionsArgs {
  std::vector<std::filesystem::path> scenarios;  // the arguments that are not options
  std::optional<std::filesystem::path> out;
  std::optional<BackendKind> requested_backend;  // --backend; nullopt: vm when VmBackend::available(), else host
  BackendKind backend = BackendKind::host;       // as settle_run_options chose it
  bool keep_work = false;
  bool no_early_stop = false;
  bool json = false;
  bool help = false;
  unsigned jobs = 1;    // -j N: runs at once (vm backend only)
  unsigned repeat = 1;  // --repeat K: runs of each scenario
  std::optional<Shard> shard;  // --shard I/N, else GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS
  UntrustedArgs untrusted;  // --untrusted, --allow-host-path DIR (settled into vm.untrusted)
  VmOptions vm;
};

// A decimal count for `flag` within [lo, hi]; a usage error otherwise.
unsigned parse_count(const std::string& flag, const std::string& v, unsigned long lo, unsigned long hi,
                     const char* what);

// Parses `args`; `repeat_default` is --repeat's value when not given.
// Throws Error(usage) for an unknown option or a bad value.
RunOptionsArgs parse_run_options(const std::vector<std::string>& args, unsigned repeat_default = 1);

// The scenario files the arguments name: a file as it is, a folder as
// every *.json in it but schema.json, in name order. A missing path is a
// usage error (exit 2).
std::vector<std::filesystem::path> scenario_files(const std::vector<std::filesystem::path>& args);

// Fills in the backend (vm when it can run here, else host; the choice
// and why are returned for the run's first line), the shard from the
// environment and --untrusted's policy, and refuses impossible
// combinations (usage; --untrusted without a VM, cli/untrusted_mode.h).
BackendChoice settle_run_options(RunOptionsArgs& ra);

std::unique_ptr<Backend> make_backend(const RunOptionsArgs& ra);

}  // namespace harness
