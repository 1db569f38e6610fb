#include "host/kernel_log.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

TEST(KernelLog, ParsesKmsgRecords) {
  auto r = parse_kmsg_record("6,1523,17234567,-;sleep[812]: segfault at 7f00 ip 7f01 sp 7ffc error 4 in libc.so.6\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->level, 6);
  EXPECT_EQ(r->seq, 1523u);
  EXPECT_EQ(r->usec, 17234567u);
  EXPECT_EQ(r->message, "sleep[812]: segfault at 7f00 ip 7f01 sp 7ffc error 4 in libc.so.6");
  // Facility bits are above the level; continuation lines are dropped.
  auto c = parse_kmsg_record("11,2,3,c;EXT4-fs error (device loop0): ext4_find_extent:936: bad header\n SUBSYSTEM=block\n");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->level, 3);
  EXPECT_EQ(c->message, "EXT4-fs error (device loop0): ext4_find_extent:936: bad header");
  EXPECT_FALSE(parse_kmsg_record("no semicolon here"));
  EXPECT_FALSE(parse_kmsg_record("x,y;z"));
}

TEST(KernelLog, KeepsCrashesAndErrorsOnly) {
  auto keep = [](int level, const char* msg) { return is_notable_kernel_message({level, 0, 0, msg}); };
  EXPECT_TRUE(keep(6, "sleep[812]: segfault at 0 ip 0 sp 0 error 4"));
  EXPECT_TRUE(keep(6, "traps: sleep[9] trap invalid opcode ip:1 sp:2 error:0"));
  EXPECT_TRUE(keep(3, "blk_update_request: I/O error, dev loop0, sector 8"));
  EXPECT_TRUE(keep(2, "EXT4-fs error (device loop0): bad extent"));
  EXPECT_TRUE(keep(6, "EXT4-fs (loop0): mounted filesystem with ordered data mode"));
  EXPECT_FALSE(keep(6, "loop0: detected capacity change from 0 to 20480"));
  EXPECT_FALSE(keep(7, "random: crng init done"));
}

// The real device, where the test may read it (root on the host).
TEST(KernelLog, WatchStartsAndStopsOnTheRealDevice) {
  std::vector<nlohmann::json> lines;
  std::mutex m;
  KernelLogWatch w(MonoClock::now(), [&](const nlohmann::json& j) {
    std::lock_guard<std::mutex> l(m);
    lines.push_back(j);
  });
  if (!w.ok()) GTEST_SKIP() << "/dev/kmsg cannot be read here (needs root, not in a container)";
  w.stop();
  w.stop();  // idempotent
  SUCCEED();
}

}  // namespace
}  // namespace harness
