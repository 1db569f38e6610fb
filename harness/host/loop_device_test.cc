#include "host/loop_device.h"

#include <gtest/gtest.h>

#include <fstream>

#include "testing/test_support.h"

namespace harness {
namespace {

// Only what needs no loop device: the status of things that are not
// attached loop devices, and an owner that must leave them alone. The
// attach/detach path is covered by the integration tests (root).

TEST(LoopDevice, ADeviceThatDoesNotExistHasNoStatus) {
  EXPECT_FALSE(loop_status("/dev/loop-harness-test-does-not-exist").has_value());
  EXPECT_FALSE(loop_status("").has_value());
}

TEST(LoopDevice, SomethingThatIsNotALoopDeviceHasNoStatus) {
  testing::TempDir tmp;
  std::ofstream(tmp.path() / "plain") << "not a device";
  EXPECT_FALSE(loop_status((tmp.path() / "plain").string()).has_value());
  EXPECT_FALSE(loop_status("/dev/null").has_value());
}

LoopStatus made_up(const std::string& device) {
  LoopStatus s;
  s.device = device;
  s.backing_dev = 2049;
  s.backing_inode = 77;
  s.autoclear = true;
  return s;
}

TEST(LoopDevice, AnOwnerOfAFreedDeviceForgetsItWithoutTouchingIt) {
  LoopDevice d(made_up("/dev/null"));
  ASSERT_TRUE(d.status().has_value());
  d.detach();  // /dev/null is no loop device bound to 2049:77: nothing is done to it
  EXPECT_FALSE(d.status().has_value());
  d.detach();  // idempotent
  EXPECT_FALSE(d.status().has_value());
}

TEST(LoopDevice, MovingHandsTheDeviceOver) {
  LoopDevice a(made_up("/dev/loop-harness-test-does-not-exist"));
  LoopDevice b(std::move(a));
  EXPECT_FALSE(a.status().has_value());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  ASSERT_TRUE(b.status().has_value());
  EXPECT_EQ(b.status()->backing_inode, 77u);
  LoopDevice c;
  EXPECT_FALSE(c.status().has_value());
  c = std::move(b);
  EXPECT_FALSE(b.status().has_value());  // NOLINT(bugprone-use-after-move)
  ASSERT_TRUE(c.status().has_value());
  EXPECT_EQ(c.status()->device, "/dev/loop-harness-test-does-not-exist");
  // Assigning over an owner detaches (forgets) what it held first.
  c = LoopDevice(made_up("/dev/null"));
  EXPECT_EQ(c.status()->device, "/dev/null");
}

}  // namespace
}  // namespace harness
