#include "vm/boot_loop.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

BootResult ended(BootEnd end, bool ready = false) {
  BootResult br;
  br.end = end;
  br.ready = ready;
  br.qemu_exit = end == BootEnd::qemu_exited ? "exit 1" : "killed by SIGKILL";
  return br;
}

// The console's answer, counting how often it was asked.
struct Console {
  bool reached_init = false;
  int asked = 0;
  std::function<bool()> fn() {
    return [this] {
      ++asked;
      return reached_init;
    };
  }
};

constexpr KernelForm kPvh = KernelForm::pvh_vmlinux, kBz = KernelForm::bzimage;

TEST(BootLoop, AGuestThatRanHasSettled) {
  Console c;
  for (KernelForm form : {kPvh, kBz})
    for (BootEnd end : {BootEnd::finished, BootEnd::timed_out, BootEnd::guest_error, BootEnd::qemu_exited}) {
      EXPECT_EQ(next_boot(ended(end, /*ready=*/true), false, form, 0, c.fn()), NextBoot::settled);
    }
  EXPECT_EQ(c.asked, 0) << "a guest that became ready reached /init; the console is not read";
}

TEST(BootLoop, AGuestNotReadyInTimeGetsOneFreshBoot) {
  Console c;
  EXPECT_EQ(next_boot(ended(BootEnd::not_ready), false, kBz, 0, c.fn()), NextBoot::retry);
  EXPECT_EQ(next_boot(ended(BootEnd::not_ready), false, kBz, 1, c.fn()), NextBoot::settled) << "only one";
  // Even on the PVH vmlinux: a hang is no fault of the kernel's form.
  EXPECT_EQ(next_boot(ended(BootEnd::not_ready), false, kPvh, 0, c.fn()), NextBoot::retry);
  EXPECT_EQ(c.asked, 0);
}

TEST(BootLoop, APvhVmlinuxThatNeverReachedInitFallsBackToTheBzImage) {
  Console c;
  EXPECT_EQ(next_boot(ended(BootEnd::qemu_exited), false, kPvh, 0, c.fn()), NextBoot::bzimage);
  EXPECT_EQ(c.asked, 1);
  // ... also once the retry is spent.
  EXPECT_EQ(next_boot(ended(BootEnd::not_ready), false, kPvh, 1, c.fn()), NextBoot::bzimage);
  // A KVM probe that was not ready gets no retry; on a PVH vmlinux that
  // never reached /init, the bzImage is next.
  EXPECT_EQ(next_boot(ended(BootEnd::not_ready), /*probe=*/true, kPvh, 0, c.fn()), NextBoot::bzimage);
}

TEST(BootLoop, AGuestThatReachedInitKeepsItsKernel) {
  Console c;
  c.reached_init = true;
  EXPECT_EQ(next_boot(ended(BootEnd::qemu_exited), false, kPvh, 0, c.fn()), NextBoot::settled);
  EXPECT_EQ(next_boot(ended(BootEnd::guest_error), false, kPvh, 0, c.fn()), NextBoot::settled);
  EXPECT_EQ(c.asked, 2);
}

TEST(BootLoop, AnInterruptedBootIsNeverBootedAgain) {
  Console c;
  for (KernelForm form : {kPvh, kBz})
    for (unsigned retries : {0u, 1u})
      EXPECT_EQ(next_boot(ended(BootEnd::interrupted), false, form, retries, c.fn()), NextBoot::settled);
  EXPECT_EQ(c.asked, 0);
}

TEST(BootLoop, ABzImageThatFailedHasNothingToFallBackTo) {
  Console c;
  EXPECT_EQ(next_boot(ended(BootEnd::qemu_exited), false, kBz, 0, c.fn()), NextBoot::settled);
  EXPECT_EQ(next_boot(ended(BootEnd::not_ready), /*probe=*/true, kBz, 0, c.fn()), NextBoot::settled);
  EXPECT_EQ(c.asked, 0);
}

}  // namespace
}  // namespace harness
