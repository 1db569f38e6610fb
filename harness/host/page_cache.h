// How much of a file is in the page cache right now: cachestat(2) where
// the kernel has it (6.5+), mincore(2) over a mapping otherwise.
#pragma once

#include <optional>

namespace harness {

struct Residency {
  unsigned long long resident_pages = 0;
  unsigned long long total_pages = 0;
};

std::optional<Residency> page_cache_residency(int fd);

}  // namespace harness
