#include "vm/guest_init.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/error.h"

namespace harness {
namespace {

using nlohmann::json;

GuestInitConfig sample() {
  GuestInitConfig c;
  c.modules = {"/lib/modules/k/virtio.ko", "/lib/modules/k/virtio blk.ko"};
  c.scratch_device = "/dev/vdb";
  c.scratch_fs = "ext4";
  c.scratch_dir = "/scratch";
  c.run_file = "/scratch/run.json";
  return c;
}

TEST(GuestInit, ConfigRoundTripsThroughJson) {
  GuestInitConfig back = guest_init_config_from_json(json::parse(to_json(sample()).dump()));
  EXPECT_EQ(back.modules, sample().modules);
  EXPECT_EQ(back.scratch_device, "/dev/vdb");
  EXPECT_EQ(back.scratch_fs, "ext4");
  EXPECT_EQ(back.scratch_dir, "/scratch");
  EXPECT_EQ(back.run_file, "/scratch/run.json");
}

TEST(GuestInit, TheRunFileRoundTripsThroughJsonAndNamesAMissingField) {
  GuestRun r{"/usr/bin:/bin", {"--scenario", "/it's.json", "--run-dir", "/scratch/run"}, "/scratch/bundle"};
  GuestRun back = guest_run_from_json(json::parse(to_json(r).dump()));
  EXPECT_EQ(back.path_env, "/usr/bin:/bin");
  EXPECT_EQ(back.agent_args, r.agent_args);
  EXPECT_EQ(back.bundle_dir, "/scratch/bundle");
  json j = to_json(r);
  j.erase("agent_args");
  try {
    guest_run_from_json(j);
    FAIL();
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("\"agent_args\" is missing"), std::string::npos) << e.what();
  }
}

TEST(GuestInit, ABrokenConfigNamesTheField) {
  json j = to_json(sample());
  j.erase("scratch_device");
  try {
    guest_init_config_from_json(j);
    FAIL();
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("\"scratch_device\" is missing"), std::string::npos) << e.what();
  }
  j = to_json(sample());
  j["modules"] = "virtio.ko";
  try {
    guest_init_config_from_json(j);
    FAIL();
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("\"modules\" has the wrong type"), std::string::npos) << e.what();
  }
  EXPECT_THROW(guest_init_config_from_json(json::array()), RuntimeError);
}

// Anywhere but as PID 1 it refuses before touching anything: it would
// mount over /dev and power the machine off.
TEST(GuestInit, RefusesUnlessItIsPid1) {
  struct stat before {}, after {};
  ASSERT_EQ(stat("/dev", &before), 0);
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(run_guest_init({"/nonexistent.json"}), 2);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("only the kernel starts this"), std::string::npos) << err;
  ASSERT_EQ(stat("/dev", &after), 0);
  EXPECT_EQ(before.st_dev, after.st_dev);
}

}  // namespace
}  // namespace harness
