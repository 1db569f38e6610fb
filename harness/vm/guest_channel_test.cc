#include "vm/guest_channel.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

using nlohmann::json;

TEST(GuestChannel, MarkedLinesRoundTripAndNoiseIsIgnored) {
  std::string m = new_channel_marker();
  EXPECT_NE(m, new_channel_marker());
  json msg = {{"msg", "event"}, {"event", {{"type", "exec"}, {"class", "sigsegv"}}}};
  std::string line = channel_line(m, msg);
  ASSERT_EQ(line.back(), '\n');
  line.pop_back();
  auto back = parse_channel_line(m, line);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, msg);
  // A console may prefix a line with a partial kernel message.
  EXPECT_TRUE(parse_channel_line(m, "[ 1.2] junk" + line));
  EXPECT_FALSE(parse_channel_line(m, "[    1.234] EXT4-fs error (device loop0): bad extent"));
  EXPECT_FALSE(parse_channel_line(m, m + " {truncated"));
  EXPECT_FALSE(parse_channel_line(new_channel_marker(), line));  // another run's marker
}

TEST(GuestChannel, InvalidUtf8IsReplacedNotThrown) {
  json msg = {{"msg", "event"}, {"stdout", std::string("\xff\xfe ok")}};
  std::string line;
  EXPECT_NO_THROW(line = channel_line("@@m@@", msg));
  EXPECT_TRUE(parse_channel_line("@@m@@", line));
}

TEST(GuestChannel, RecordMessageRoundTrips) {
  RunRecord g;
  g.images.push_back({"demo", "images/demo.img", 10485760, "ext4"});
  g.mounts.push_back({"images/demo.img", "mnt/demo", "loop,ro", "/dev/loop0", 64769, 12, true, "ro,nosuid,nodev"});
  g.environment = {{"kernel", "6.1.0-guest"}, {"backend", "host"}, {"sizing", "calibrated: ..."}};
  g.harness_pid = 57;
  Writer w;
  w.process = ProcessInfo{81, 80, "/usr/bin/cat", {"cat"}};
  w.ancestors = {ProcessInfo{80, 57, "/bin/sh", {"sh", "install.sh"}}};
  w.path = "data/cedar-14.img";
  w.modify_events = 3;
  g.writes.writers = {w};
  g.writes.watches = {Watch{"data/cedar-14.img", "mnt/stack", "/dev/loop0", "loop,ro", 1, 2, 10, 900}};
  g.writes.method = "fanotify";
  g.images_evidence = json::array({{{"path", "data/cedar-14.img"}, {"moment", "mounted"}, {"sha256", "ab"}}});
  g.page_cache = json::array({{{"t_ms", 5.0}, {"resident_pages", 3}}});
  g.duration_ms = 1234.5;
  g.timed_out = true;
  g.execs.resize(3);
  json m = record_message(g);
  EXPECT_EQ(m.at("execs"), 3);
  // Through the wire and back.
  auto back = parse_channel_line("@@m@@", channel_line("@@m@@", m));
  ASSERT_TRUE(back);
  RunRecord h;
  h.environment = {{"backend", "vm"}};
  apply_record_message(*back, h);
  ASSERT_EQ(h.images.size(), 1u);
  EXPECT_EQ(h.images[0].size_bytes, 10485760u);
  ASSERT_EQ(h.mounts.size(), 1u);
  EXPECT_EQ(h.mounts[0].loop_device, "/dev/loop0");
  EXPECT_TRUE(h.mounts[0].autoclear);
  EXPECT_EQ(h.mounts[0].effective_options, "ro,nosuid,nodev");
  EXPECT_TRUE(h.timed_out);
  EXPECT_EQ(h.environment.at("guest_kernel"), "6.1.0-guest");
  EXPECT_EQ(h.environment.at("backend"), "vm");  // the host's own facts stay
  EXPECT_EQ(h.environment.at("sizing"), "calibrated: ...");  // the guest's calibration
  // The guest's evidence comes across whole, with the agent's (guest) pid
  // that attribution needs to tell the harness's own writes apart.
  ASSERT_EQ(h.writes.writers.size(), 1u);
  EXPECT_EQ(to_json(h.writes.writers[0]), to_json(g.writes.writers[0]));
  EXPECT_EQ(to_json(h.writes), to_json(g.writes));
  EXPECT_EQ(h.images_evidence, g.images_evidence);
  EXPECT_EQ(h.page_cache, g.page_cache);
  EXPECT_EQ(h.harness_pid, 57);
}

TEST(GuestChannel, CmdlineValues) {
  std::string c = "console=ttyS0 quiet harness.marker=@@harness-ab@@ panic=-1\n";
  EXPECT_EQ(cmdline_value(c, "harness.marker"), "@@harness-ab@@");
  EXPECT_EQ(cmdline_value(c, "panic"), "-1");
  EXPECT_FALSE(cmdline_value(c, "quiet"));
  EXPECT_FALSE(cmdline_value(c, "harness"));
}

struct Receiving {
  explicit Receiving(ChannelLimits limits = {}) : rx(marker, rec, obs, limits) {}
  std::string marker = "@@m@@";
  RunRecord rec;
  RunObserver obs;
  ChannelReceiver rx;
  ChannelReceiver::Step take(const json& msg) {
    std::string line = channel_line(marker, msg);
    line.pop_back();
    return rx.take(line);
  }
};

// A guest that says "ready" again and again must not push the host's
// deadline out each time: only the first one starts the run's clock.
TEST(ChannelReceiver, OnlyTheFirstReadyCounts) {
  Receiving g;
  EXPECT_EQ(g.take({{"msg", "ready"}}), ChannelReceiver::Step::ready);
  EXPECT_EQ(g.take({{"msg", "ready"}}), ChannelReceiver::Step::none);
  EXPECT_EQ(g.take({{"msg", "ready"}}), ChannelReceiver::Step::none);
}

TEST(ChannelReceiver, KeepsABoundedNumberOfKernelLines) {
  Receiving g;
  for (int i = 0; i < 20000; ++i) g.take({{"msg", "kmsg"}, {"t_ms", i}, {"line", "EXT4-fs error"}});
  EXPECT_LE(g.rec.kernel_log.size(), 10000u);
  EXPECT_GT(g.rec.kernel_log.size(), 1000u);
}

TEST(ChannelReceiver, KeepsABoundedNumberOfEvents) {
  // The default bounds: what a scenario can legitimately produce.
  EXPECT_EQ(ChannelLimits{}.exec_events, kMaxIterations + 100'000);
  EXPECT_EQ(ChannelLimits{}.other_events, 1'000'000u);
  ChannelLimits small;
  small.exec_events = 50;
  small.other_events = 100;
  Receiving g(small);
  json phase = {{"msg", "event"}, {"event", to_json(PhaseEvent{"faults", 1.0})}};
  json fault = {{"msg", "event"}, {"event", to_json(FaultEvent{})}};
  json exec = {{"msg", "event"}, {"event", to_json(ExecEvent{})}};
  for (int i = 0; i < 100; ++i) g.take(phase), g.take(fault), g.take(exec);
  EXPECT_EQ(g.rec.phases.size() + g.rec.faults.size(), 100u);
  EXPECT_EQ(g.rec.execs.size(), 50u);
  EXPECT_NE(g.rec.error.find("dropped"), std::string::npos) << "a guest flooding the host is a guest error: "
                                                            << g.rec.error;
}

// The flood of issue 26: 60 kernel lines of 8 MiB made a 503 MB report.
// Each line is cut, and what the host keeps in all is bounded.
TEST(ChannelReceiver, AKernelLineIsCutToItsBound) {
  Receiving g;
  g.take({{"msg", "kmsg"}, {"t_ms", 1}, {"line", std::string(1u << 20, 'x')}});
  ASSERT_EQ(g.rec.kernel_log.size(), 1u);
  std::string line = g.rec.kernel_log[0].at("line").get<std::string>();
  EXPECT_LT(line.size(), kMaxGuestKernelLineBytes + 100);
  EXPECT_NE(line.find("more bytes cut by the host"), std::string::npos);
}

TEST(ChannelReceiver, KeepsABoundedTotalAndStillSeesTheEnd) {
  ChannelLimits small;
  small.total_bytes = 256u << 10;
  Receiving g(small);
  json phase = {{"msg", "event"}, {"event", to_json(PhaseEvent{std::string(10000, 'p'), 1.0})}};
  for (int i = 0; i < 100; ++i) g.take(phase);  // 1 MB sent
  size_t kept = 0;
  for (const auto& p : g.rec.phases) kept += p.name.size();
  EXPECT_LE(kept, small.total_bytes);
  EXPECT_GT(kept, small.total_bytes / 2);
  EXPECT_NE(g.rec.error.find("more than 262144 bytes of messages"), std::string::npos) << g.rec.error;
  EXPECT_EQ(g.take({{"msg", "end"}}), ChannelReceiver::Step::end) << "the end is still heard";
}

TEST(ChannelReceiver, OnlyTheFirstRecordIsTaken) {
  Receiving g;
  json record = record_message(RunRecord{});
  record["images"] = json::array({to_json(ImageRecord{})});
  g.take(record);
  g.take(record);
  g.take(record);
  EXPECT_EQ(g.rec.images.size(), 1u);
  EXPECT_NE(g.rec.error.find("a second record"), std::string::npos) << g.rec.error;
}

TEST(ChannelReceiver, AnAgentsErrorMessageIsCut) {
  Receiving g;
  g.take({{"msg", "error"}, {"kind", "runtime"}, {"message", std::string(kMaxGuestErrorBytes * 2, 'e')}});
  EXPECT_LT(g.rec.error.size(), kMaxGuestErrorBytes + 100);
}

TEST(ChannelReceiver, AMalformedMessageIsAGuestErrorNotACrash) {
  for (const json& bad : {json{{"msg", "event"}}, json{{"msg", 0}},
                          json{{"msg", "event"}, {"event", {{"type", "exec"}, {"t_ms", "soon"}}}},
                          json{{"msg", "record"}, {"images", {{{"name", 3}}}}},
                          json{{"msg", "event"}, {"event", 7}},
                          json{{"msg", "event"}, {"event", {{"type", "exec"}, {"t_ms", 1}, {"class", "sAigsegv"}}}}}) {
    Receiving g;
    EXPECT_NO_THROW(g.take(bad)) << bad.dump();
    EXPECT_NE(g.rec.error.find("guest"), std::string::npos) << bad.dump() << " -> " << g.rec.error;
  }
}

}  // namespace
}  // namespace harness
