// Exit codes of the harness, and the one place that maps an error kind or
// a run's outcome to one. Documented in docs/ci.md ("Exit codes"), in cli/usage.cc and in
// `harness --help`.
#pragma once

#include <optional>
#include <vector>

#include "base/error.h"
#include "core/matrix.h"
#include "core/verdict.h"

namespace harness {

enum ExitCode : int {
  kExitPass = 0,          // every expectation held
  kExitFail = 1,          // the system under test misbehaved (an expectation failed), or the run timed out
  kExitInvalid = 2,       // the scenario is invalid, or the command line is
  kExitEnvironment = 3,   // this machine cannot run it; the message says what to do
  kExitRuntime = 4,       // an unexpected failure mid-run
  kExitInconclusive = 5,  // the run could not gather the evidence a verdict needs; the reasons say why
  kExitInterrupted = 130,
};

int exit_code_for(ErrorKind kind);
// One run: interrupted, then what stopped it on an error, then its verdict.
int exit_code_for(VerdictStatus status, bool interrupted, std::optional<ErrorKind> error);
// Of two runs' codes, the one a batch reports: interrupted, then the
// machine's fault, then an unexpected error, then a failure, then an
// inconclusive run, then a pass.
int more_serious(int a, int b);
// A matrix as a CI gate, by the same order: 4 when a cell's run stopped on
// an error, else 1 when a cell is UNSAFE that was not expected to be
// (CellRuns::expected_unsafe), else 5 when a cell that is not expected
// UNSAFE is inconclusive (its fault did not strike, or nothing was
// judged), else 0. An expected-UNSAFE cell fails the gate only by an
// error. (`harness matrix` adds what its runs cannot judge: 3, 130.)
int matrix_exit_code(const std::vector<CellRuns>& cells);

}  // namespace harness
