// A planted shard file is refused, never followed or waited on.
#include "cli/shard_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "base/error.h"
#include "testing/test_support.h"

namespace harness {
namespace {

TEST(ShardFile, ALinkAFifoOrADeviceIsRefusedAMatrixIsRead) {
  testing::TempDir tmp;
  std::ofstream(tmp.path() / "real.json") << R"({"cells": []})";
  EXPECT_TRUE(read_shard_file(tmp.path() / "real.json", "matrix.json").contains("cells"));
  std::filesystem::create_symlink("/dev/zero", tmp.path() / "zero.json");
  std::filesystem::create_symlink(tmp.path() / "real.json", tmp.path() / "link.json");
  ASSERT_EQ(mkfifo((tmp.path() / "fifo.json").c_str(), 0600), 0);
  for (const char* name : {"zero.json", "link.json", "fifo.json"}) {
    SCOPED_TRACE(name);
    EXPECT_THROW(read_shard_file(tmp.path() / name, "matrix.json"), Error);
  }
  std::ofstream(tmp.path() / "list.json") << "[1]";
  EXPECT_THROW(read_shard_file(tmp.path() / "list.json", "matrix.json"), Error);
}

}  // namespace
}  // namespace harness
