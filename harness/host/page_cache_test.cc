#include "host/page_cache.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "base/scoped_fd.h"
#include "testing/test_support.h"

namespace harness {
namespace {

TEST(PageCache, AFileJustReadIsResidentAndNeverMoreThanWhole) {
  testing::TempDir tmp;
  auto f = tmp.path() / "f";
  std::ofstream(f) << std::string(64 * 1024, 'x');
  ScopedFd fd(::open(f.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd.is_open());
  char buf[4096];
  while (::read(fd.get(), buf, sizeof buf) > 0) {
  }
  auto r = page_cache_residency(fd.get());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->total_pages, 64u * 1024 / static_cast<unsigned>(sysconf(_SC_PAGESIZE)));
  EXPECT_GT(r->resident_pages, 0u);
  EXPECT_LE(r->resident_pages, r->total_pages);
  // Evicted, it is gone (written back first: dirty pages stay).
  ASSERT_EQ(fdatasync(fd.get()), 0);
  posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED);
  auto after = page_cache_residency(fd.get());
  ASSERT_TRUE(after);
  EXPECT_LT(after->resident_pages, r->resident_pages);
}

}  // namespace
}  // namespace harness
