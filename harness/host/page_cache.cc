#include "host/page_cache.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <vector>

namespace harness {

namespace {

// Debian 12's kernel headers predate cachestat; the ABI is stable.
constexpr long kSysCachestat = 451;
struct CachestatRange {
  uint64_t off;
  uint64_t len;
};
struct Cachestat {
  uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};

bool cachestat_works = true;

}  // namespace

std::optional<Residency> page_cache_residency(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return std::nullopt;
  long page = sysconf(_SC_PAGESIZE);
  Residency r;
  r.total_pages = (static_cast<unsigned long long>(st.st_size) + page - 1) / page;
  if (st.st_size == 0) return r;
  if (cachestat_works) {
    CachestatRange range{0, 0};
    Cachestat cs{};
    if (syscall(kSysCachestat, fd, &range, &cs, 0) == 0) {
      r.resident_pages = cs.nr_cache;
      return r;
    }
    if (errno == ENOSYS) cachestat_works = false;
  }
  void* m = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_NONE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) return std::nullopt;
  std::vector<unsigned char> vec(r.total_pages);
  if (mincore(m, static_cast<size_t>(st.st_size), vec.data()) == 0)
    for (unsigned char v : vec) r.resident_pages += v & 1;
  munmap(m, static_cast<size_t>(st.st_size));
  return r;
}

}  // namespace harness
