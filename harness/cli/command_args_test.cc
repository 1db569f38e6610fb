#include "cli/command_args.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace harness {
namespace {

TEST(CommandArgs, SortsPositionalValuesAndFlags) {
  CommandArgs a = parse_command_args("merge", {"a", "--out", "o", "b", "--json", "--out", "p"}, {"--out"}, {"--json"});
  EXPECT_EQ(a.positional, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(a.value("--out"), "p");  // the last one wins
  EXPECT_TRUE(a.flag("--json"));
  EXPECT_FALSE(a.flag("--dry-run"));
  EXPECT_FALSE(a.value("--junit"));
  EXPECT_FALSE(a.help);
  EXPECT_TRUE(parse_command_args("merge", {"--help"}, {}, {}).help);
}

TEST(CommandArgs, UnknownOptionsAndMissingValuesAreUsageErrors) {
  try {
    parse_command_args("report", {"run", "--frob"}, {"--junit"}, {});
    FAIL() << "accepted --frob";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
    EXPECT_STREQ(e.what(), "report: unknown option --frob");
  }
  try {
    parse_command_args("report", {"run", "--junit"}, {"--junit"}, {});
    FAIL() << "accepted --junit without a value";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
    EXPECT_STREQ(e.what(), "report: --junit needs a value");
  }
}

}  // namespace
}  // namespace harness
