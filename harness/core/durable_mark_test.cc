#include "core/durable_mark.h"

#include <endian.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "base/error.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

// A log of whole-sector writes and flushes, as blklogwrites lays it out.
std::string log_of(const std::vector<std::pair<uint64_t, std::string>>& writes) {
  auto put64 = [](std::string& s, size_t at, uint64_t v) {
    v = htole64(v);
    std::memcpy(s.data() + at, &v, 8);
  };
  std::string body;
  for (const auto& [sector, data] : writes) {
    std::string h(512, '\0');
    put64(h, 0, sector);
    put64(h, 8, data.size() / 512);
    put64(h, 16, data.empty() ? kLogFlush : 0);
    body += h + data;
  }
  std::string super(512, '\0');
  put64(super, 0, kLogWritesMagic);
  put64(super, 8, kLogWritesVersion);
  put64(super, 16, writes.size());
  uint32_t ss = htole32(512);
  std::memcpy(super.data() + 24, &ss, 4);
  return super + body;
}

class DurableMarkTest : public ::testing::Test {
 protected:
  LogWrites open(const std::vector<std::pair<uint64_t, std::string>>& writes) {
    fs::path p = tmp_.path() / "log";
    std::ofstream(p, std::ios::binary) << log_of(writes);
    return LogWrites::open(p);
  }
  testing::TempDir tmp_;
};

TEST(DurableMark, ItLiesJustPastTheFilesystem) {
  EXPECT_EQ(durable_mark_offset(16), 16ull << 20);
  std::string b = durable_mark_block(1, "data");
  ASSERT_EQ(b.size(), kDurableMarkBytes);
  EXPECT_EQ(b.substr(0, b.find('\0')), "HARNESS-DURABLE setup scratch 2 data\n");
  EXPECT_EQ(b.find_first_not_of('\0', b.find('\0')), std::string::npos) << "zero-padded";
  EXPECT_NE(durable_mark_block(0, "data"), b) << "each scratch folder's own";
  EXPECT_EQ(durable_mark_block(0, std::string(5000, 'x')).size(), kDurableMarkBytes) << "never longer than a block";
}

TEST_F(DurableMarkTest, FoundByPlaceAndContent) {
  const uint64_t at = durable_mark_offset(16), sector = at / 512;
  const std::string mark = durable_mark_block(0, "data");
  const std::string fs_block(4096, 'f');
  LogWrites lw = open({{3, fs_block}, {0, ""}, {sector, mark}, {0, ""}, {9, fs_block}});
  EXPECT_EQ(find_durable_mark(lw, at, mark), 2u);
  // Another scratch folder's mark, the right text elsewhere, other data at
  // the place: none of them is this mark.
  EXPECT_EQ(find_durable_mark(lw, at, durable_mark_block(1, "data")), std::nullopt);
  EXPECT_EQ(find_durable_mark(open({{sector + 8, mark}, {sector, fs_block}}), at, mark), std::nullopt);
  EXPECT_EQ(find_durable_mark(open({}), at, mark), std::nullopt);
}

TEST_F(DurableMarkTest, TwoMarksAreRefused) {
  const uint64_t at = durable_mark_offset(8);
  const std::string mark = durable_mark_block(0, "data");
  LogWrites lw = open({{at / 512, mark}, {0, ""}, {at / 512, mark}});
  try {
    find_durable_mark(lw, at, mark);
    FAIL() << "a second mark must be refused";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("written twice (entries 0 and 2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace harness
