#include "core/kill_timing.h"

namespace harness {

namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

uint64_t kill_seed(const Action& kill, uint64_t fresh) { return kill.seed ? *kill.seed : fresh; }

std::chrono::milliseconds kill_delay(const Action& kill, uint64_t seed) {
  if (kill.random_window) {
    auto [lo, hi] = *kill.random_window;
    uint64_t span = static_cast<uint64_t>((hi - lo).count()) + 1;
    return lo + std::chrono::milliseconds(static_cast<long long>(splitmix64(seed) % span));
  }
  if (kill.after) return *kill.after;
  return std::chrono::milliseconds(0);
}

}  // namespace harness
