#include "core/exec_class.h"

#include <signal.h>
#include <sys/wait.h>

namespace harness {

std::string_view to_string(ExecClass c) {
  switch (c) {
    case ExecClass::ok: return "ok";
    case ExecClass::exit_nonzero: return "exit_nonzero";
    case ExecClass::sigsegv: return "sigsegv";
    case ExecClass::sigbus: return "sigbus";
    case ExecClass::sigill: return "sigill";
    case ExecClass::other_signal: return "other_signal";
    case ExecClass::exec_failed: return "exec_failed";
    case ExecClass::hung: return "hung";
  }
  return "?";
}

std::optional<ExecClass> exec_class_from_string(std::string_view s) {
  for (ExecClass c : kAllExecClasses)
    if (to_string(c) == s) return c;
  return std::nullopt;
}

ExecOutcome classify_wait_status(int status) {
  ExecOutcome o;
  if (WIFEXITED(status)) {
    o.exit_code = WEXITSTATUS(status);
    o.cls = o.exit_code == 0 ? ExecClass::ok : ExecClass::exit_nonzero;
  } else if (WIFSIGNALED(status)) {
    o.signal = WTERMSIG(status);
    switch (o.signal) {
      case SIGSEGV: o.cls = ExecClass::sigsegv; break;
      case SIGBUS: o.cls = ExecClass::sigbus; break;
      case SIGILL: o.cls = ExecClass::sigill; break;
      default: o.cls = ExecClass::other_signal; break;
    }
  } else {
    // Stopped/continued statuses are never asked for (no WUNTRACED); treat
    // anything else as an unexplained signal rather than as success.
    o.cls = ExecClass::other_signal;
  }
  return o;
}

ExecOutcome classify_exec_failure(int err) {
  ExecOutcome o;
  o.cls = ExecClass::exec_failed;
  o.err = err;
  return o;
}

ExecOutcome classify_hung(int kill_signal) {
  ExecOutcome o;
  o.cls = ExecClass::hung;
  o.signal = kill_signal;
  return o;
}

}  // namespace harness
