#include "base/transient_uid.h"

#include <pwd.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/child.h"

namespace harness {
namespace {

TEST(TransientUid, BelongsToNoAccountAndNoRunningProcess) {
  const uid_t uid = transient_uid();
  EXPECT_GE(uid, kFirstTransientUid);
  EXPECT_LT(uid, kFirstTransientUid + kTransientUidCount);
  EXPECT_EQ(::getpwuid(uid), nullptr);
  EXPECT_FALSE(uid_in_use(uid));
  EXPECT_TRUE(uid_in_use(geteuid())) << "we run as it";
}

TEST(TransientUid, AUidAProcessHoldsIsInUse) {
  if (geteuid() != 0) GTEST_SKIP() << "changing uid needs root";
  const uid_t uid = transient_uid();
  ChildOptions o;
  o.confine = SpawnConfinement{uid, 0, 0};
  Child c({"/bin/sleep", "30"}, o);
  // It runs as uid once spawn() returns (the ids change before exec).
  EXPECT_TRUE(uid_in_use(uid));
}

// A uid /etc/subuid delegates to a user is one they may run processes as
// (in a user namespace): never a transient one.
TEST(TransientUid, ReadsSubordinateRanges) {
  char path[] = "/tmp/harness-subuid-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string text = "alice:100000:65536\nbob:2130706432:10\n";
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);
  EXPECT_TRUE(delegated_subordinate_id(100000, path));
  EXPECT_TRUE(delegated_subordinate_id(165535, path));
  EXPECT_FALSE(delegated_subordinate_id(165536, path));
  EXPECT_TRUE(delegated_subordinate_id(kFirstTransientUid + 9, path));
  EXPECT_FALSE(delegated_subordinate_id(kFirstTransientUid + 10, path));
  unlink(path);
  // Below systemd's foreign range (0x7ffe0000-0x7ffeffff).
  EXPECT_LE(kFirstTransientUid + kTransientUidCount, 0x7ffe0000u);
}

}  // namespace
}  // namespace harness
