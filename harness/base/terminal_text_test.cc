#include "base/terminal_text.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

TEST(TerminalText, EscapeSequencesAreShownNotSent) {
  EXPECT_EQ(terminal_safe("pass\x1b]0;owned\x07\x1b[2J"), "pass\\x1b]0;owned\\x07\\x1b[2J");
  EXPECT_EQ(terminal_safe("a\x7f" "b"), "a\\x7fb");
  EXPECT_EQ(terminal_safe("\xc2\x9b" "31m"), "\\u009b31m") << "a C1 CSI in UTF-8";
  EXPECT_EQ(terminal_safe("\x9b" "31m"), "\\x9b31m") << "a lone C1 byte";
}

TEST(TerminalText, NewlinesForgeNoLineUnlessTheTextHasSeveral) {
  EXPECT_EQ(terminal_safe("pass\nfail  x"), "pass\\x0afail  x");
  EXPECT_EQ(terminal_safe("a\n\tb\r", true), "a\n\tb\\x0d");
}

TEST(TerminalText, PrintableTextIsUnchanged) {
  for (const char* s : {"pass", "caf\xc3\xa9", "\xe2\x82\xac 5", "\xf0\x9f\x98\x80 ok", "a/b c-d_e.json"})
    EXPECT_EQ(terminal_safe(s), s);
}

}  // namespace
}  // namespace harness
