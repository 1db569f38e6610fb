// For the core layer's tests: expectations built in code, as a parsed
// scenario would hold them. Header-only test code.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/exec_class.h"
#include "core/scenario.h"

namespace harness::fixture {

// An exec-count expectation: `classes` at least `lo` / at most `hi` times.
inline Expectation count(std::set<ExecClass> classes, std::optional<unsigned long> lo,
                         std::optional<unsigned long> hi) {
  Expectation e;
  e.kind = ExpectationKind::exec_count;
  e.classes = std::move(classes);
  e.at_least = lo;
  e.at_most = hi;
  return e;
}

// Every class is_abnormal() calls abnormal.
inline std::set<ExecClass> abnormal() {
  std::set<ExecClass> a;
  for (ExecClass c : kAllExecClasses)
    if (is_abnormal(c)) a.insert(c);
  return a;
}

// An `installed` expectation: `path` holds one of `versions`, `sidecars` agreeing.
inline Expectation installed(const std::string& path, std::vector<std::string> versions,
                             std::vector<std::string> sidecars = {}) {
  Expectation e;
  e.kind = ExpectationKind::installed;
  e.path = path;
  e.versions = std::move(versions);
  e.sidecars = std::move(sidecars);
  return e;
}

}  // namespace harness::fixture
