#include "base/error.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

namespace harness {
namespace {

TEST(Error, ErrnoNamesAreTheSymbols) {
  EXPECT_EQ(errno_name(ENOENT), "ENOENT");
  EXPECT_EQ(errno_name(EPERM), "EPERM");
  EXPECT_EQ(errno_name(ENOSPC), "ENOSPC");
  EXPECT_EQ(errno_name(987654), "errno 987654") << "an unknown number is still named";
}

TEST(Error, ErrnoMessageSaysWhatWhyAndTheSymbol) {
  EXPECT_EQ(errno_message("stack.img: open", ENOENT),
            std::string("stack.img: open: ") + std::strerror(ENOENT) + " (ENOENT)");
}

TEST(Error, AScenarioErrorIsLocated) {
  ScenarioError e("s.json", 3, 14, "$.faults[0].at_ms", "must be a number");
  EXPECT_STREQ(e.what(), "s.json:3:14: $.faults[0].at_ms: must be a number");
  EXPECT_EQ(e.kind(), ErrorKind::invalid_scenario);
  EXPECT_EQ(e.file(), "s.json");
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.col(), 14);
  EXPECT_EQ(e.json_path(), "$.faults[0].at_ms");
  EXPECT_EQ(e.message(), "must be a number");
}

TEST(Error, EachClassHasItsKind) {
  EXPECT_EQ(EnvironmentError("x").kind(), ErrorKind::environment);
  EXPECT_EQ(RuntimeError("x").kind(), ErrorKind::runtime);
  SystemError s("read", EIO);
  EXPECT_EQ(s.kind(), ErrorKind::runtime);
  EXPECT_EQ(s.err(), EIO);
  EXPECT_STREQ(s.what(), "read");
  // Caught as the base the CLI maps to an exit code.
  try {
    throw SystemError("write", ENOSPC);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::runtime);
  }
}

}  // namespace
}  // namespace harness
