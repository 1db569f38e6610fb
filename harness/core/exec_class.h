// The closed set of ways a workload exec can end, decided from the raw wait
// status (never guessed from a shell's 128+N convention).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace harness {

enum class ExecClass {
  ok,
  exit_nonzero,
  sigsegv,
  sigbus,
  sigill,
  other_signal,
  exec_failed,
  hung,
};

inline constexpr std::array<ExecClass, 8> kAllExecClasses = {
    ExecClass::ok,     ExecClass::exit_nonzero, ExecClass::sigsegv,     ExecClass::sigbus,
    ExecClass::sigill, ExecClass::other_signal, ExecClass::exec_failed, ExecClass::hung,
};

std::string_view to_string(ExecClass c);
std::optional<ExecClass> exec_class_from_string(std::string_view s);
// The one definition of each word the verdict and every report use:
// abnormal is everything but ok (a prevention check wants zero of these);
// a crash is a death by a signal that corrupted code or data pages cause
// (SIGSEGV, SIGBUS, SIGILL); other signals, exec failures and hangs are
// abnormal but not crashes.
inline bool is_abnormal(ExecClass c) { return c != ExecClass::ok; }
inline bool is_crash(ExecClass c) {
  return c == ExecClass::sigsegv || c == ExecClass::sigbus || c == ExecClass::sigill;
}

// How one exec ended, with the detail that goes with its class.
struct ExecOutcome {
  ExecClass cls = ExecClass::ok;
  int exit_code = -1;  // ok / exit_nonzero
  int signal = 0;      // sigsegv / sigbus / sigill / other_signal / hung (the kill signal)
  int err = 0;         // exec_failed: errno from posix_spawn
};

// From a waitpid() status. A child that was killed because it hung must be
// classified with classify_hung() instead: its status alone says SIGKILL.
ExecOutcome classify_wait_status(int status);
ExecOutcome classify_exec_failure(int err);
ExecOutcome classify_hung(int kill_signal);

}  // namespace harness
