#include "vm/vm_session.h"

#include <gtest/gtest.h>

#include <fstream>

#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

// The helpers a boot's outcome is described with; the session itself runs
// qemu and is the integration tests'.

TEST(VmSession, FirstLineOfAMessage) {
  EXPECT_EQ(first_line("qemu-system-x86_64: -kernel vmlinux: error\nmore\n"), "qemu-system-x86_64: -kernel vmlinux: error");
  EXPECT_EQ(first_line("one line"), "one line");
  EXPECT_EQ(first_line(""), "no message");
  EXPECT_EQ(first_line("\nsecond"), "no message") << "an empty first line says nothing";
}

TEST(VmSession, TailOfALogSkipsBlankLines) {
  testing::TempDir tmp;
  fs::path log = tmp.path() / "console.log";
  std::ofstream(log) << "one\n\ntwo\n\r\nthree\nfour\n\n";
  EXPECT_EQ(tail_of_file(log, 3), "two | three | four");
  EXPECT_EQ(tail_of_file(log, 10), "one | two | three | four");
  EXPECT_EQ(tail_of_file(log, 1), "four");
  EXPECT_EQ(tail_of_file(log, 0), "");
}

TEST(VmSession, TailOfAMissingOrEmptyLogIsEmpty) {
  testing::TempDir tmp;
  EXPECT_EQ(tail_of_file(tmp.path() / "none.log", 3), "");
  std::ofstream(tmp.path() / "empty.log") << "";
  EXPECT_EQ(tail_of_file(tmp.path() / "empty.log", 3), "");
}

TEST(VmSession, TailOfALogWithoutAFinalNewline) {
  testing::TempDir tmp;
  std::ofstream(tmp.path() / "c.log") << "a\nb";
  EXPECT_EQ(tail_of_file(tmp.path() / "c.log", 2), "a | b");
}

}  // namespace
}  // namespace harness
