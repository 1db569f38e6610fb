#include "host/scratch_filesystems.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

TEST(PathBelow, GivesThePathRelativeToTheDirectory) {
  EXPECT_EQ(path_below("data/images/stack.img", "data"), "images/stack.img");
  EXPECT_EQ(path_below("data/stack.img", "data"), "stack.img");
}

TEST(PathBelow, RefusesTheDirectoryItselfAndWhatLiesBesideIt) {
  EXPECT_EQ(path_below("data", "data"), std::nullopt);
  EXPECT_EQ(path_below("database/stack.img", "data"), std::nullopt);
  EXPECT_EQ(path_below("other/stack.img", "data"), std::nullopt);
  EXPECT_EQ(path_below("stack.img", "data"), std::nullopt);
}

TEST(ScratchFilesystems, WithNoneMountedNothingLiesBeneathOne) {
  ScratchFilesystems none;
  EXPECT_FALSE(none.open_beneath("data/stack.img").has_value());
  none.unmount();  // nothing to undo
}

}  // namespace
}  // namespace harness
