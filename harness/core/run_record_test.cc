#include "core/run_record.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

TEST(RunRecord, EventsComeOutInTimeOrderAndBack) {
  RunRecord r;
  r.phases = {{"setup", 0}, {"faults", 50}};
  FaultEvent f;
  f.fault = "redeploy";
  f.action = "overwrite_truncate";
  f.t_start_ms = 60;
  r.faults = {f};
  ExecEvent early, late;
  early.t_ms = 40;
  late.t_ms = 70;
  r.execs = {late, early};
  nlohmann::json events = events_to_json(r);
  ASSERT_EQ(events.size(), 5u);
  std::vector<std::string> order;
  for (const auto& e : events) order.push_back(e.at("type").get<std::string>());
  EXPECT_EQ(order, (std::vector<std::string>{"phase", "exec", "phase", "fault", "exec"}));
  RunRecord back;
  events_from_json(events, back);
  EXPECT_EQ(back.execs.size(), 2u);
  EXPECT_EQ(back.faults.size(), 1u);
  EXPECT_EQ(back.phases.size(), 2u);
}

TEST(RunRecord, ImageAndMountRecordsHaveOneJsonForm) {
  ImageRecord i{"demo", "images/demo.img", 10485760, "ext4"};
  ImageRecord ib = image_record_from_json(to_json(i));
  EXPECT_EQ(to_json(ib), to_json(i));
  MountRecord m{"images/demo.img", "mnt/demo", "loop,ro", "/dev/loop3", 64769, 12, true, "ro,nosuid,nodev"};
  MountRecord mb = mount_record_from_json(to_json(m));
  EXPECT_EQ(to_json(mb), to_json(m));
  // A required field missing is an error, an optional one a default.
  nlohmann::json no_image = to_json(m);
  no_image.erase("image");
  EXPECT_THROW(mount_record_from_json(no_image), nlohmann::json::exception);
  nlohmann::json old = to_json(m);
  old.erase("effective_options");
  EXPECT_EQ(mount_record_from_json(old).effective_options, "");
  PlannedFault p{"memory-pressure", true};
  EXPECT_EQ(to_json(planned_fault_from_json(to_json(p))), to_json(p));
}

}  // namespace
}  // namespace harness
