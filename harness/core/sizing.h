// Sizing: the scenario as a backend runs it. The host backend runs it as
// written. Under the vm backend, where TCG makes each exec 10-50x dearer,
// the scenario's "vm" block replaces the workload's iterations/duration
// and the count of every min_execs_under_fault expectation, and
// Scenario::sizing says what changed, for the report.
#pragma once

#include <string_view>

#include "core/scenario.h"

namespace harness {

Scenario sized_for_backend(Scenario s, std::string_view backend);

}  // namespace harness
