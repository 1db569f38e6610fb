// Ablation: which ingredients of an incident are necessary. From a
// scenario, derive variants that each remove or weaken one ingredient --
// a fault, one action of a fault, truncation (overwrite in place without it,
// or replace by rename), cache eviction, the installer's mode, concurrency,
// the warm-up -- and, from the runs of each beside the original, say
// whether the symptom needs it:
//   necessary     the symptom (a crash under the faults, or a write to a
//                 mounted image) is gone in every run without it;
//   contributing  it is still there, but its rate dropped: the two 95%
//                 Clopper-Pearson intervals do not overlap;
//   not needed    otherwise.
// Derivation works on the scenario's JSON document, so that every variant
// is a scenario file a user can rerun or edit. Pure logic.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/statistics.h"

namespace harness {

struct Variant {
  std::string name;         // "original", "without-fault-redeploy", ...; a file name
  std::string ingredient;   // what it takes away, for the table ("fault \"redeploy\"")
  std::string description;  // what the original needs if this variant loses the symptom, as a phrase
  nlohmann::json scenario;  // a complete scenario document
};

// The original (early stop off so rates compare) first, then one variant
// per ingredient. Every document is a valid scenario; a variant that would
// not be (it removes the only action of a fault) is left out. `original` is
// the scenario file's JSON (comments stripped); `scenario_dir` its folder:
// {scenario_dir} and relative host paths are made absolute, so that the
// variants run from wherever they are written.
std::vector<Variant> derive_variants(const nlohmann::json& original, const std::string& scenario_dir = "");

// The pooled outcome of the runs of one variant.
struct VariantRuns {
  std::string name;
  unsigned runs = 0;
  unsigned crash_runs = 0;    // runs with SIGSEGV/SIGBUS/SIGILL after the warm-up
  unsigned breach_runs = 0;   // runs in which a process wrote a mounted image
  unsigned long execs = 0;    // execs after the warm-up, all runs
  unsigned long crashes = 0;  // of those, crashes
  // Runs that stopped on an error or were interrupted: not in the counts
  // above, and they leave the comparison undecided.
  unsigned failed_runs = 0;
  std::vector<std::string> run_dirs;
};

// What one report contributes to its variant's pool.
void add_run(VariantRuns& pool, const nlohmann::json& report);

enum class Necessity { necessary, contributing, not_needed, no_symptom, undecided };
std::string_view to_string(Necessity n);

struct IngredientResult {
  Necessity necessity = Necessity::not_needed;
  std::string effect;  // "crashes in 0 of 5 runs (was 5 of 5)"
  BinomialInterval ci95;
};

// Compares a variant with the original. no_symptom: the original itself
// showed neither a crash nor a write, so nothing can be taken away;
// undecided: a run of either stopped on an error, so a missing symptom may
// be a run that never happened.
IngredientResult judge(const VariantRuns& original, const VariantRuns& variant);

}  // namespace harness
