// A fault's schedule and one action (a setup, fault or finally step) as a
// scenario file writes them, and the names an action, its kind and a kill's
// signal are written with. Errors are ScenarioErrors located at the field.
#pragma once

#include "core/scenario.h"
#include "core/scenario_node.h"
#include "core/schedule.h"

namespace harness {

Schedule parse_schedule(const ScenarioNode& n);
// One action object; references to other parts of the scenario (a kill's
// target fault) are checked by the caller, which knows them.
Action parse_action(const ScenarioNode& n);

}  // namespace harness
