#include "base/atomic_write.h"

#include <gtest/gtest.h>

#include <thread>

#include "base/error.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

TEST(AtomicWrite, WritesWholeAndLeavesNoTemporary) {
  testing::TempDir tmp;
  write_file_atomically(tmp.path() / "f", "first");
  write_file_atomically(tmp.path() / "f", "second, longer");
  EXPECT_EQ(testing::slurp(tmp.path() / "f"), "second, longer");
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(tmp.path())) entries += e.path().filename() == "f" ? 1 : 100;
  EXPECT_EQ(entries, 1u);
}

TEST(AtomicWrite, ConcurrentWritersEachLeaveAWholeFile) {
  testing::TempDir tmp;
  std::vector<std::thread> ts;
  for (int i = 0; i < 8; ++i)
    ts.emplace_back([&, i] { write_file_atomically(tmp.path() / "f", std::string(4096, static_cast<char>('a' + i))); });
  for (auto& t : ts) t.join();
  std::string s = testing::slurp(tmp.path() / "f");
  ASSERT_EQ(s.size(), 4096u);
  EXPECT_EQ(s.find_first_not_of(s[0]), std::string::npos) << "a torn write";
}

TEST(AtomicWrite, AMissingFolderIsAnEnvironmentError) {
  testing::TempDir tmp;
  EXPECT_THROW(write_file_atomically(tmp.path() / "no" / "f", "x"), EnvironmentError);
}

}  // namespace
}  // namespace harness
