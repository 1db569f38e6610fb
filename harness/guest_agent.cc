#include "guest_agent.h"

#include "error.h"

namespace harness {

int run_guest_agent(const std::vector<std::string>&) {
  throw EnvironmentError("the guest agent is not built yet");
}

}  // namespace harness
