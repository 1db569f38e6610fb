#include "core/exec_class.h"

#include <gtest/gtest.h>
#include <signal.h>

namespace harness {
namespace {

// Raw statuses as the kernel encodes them (see wait(2)).
int exited(int code) { return (code & 0xff) << 8; }
int signaled(int sig, bool core = false) { return sig | (core ? 0x80 : 0); }

TEST(ExecClass, FromRawStatus) {
  EXPECT_EQ(classify_wait_status(exited(0)).cls, ExecClass::ok);
  EXPECT_EQ(classify_wait_status(exited(11)).cls, ExecClass::exit_nonzero);
  EXPECT_EQ(classify_wait_status(exited(11)).exit_code, 11);
  EXPECT_EQ(classify_wait_status(signaled(SIGSEGV, true)).cls, ExecClass::sigsegv);
  EXPECT_EQ(classify_wait_status(signaled(SIGBUS)).cls, ExecClass::sigbus);
  EXPECT_EQ(classify_wait_status(signaled(SIGILL)).cls, ExecClass::sigill);
  auto o = classify_wait_status(signaled(SIGTERM));
  EXPECT_EQ(o.cls, ExecClass::other_signal);
  EXPECT_EQ(o.signal, SIGTERM);
}

TEST(ExecClass, NamesRoundTrip) {
  for (ExecClass c : kAllExecClasses) EXPECT_EQ(exec_class_from_string(to_string(c)), c);
  EXPECT_FALSE(exec_class_from_string("abnormal"));
  EXPECT_FALSE(is_abnormal(ExecClass::ok));
  EXPECT_TRUE(is_abnormal(ExecClass::hung));
}

}  // namespace
}  // namespace harness
