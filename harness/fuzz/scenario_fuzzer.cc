// libFuzzer target for the scenario parser: whatever bytes arrive, parsing
// either yields a Scenario or throws ScenarioError (exit 2 in the CLI).
// Any other exception, a crash, a leak or undefined behaviour is a finding.
// Built by ci/fuzz.sh with clang (-fsanitize=fuzzer,address,undefined).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "base/error.h"
#include "core/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    harness::parse_scenario(text, "fuzz.json");
  } catch (const harness::ScenarioError&) {
    // The one expected way to refuse input.
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scenario_fuzzer: parse_scenario threw something other than "
                         "ScenarioError: %s\n", e.what());
    std::abort();
  }
  return 0;
}
