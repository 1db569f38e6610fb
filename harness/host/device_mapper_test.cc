#include "host/device_mapper.h"

#include <gtest/gtest.h>
#include <linux/dm-ioctl.h>

#include <cstring>

#include "base/error.h"

namespace harness {
namespace {

dm_ioctl header_of(const std::vector<char>& buf) {
  dm_ioctl io{};
  std::memcpy(&io, buf.data(), sizeof io);
  return io;
}

dm_target_spec spec_at(const std::vector<char>& buf, size_t at) {
  dm_target_spec s{};
  std::memcpy(&s, buf.data() + at, sizeof s);
  return s;
}

TEST(DeviceMapper, ATableLoadIsTheKernelsLayout) {
  auto buf = dm_table_load_payload("harness-1-1", {{0, 2048, "linear", "7:3 0"}, {2048, 8, "error", ""}});
  dm_ioctl io = header_of(buf);
  EXPECT_EQ(io.version[0], 4u);
  EXPECT_EQ(io.data_size, buf.size());
  EXPECT_EQ(io.data_start, sizeof(dm_ioctl));
  EXPECT_EQ(io.data_start % 8, 0u);
  EXPECT_EQ(io.target_count, 2u);
  EXPECT_STREQ(io.name, "harness-1-1");

  dm_target_spec first = spec_at(buf, io.data_start);
  EXPECT_EQ(first.sector_start, 0u);
  EXPECT_EQ(first.length, 2048u);
  EXPECT_STREQ(first.target_type, "linear");
  EXPECT_STREQ(buf.data() + io.data_start + sizeof(dm_target_spec), "7:3 0");
  EXPECT_EQ(first.next % 8, 0u);
  EXPECT_GE(first.next, sizeof(dm_target_spec) + 6);

  const size_t second_at = io.data_start + first.next;
  dm_target_spec second = spec_at(buf, second_at);
  EXPECT_EQ(second.sector_start, 2048u);
  EXPECT_EQ(second.length, 8u);
  EXPECT_STREQ(second.target_type, "error");
  EXPECT_STREQ(buf.data() + second_at + sizeof(dm_target_spec), "");
  EXPECT_EQ(second_at + second.next, buf.size()) << "the buffer ends after the last target";
}

TEST(DeviceMapper, NamesAndTypesThatDoNotFitAreRefused) {
  EXPECT_THROW(dm_table_load_payload(std::string(DM_NAME_LEN, 'x'), {{0, 8, "error", ""}}), RuntimeError);
  EXPECT_THROW(dm_table_load_payload("", {{0, 8, "error", ""}}), RuntimeError);
  EXPECT_THROW(dm_table_load_payload("n", {{0, 8, std::string(DM_MAX_TYPE_NAME, 't'), ""}}), RuntimeError);
}

TEST(DeviceMapper, AKernelWithoutItSaysWhatToDo) {
  // Either answer is this machine's; a missing device-mapper must say
  // how to get one, or where else to run.
  if (auto why = device_mapper_missing()) {
    EXPECT_NE(why->find("--backend vm"), std::string::npos) << *why;
    EXPECT_NE(why->find("dm-mod"), std::string::npos) << *why;
  }
}

}  // namespace
}  // namespace harness
