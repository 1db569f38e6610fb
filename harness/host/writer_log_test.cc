#include "host/writer_log.h"

#include <gtest/gtest.h>

#include <map>

namespace harness {
namespace {

// Processes as a table: what the ProcessTracker would know.
class FakeProcesses : public ProcessLookup {
 public:
  std::map<pid_t, ProcessInfo> table;
  std::set<pid_t> exec_seen;
  ProcessInfo info(pid_t pid) override {
    auto it = table.find(pid);
    return it == table.end() ? ProcessInfo{pid, 0, "", {}} : it->second;
  }
  std::vector<ProcessInfo> ancestors(pid_t pid) override {
    std::vector<ProcessInfo> out;
    for (pid_t at = info(pid).ppid; at > 1 && at != kHarness && table.count(at); at = table[at].ppid)
      out.push_back(table[at]);
    return out;
  }
  bool executed(pid_t pid) const override { return exec_seen.count(pid) != 0; }
  static constexpr pid_t kHarness = 100;
};

const WatchedInode kImage{"data/app.img", 7, 42, 10 << 20};

FileEvent event(pid_t pid, bool open, bool modify, bool close_write, long long size = 10 << 20) {
  FileEvent e;
  e.pid = pid;
  e.open = open;
  e.modify = modify;
  e.close_write = close_write;
  e.dev = kImage.dev;
  e.inode = kImage.inode;
  e.size = size;
  return e;
}

FileEvent exec(pid_t pid, const std::string& path) {
  FileEvent e;
  e.pid = pid;
  e.exec = true;
  e.path = path;
  return e;
}

struct Fixture {
  FakeProcesses procs;
  WriterLog log{FakeProcesses::kHarness, procs};
  Fixture() {
    procs.table[200] = ProcessInfo{200, FakeProcesses::kHarness, "/usr/bin/dash", {"/bin/sh", "install.sh"}};
    log.watch(kImage);
  }
};

TEST(WriterLog, AShellRedirectAndTheChildThatWritesThroughIt) {
  Fixture f;
  // sh (pid 200, the action) opens the image with O_TRUNC, held at the open.
  f.log.on_event(event(200, true, false, false), 10);
  auto fresh = f.log.take_fresh_openers();
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_EQ(fresh[0].pid, 200);
  EXPECT_EQ(fresh[0].image.path, "data/app.img");
  f.log.opener_truncated(200);  // the size fell right after the open
  // cat (pid 201) was forked and exec'd, wrote, and exited before anyone
  // could read /proc: only the kernel's events name it.
  f.procs.table[201] = ProcessInfo{201, 200, "", {}};
  f.procs.exec_seen.insert(201);
  f.log.on_event(exec(201, "/usr/bin/cat"), 11);
  f.log.on_event(exec(201, "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"), 11);
  f.log.on_event(event(201, false, true, false, 4096), 12);
  f.log.on_event(event(200, false, false, true), 13);
  auto ws = f.log.writers({}, true);
  ASSERT_EQ(ws.size(), 2u);
  EXPECT_EQ(ws[0].process.pid, 200) << "the opener first";
  EXPECT_EQ(ws[0].identity_from, "open");
  EXPECT_TRUE(ws[0].truncated_at_open);
  EXPECT_EQ(ws[0].t_open_ms, 10);
  EXPECT_EQ(ws[1].process.exe, "/usr/bin/cat") << "the program, not its loader";
  EXPECT_EQ(ws[1].identity_from, "exec");
  ASSERT_EQ(ws[1].ancestors.size(), 1u);
  EXPECT_EQ(ws[1].ancestors[0].pid, 200);
  EXPECT_FALSE(ws[1].truncated_at_open);
  EXPECT_TRUE(ws[1].truncated) << "the image was shorter than at mount while it wrote";
  EXPECT_EQ(f.log.images_written(true), std::set<std::string>{"data/app.img"});
}

TEST(WriterLog, AnInheritedDescriptorClosedAtExecIsNoWrite) {
  Fixture f;
  // A workload exec forked while a fault action held the image open for
  // writing, closed the copy at exec: no open, no write of its own.
  f.procs.table[300] = ProcessInfo{300, FakeProcesses::kHarness, "/work/harness", {}};
  f.log.on_event(event(300, false, false, true), 5);
  EXPECT_TRUE(f.log.writers({}, true).empty());
  EXPECT_TRUE(f.log.images_written(true).empty());
  // Without permission events there is no open to tell by: a child that
  // already ran its own program is a writer.
  f.procs.exec_seen.insert(300);
  EXPECT_EQ(f.log.writers({}, false).size(), 1u);
  // A child that opened the image itself and closed it is a writer.
  f.log.on_event(event(200, true, false, false), 6);
  f.log.on_event(event(200, false, false, true), 7);
  auto ws = f.log.writers({}, true);
  ASSERT_EQ(ws.size(), 1u);
  EXPECT_EQ(ws[0].process.pid, 200);
}

TEST(WriterLog, TheHarnessItselfAndOtherFiles) {
  Fixture f;
  f.log.on_event(event(FakeProcesses::kHarness, true, false, false), 1);  // a digest read: nothing to hold
  EXPECT_TRUE(f.log.take_fresh_openers().empty());
  f.log.on_event(event(FakeProcesses::kHarness, false, true, false, 0), 2);
  FileEvent other = event(200, false, true, false);
  other.inode = 43;  // not a watched image
  f.log.on_event(other, 3);
  auto ws = f.log.writers({}, true);
  ASSERT_EQ(ws.size(), 1u);
  EXPECT_EQ(ws[0].process.pid, FakeProcesses::kHarness);
  EXPECT_EQ(ws[0].min_size_seen, 0);
  EXPECT_TRUE(ws[0].truncated);
  EXPECT_TRUE(f.log.incomplete().empty());
}

TEST(WriterLog, AnOverflowMakesTheEvidenceIncomplete) {
  Fixture f;
  FileEvent e;
  e.overflow = true;
  f.log.on_event(e, 1);
  EXPECT_NE(f.log.incomplete().find("overflowed"), std::string::npos);
}

}  // namespace
}  // namespace harness
