// harness: incident reproduction and fault injection. All logic lives in
// the library; main only hands over the arguments.
#include <string>
#include <vector>

#include "cli/cli.h"

int main(int argc, char** argv) {
  return harness::run_cli(std::vector<std::string>(argv + 1, argv + argc));
}
