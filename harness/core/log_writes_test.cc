#include "core/log_writes.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <endian.h>

#include "base/error.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

// Builds a log the way dm-log-writes and qemu's blklogwrites lay it out.
class LogBuilder {
 public:
  explicit LogBuilder(uint32_t ss = 512) : ss_(ss) {}
  LogBuilder& write(uint64_t sector, const std::string& data, uint64_t flags = 0) {
    std::string padded = data;
    padded.resize((data.size() + ss_ - 1) / ss_ * ss_, '\0');
    entry(sector, padded.size() / ss_, flags, "");
    body_ += padded;
    return *this;
  }
  LogBuilder& flush() { return entry(0, 0, kLogFlush, ""); }
  LogBuilder& discard(uint64_t sector, uint64_t n) { return entry(sector, n, kLogDiscard, ""); }
  LogBuilder& mark(const std::string& name) { return entry(0, 0, kLogMark, name); }
  std::string bytes(uint64_t magic = kLogWritesMagic, std::optional<uint64_t> count = std::nullopt) const {
    std::string super(ss_, '\0');
    put64(super, 0, magic);
    put64(super, 8, kLogWritesVersion);
    put64(super, 16, count ? *count : n_);
    uint32_t s = htole32(ss_);
    std::memcpy(super.data() + 24, &s, 4);
    return super + body_;
  }

 private:
  static void put64(std::string& s, size_t at, uint64_t v) {
    v = htole64(v);
    std::memcpy(s.data() + at, &v, 8);
  }
  LogBuilder& entry(uint64_t sector, uint64_t n, uint64_t flags, const std::string& inline_data) {
    std::string h(32, '\0');
    put64(h, 0, sector);
    put64(h, 8, n);
    put64(h, 16, flags);
    put64(h, 24, inline_data.size());
    h += inline_data;
    h.resize((h.size() + ss_ - 1) / ss_ * ss_, '\0');
    body_ += h;
    ++n_;
    return *this;
  }
  uint32_t ss_;
  uint64_t n_ = 0;
  std::string body_;
};

void put(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }
std::string get(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
std::string sector_of(const std::string& img, uint64_t s) { return img.substr(s * 512, 512); }
std::string filled(char c) { return std::string(512, c); }

class LogWritesTest : public ::testing::Test {
 protected:
  testing::TempDir tmp;
  fs::path base() {
    fs::path b = tmp.path() / "base.img";
    put(b, std::string(8 * 512, '.'));
    return b;
  }
  fs::path log(const std::string& bytes) {
    fs::path l = tmp.path() / "log";
    put(l, bytes);
    return l;
  }
};

TEST_F(LogWritesTest, EnumeratesEntries) {
  LogBuilder b;
  b.write(2, filled('a')).flush().write(3, filled('b') + filled('c'), kLogFua).discard(6, 2).mark("done");
  LogWrites lw = LogWrites::open(log(b.bytes()));
  ASSERT_EQ(lw.entries().size(), 5u);
  EXPECT_EQ(lw.sector_size(), 512u);
  EXPECT_EQ(lw.entries()[0].sector, 2u);
  EXPECT_EQ(lw.entries()[1].flags, kLogFlush);
  EXPECT_EQ(lw.entries()[2].nr_sectors, 2u);
  EXPECT_TRUE(lw.entries()[2].durable());
  EXPECT_EQ(lw.entries()[3].flags, kLogDiscard);
  EXPECT_EQ(lw.entries()[4].mark, "done");
}

TEST_F(LogWritesTest, ReplaysToKnownStates) {
  LogBuilder b;
  b.write(1, filled('a')).write(1, filled('b')).flush().write(4, filled('c') + filled('d')).discard(5, 1);
  LogWrites lw = LogWrites::open(log(b.bytes()));
  fs::path out = tmp.path() / "out.img";

  lw.replay(base(), out, 0);
  EXPECT_EQ(get(out), std::string(8 * 512, '.'));

  lw.replay(base(), out, 1);
  EXPECT_EQ(sector_of(get(out), 1), filled('a'));
  EXPECT_EQ(sector_of(get(out), 4), filled('.'));

  lw.replay(base(), out, 2);  // the later write wins
  EXPECT_EQ(sector_of(get(out), 1), filled('b'));

  lw.replay(base(), out, 4);
  std::string img = get(out);
  EXPECT_EQ(sector_of(img, 4), filled('c'));
  EXPECT_EQ(sector_of(img, 5), filled('d'));
  EXPECT_EQ(sector_of(img, 0), filled('.'));

  lw.replay(base(), out, 5);  // the discard zeroes
  img = get(out);
  EXPECT_EQ(sector_of(img, 5), std::string(512, '\0'));
  EXPECT_EQ(sector_of(img, 4), filled('c'));
  EXPECT_EQ(img.size(), 8u * 512);
  EXPECT_THROW(lw.replay(base(), out, 6), RuntimeError);
}

TEST_F(LogWritesTest, LargerSectorSize) {
  LogBuilder b(4096);
  b.write(1, std::string(4096, 'x'));
  LogWrites lw = LogWrites::open(log(b.bytes()));
  fs::path bb = tmp.path() / "big.img";
  put(bb, std::string(3 * 4096, '.'));
  lw.replay(bb, tmp.path() / "o", 1);
  std::string img = get(tmp.path() / "o");
  EXPECT_EQ(img.substr(4096, 4096), std::string(4096, 'x'));
  EXPECT_EQ(img.substr(0, 4096), std::string(4096, '.'));
}

TEST_F(LogWritesTest, RefusesAWriteBeyondTheImage) {
  LogBuilder b;
  b.write(8, filled('z'));
  LogWrites lw = LogWrites::open(log(b.bytes()));
  try {
    lw.replay(base(), tmp.path() / "o", 1);
    FAIL() << "replayed past the end";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("beyond"), std::string::npos) << e.what();
  }
}

std::string open_error(const fs::path& p) {
  try {
    LogWrites::open(p);
  } catch (const RuntimeError& e) {
    return e.what();
  }
  return "";
}

TEST_F(LogWritesTest, RefusesATruncatedLog) {
  LogBuilder b;
  b.write(1, filled('a') + filled('b')).flush();
  std::string bytes = b.bytes();
  // Cut inside the first entry's data.
  std::string err = open_error(log(bytes.substr(0, 512 + 512 + 700)));
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;
  // Cut before the second entry.
  err = open_error(log(bytes.substr(0, 512 + 3 * 512)));
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;
  err = open_error(log(bytes.substr(0, 20)));
  EXPECT_NE(err.find("shorter than its super block"), std::string::npos) << err;
}

TEST_F(LogWritesTest, RefusesACorruptLog) {
  LogBuilder b;
  b.write(1, filled('a'));
  std::string err = open_error(log(b.bytes(0x1234)));
  EXPECT_NE(err.find("magic"), std::string::npos) << err;
  err = open_error(log(b.bytes(kLogWritesMagic, 1u << 30)));
  EXPECT_NE(err.find("entries"), std::string::npos) << err;
  std::string bytes = b.bytes();
  bytes[512 + 16] = 0x40;  // an unknown flag
  err = open_error(log(bytes));
  EXPECT_NE(err.find("unknown flags"), std::string::npos) << err;
  bytes = b.bytes();
  bytes[24] = 0x03;  // sector size 515
  bytes[25] = 0x02;
  err = open_error(log(bytes));
  EXPECT_NE(err.find("sector size"), std::string::npos) << err;
  EXPECT_NE(open_error(tmp.path() / "missing").find("cannot open"), std::string::npos);
}

TEST(CrashPoints, EveryFlushTheEndAndASeededSample) {
  std::vector<LogWritesEntry> es(20);
  es[4].flags = kLogFlush;
  es[9].flags = kLogFua;
  es[19].flags = kLogFlush;
  auto pts = crash_points(es, 5, 42);
  ASSERT_EQ(pts.size(), 8u);
  std::vector<uint64_t> durable;
  for (const auto& p : pts)
    if (p.why != "sampled") durable.push_back(p.entries);
  EXPECT_EQ(durable, (std::vector<uint64_t>{5, 10, 20}));
  for (size_t i = 1; i < pts.size(); ++i) EXPECT_LT(pts[i - 1].entries, pts[i].entries);
  auto again = crash_points(es, 5, 42);
  for (size_t i = 0; i < pts.size(); ++i) EXPECT_EQ(pts[i].entries, again[i].entries);
  // No flush at the end: the end is a point of its own; a sample larger
  // than what is left takes all of it.
  es[19].flags = 0;
  pts = crash_points(es, 100, 1);
  EXPECT_EQ(pts.size(), 20u);
  EXPECT_EQ(pts.back().entries, 20u);
  EXPECT_EQ(pts.back().why, "end");
  EXPECT_TRUE(crash_points({}, 10, 1).empty());
}

// Before the setup's install was durable, a power cut only loses the first
// install: no point there is judged, and the skipped flushes are counted.
TEST(CrashPoints, NoneAtOrBeforeTheDurablePoint) {
  std::vector<LogWritesEntry> es(20);
  es[1].flags = kLogFlush;
  es[4].flags = kLogFlush;  // k = 5
  es[6].flags = kLogFua;    // k = 7: the mark itself, written with FUA
  es[9].flags = kLogFlush;  // k = 10
  auto pts = crash_points(es, 100, 3, /*after=*/7);
  ASSERT_FALSE(pts.empty());
  for (const auto& p : pts) EXPECT_GT(p.entries, 7u) << p.why;
  EXPECT_EQ(pts.front().entries, 8u) << "every point after it, when the sample is large";
  EXPECT_EQ(pts.size(), 13u);
  EXPECT_EQ(durable_points_before(es, 7), 2u) << "k = 2 and 5; k = 7 is the durable point itself";
  EXPECT_EQ(durable_points_before(es, 0), 0u);
  pts = crash_points(es, 0, 3, 7);
  ASSERT_EQ(pts.size(), 2u);
  EXPECT_EQ(pts[0].entries, 10u);
  EXPECT_EQ(pts[0].why, "flush");
  EXPECT_EQ(pts[1].why, "end");
  EXPECT_TRUE(crash_points(es, 10, 3, 20).empty()) << "nothing after the last entry";
}

// A guest that flushes in a loop costs a replay, an e2fsck and a mount per
// flush: past the cap, that many flush points spread from the first to
// the last, the end, and the sample between (never a dropped flush).
TEST(CrashPoints, AtMostTheCapOfFlushesSpreadEvenlyThenTheEnd) {
  std::vector<LogWritesEntry> es(1001);
  for (size_t i = 0; i < 1000; ++i) es[i].flags = kLogFlush;  // k = 1..1000; entry 1000 is a write
  EXPECT_EQ(durable_points_after(es, 0), 1000u);
  EXPECT_EQ(durable_points_after(es, 10), 990u);
  auto pts = crash_points(es, 0, 1, 0, 64);
  ASSERT_EQ(pts.size(), 65u) << "64 flushes and the end";
  EXPECT_EQ(pts.front().entries, 1u) << "the first flush";
  EXPECT_EQ(pts[63].entries, 1000u) << "the last flush";
  EXPECT_EQ(pts.back().entries, 1001u);
  EXPECT_EQ(pts.back().why, "end");
  for (size_t i = 1; i + 1 < pts.size(); ++i) {
    EXPECT_LT(pts[i - 1].entries, pts[i].entries);
    EXPECT_LE(pts[i].entries - pts[i - 1].entries, 16u) << "evenly: 999 / 63 apart, give or take one";
    EXPECT_GE(pts[i].entries - pts[i - 1].entries, 15u);
  }
  // The default cap holds without being asked for, and samples never
  // bring a dropped flush back.
  pts = crash_points(es, 10, 1, 0);
  size_t flushes = 0;
  for (const auto& p : pts) flushes += p.why == "flush";
  EXPECT_EQ(flushes, kMaxFlushCrashPoints);
  EXPECT_EQ(pts.size(), kMaxFlushCrashPoints + 1u) << "no other point is left to sample: all are flushes";
  // Under the cap nothing changes; a cap of one keeps the last flush.
  EXPECT_EQ(crash_points(es, 0, 1, 990, 64).size(), 11u);
  pts = crash_points(es, 0, 1, 0, 1);
  ASSERT_EQ(pts.size(), 2u);
  EXPECT_EQ(pts[0].entries, 1000u);
}

TEST_F(LogWritesTest, ReadsAnEntrysData) {
  LogBuilder b;
  b.write(2, filled('a')).flush().write(3, "hello" + std::string(1019, 'x')).discard(6, 2);
  LogWrites lw = LogWrites::open(log(b.bytes()));
  EXPECT_EQ(lw.data(0, 4), "aaaa");
  EXPECT_EQ(lw.data(1, 100), "") << "a flush writes nothing";
  EXPECT_EQ(lw.data(2, 5), "hello");
  EXPECT_EQ(lw.data(2, 5000).size(), 1024u) << "at most what it wrote";
  EXPECT_EQ(lw.data(3, 10), "") << "a discard carries no data";
  EXPECT_THROW(lw.data(4, 1), RuntimeError);
}

}  // namespace
}  // namespace harness
