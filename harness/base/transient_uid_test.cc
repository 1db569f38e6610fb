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

}  // namespace
}  // namespace harness
