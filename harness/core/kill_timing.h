// KillTiming: when a `kill` action strikes, relative to the start of the
// command it signals. A random offset is drawn from a seed with SplitMix64,
// so a recorded seed replays the same offset on any machine. Pure logic.
#pragma once

#include <chrono>
#include <cstdint>

#include "core/scenario.h"

namespace harness {

// The seed a kill uses: the scenario's, else a fresh one to record.
uint64_t kill_seed(const Action& kill, uint64_t fresh);

// The delay after the target's start: `after`, or a draw in the random
// window (both ends included); zero for an `at_write` kill.
std::chrono::milliseconds kill_delay(const Action& kill, uint64_t seed);

}  // namespace harness
