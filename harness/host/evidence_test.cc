#include "host/evidence.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <set>

#include "base/digest.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string sha256_of(const std::string& s) {
  Sha256 h;
  h.update(s);
  return h.hex_final();
}

MountRecord mount_record(const std::string& image, const std::string& at, const std::string& options,
                         const std::string& loop) {
  MountRecord m;
  m.image = image;
  m.mountpoint = at;
  m.options = options;
  m.loop_device = loop;
  return m;
}

// What the recorder sees of an image without any mount: its states at
// named moments and the watch's window. Writers need fanotify (root) and
// are the integration tests'.
class Evidence : public ::testing::Test {
 protected:
  Evidence() {
    std::ofstream(image_, std::ios::binary) << kFirst;
  }
  ScopedFd open_image() { return ScopedFd(::open(image_.c_str(), O_RDONLY | O_CLOEXEC)); }
  void replace_image(const std::string& contents) {
    fs::path fresh = tmp_.path() / "app.img.new";
    std::ofstream(fresh, std::ios::binary) << contents;
    fs::rename(fresh, image_);
  }
  static constexpr const char* kFirst = "first contents";
  testing::TempDir tmp_;
  fs::path image_ = tmp_.path() / "app.img";
  // The run's clock, moved by the test: times in the record are exact.
  std::atomic<int> now_ms_{0};
  RunClock clock_{[this] { return MonoClock::time_point(std::chrono::milliseconds(now_ms_.load())); }};
};

TEST_F(Evidence, SnapshotsTellAReplacedAndADeletedBackingFile) {
  EvidenceRecorder ev(clock_);
  now_ms_ = 5;
  ScopedFd fd = open_image();
  ASSERT_TRUE(fd.is_open());
  ev.watch_image("data/app.img", image_, std::move(fd));
  ev.mounted("data/app.img", mount_record("data/app.img", "mnt/app", "loop,ro", "/dev/loop-harness-test-none"));
  ev.mounted("data/other.img", mount_record("data/other.img", "mnt/other", "loop", "/dev/loop9"));  // not watched
  ev.snapshot("mounted");
  now_ms_ = 7;
  replace_image("second, longer contents");
  ev.snapshot("after redeploy");
  fs::remove(image_);
  ev.snapshot("end");
  EXPECT_TRUE(ev.images_written().empty());
  ev.stop();
  RunRecord rec;
  ev.flush_into(rec);

  ASSERT_EQ(rec.images_evidence.size(), 3u) << rec.images_evidence.dump(1);
  const json& mounted = rec.images_evidence[0];
  EXPECT_EQ(mounted.at("path"), "data/app.img");
  EXPECT_EQ(mounted.at("when"), "mounted");
  EXPECT_DOUBLE_EQ(mounted.at("t_ms").get<double>(), 5);
  EXPECT_EQ(mounted.at("size_bytes"), std::string(kFirst).size());
  EXPECT_EQ(mounted.at("sha256"), sha256_of(kFirst));
  EXPECT_EQ(mounted.at("inode"), mounted.at("mounted_inode"));
  EXPECT_FALSE(mounted.at("backing_replaced").get<bool>());
  EXPECT_FALSE(mounted.at("backing_deleted").get<bool>());
  EXPECT_FALSE(mounted.contains("loop_device")) << "a device that is not attached is not described";

  const json& replaced = rec.images_evidence[1];
  EXPECT_DOUBLE_EQ(replaced.at("t_ms").get<double>(), 7);
  EXPECT_EQ(replaced.at("sha256"), sha256_of("second, longer contents"));
  EXPECT_EQ(replaced.at("mounted_inode"), mounted.at("inode")) << "the mounted inode is the one watched";
  EXPECT_EQ(replaced.at("mounted_size_bytes"), std::string(kFirst).size());
  EXPECT_TRUE(replaced.at("backing_replaced").get<bool>());
  EXPECT_TRUE(replaced.at("backing_deleted").get<bool>()) << "the rename unlinked the mounted inode";
  EXPECT_EQ(replaced.at("mounted_inode_links"), 0);

  const json& end = rec.images_evidence[2];
  EXPECT_TRUE(end.at("missing").get<bool>());
  EXPECT_FALSE(end.contains("sha256"));
  EXPECT_FALSE(end.contains("size_bytes"));

  ASSERT_EQ(rec.writes.watches.size(), 1u);
  const Watch& w = rec.writes.watches[0];
  EXPECT_EQ(w.path, "data/app.img");
  EXPECT_EQ(w.mountpoint, "mnt/app");
  EXPECT_EQ(w.loop_device, "/dev/loop-harness-test-none");
  EXPECT_EQ(w.mount_options, "loop,ro");
  EXPECT_EQ(w.inode, mounted.at("inode").get<unsigned long long>());
  EXPECT_EQ(w.size_at_watch, static_cast<long long>(std::string(kFirst).size()));
  EXPECT_DOUBLE_EQ(w.t_watch_ms, 5);
  EXPECT_DOUBLE_EQ(w.t_unwatch_ms, 7) << "stop() ends the watch";
  EXPECT_FALSE(w.modified_per_mtime());
  EXPECT_TRUE(rec.writes.writers.empty());
  EXPECT_NE(rec.writes.method.find("writers traced through"), std::string::npos) << rec.writes.method;
  EXPECT_FALSE(rec.writes.time_source.empty());
}

TEST_F(Evidence, TheWatchEndsAtTheFirstUnwatch) {
  EvidenceRecorder ev(clock_);
  now_ms_ = 1;
  ev.watch_image("data/app.img", image_, open_image());
  now_ms_ = 9;
  ev.unwatch_all();
  now_ms_ = 12;
  // A write after the unmount is not a write while mounted.
  fs::resize_file(image_, 3);
  ev.unwatch_all();
  ev.stop();
  RunRecord rec;
  ev.flush_into(rec);
  ASSERT_EQ(rec.writes.watches.size(), 1u);
  const Watch& w = rec.writes.watches[0];
  EXPECT_DOUBLE_EQ(w.t_watch_ms, 1);
  EXPECT_DOUBLE_EQ(w.t_unwatch_ms, 9);
  EXPECT_EQ(w.size_at_unwatch, static_cast<long long>(std::string(kFirst).size()));
  EXPECT_FALSE(w.modified_per_mtime());
}

TEST_F(Evidence, FlushingMovesTheEvidenceOut) {
  EvidenceRecorder ev(clock_);
  ev.watch_image("data/app.img", image_, open_image());
  ev.sample_file("missing", tmp_.path() / "no-such-file");  // ignored: nothing to sample
  ev.snapshot("end");
  ev.stop();
  ev.stop();  // idempotent
  RunRecord first, second;
  ev.flush_into(first);
  ev.flush_into(second);
  EXPECT_EQ(first.images_evidence.size(), 1u);
  EXPECT_TRUE(second.images_evidence.empty());
  EXPECT_TRUE(second.page_cache.empty());
  for (const auto& s : first.page_cache) EXPECT_EQ(s.at("path"), "data/app.img") << s;
  EXPECT_EQ(second.writes.watches.size(), 1u) << "the watches describe the run, every time";
}


TEST_F(Evidence, AWriterWhileWatchedIsNamedWithRoot) {
  EvidenceRecorder ev(clock_);
  ev.watch_image("data/app.img", image_, open_image());
  {
    RunRecord probe;
    ev.flush_into(probe);
    if (!probe.writes.unavailable.empty()) GTEST_SKIP() << "no write evidence here: " << probe.writes.unavailable;
  }
  pid_t child = fork();
  if (child == 0) {
    int fd = ::open(image_.c_str(), O_WRONLY | O_CLOEXEC);
    _exit(fd >= 0 && ::write(fd, "XY", 2) == 2 ? 0 : 1);
  }
  int st = 0;
  ASSERT_EQ(waitpid(child, &st, 0), child);
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  ev.unwatch_all();  // reads every event queued up to now
  EXPECT_EQ(ev.images_written(), (std::set<std::string>{"data/app.img"}));
  ev.stop();
  RunRecord rec;
  ev.flush_into(rec);
  ASSERT_EQ(rec.writes.writers.size(), 1u);
  const Writer& w = rec.writes.writers[0];
  EXPECT_EQ(w.process.pid, child);
  EXPECT_EQ(w.process.ppid, getpid());
  EXPECT_EQ(w.path, "data/app.img");
  EXPECT_GE(w.modify_events, 1u);
  EXPECT_FALSE(w.truncated) << "it wrote over the start, the size stayed";
  EXPECT_TRUE(rec.writes.watches[0].modified_per_mtime());
}

}  // namespace
}  // namespace harness
