// Errors that carry their context. Each kind maps to one CLI exit code, in
// exactly one place (cli/exit_code.cc).
#pragma once

#include <stdexcept>
#include <string>

namespace harness {

enum class ErrorKind {
  invalid_scenario,  // exit 2: the scenario file is malformed or invalid
  usage,             // exit 2: the command line is wrong (an unknown option, a missing argument)
  environment,       // exit 3: the machine cannot run it; the message says what to do
  runtime,           // exit 4: something failed mid-run
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// A scenario problem, located: "file:line:col: $.path: message".
class ScenarioError : public Error {
 public:
  ScenarioError(std::string file, int line, int col, std::string json_path, std::string message);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int col() const { return col_; }
  const std::string& json_path() const { return json_path_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  int line_;
  int col_;
  std::string json_path_;
  std::string message_;
};

class EnvironmentError : public Error {
 public:
  explicit EnvironmentError(const std::string& what) : Error(ErrorKind::environment, what) {}
};

class RuntimeError : public Error {
 public:
  explicit RuntimeError(const std::string& what) : Error(ErrorKind::runtime, what) {}
};

// A failed system call, with its errno kept for callers that record it.
class SystemError : public RuntimeError {
 public:
  SystemError(const std::string& what, int err) : RuntimeError(what), err_(err) {}
  int err() const { return err_; }

 private:
  int err_;
};

// "what: strerror(err) (ERRNAME)" for system-call failures.
std::string errno_message(const std::string& what, int err);
// "EPERM", "EIO", ... or "errno N".
std::string errno_name(int err);

}  // namespace harness
