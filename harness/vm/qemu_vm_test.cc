#include "vm/qemu_vm.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include "base/transient_uid.h"
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fmt/format.h>
#include <fstream>

#include "base/child.h"
#include "base/error.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Files a stand-in qemu is given: logs in `dir`, no kernel or disk.
VmFiles logs_in(const fs::path& dir) {
  VmFiles f;
  f.console_log = ScopedFd(::open((dir / "console.log").c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  f.stderr_log = ScopedFd(::open((dir / "qemu.log").c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  return f;
}

ScopedFd open_file(const fs::path& p) { return ScopedFd(::open(p.c_str(), O_RDONLY | O_CLOEXEC)); }

// The next line from the event channel, within `seconds`.
Vm::Read next_line(Vm& vm, std::string& line, int seconds) {
  auto deadline = MonoClock::now() + std::chrono::seconds(seconds);
  Vm::Read r = Vm::Read::timeout;
  while (r == Vm::Read::timeout && MonoClock::now() < deadline) r = vm.read_line(line, deadline);
  return r;
}

TEST(QemuVm, ArgvDescribesAMicrovmWithConsoleAndDisks) {
  VmConfig c;
  c.initrd = "/c/initramfs.cpio";
  c.append = "console=ttyS0 quiet";
  c.memory_mib = 384;
  c.accel_args = {"-accel", "tcg,thread=multi", "-smp", "2"};
  c.disks = {"/r/work/vm-scratch.img"};
  QemuFds fds;
  fds.kernel = 10;
  fds.initrd = 11;
  fds.console = 12;
  fds.disks = {{13, 14}};
  auto a = qemu_argv(c, fds);
  EXPECT_EQ(a[0], "qemu-system-x86_64");
  for (const char* must : {"microvm", "384", "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
                           "/proc/self/fd/10", "/proc/self/fd/11", "console=ttyS0 quiet", "tcg,thread=multi",
                           "fd=12,set=1", "file,id=console,path=/dev/fdset/1,append=on", "fd=13,set=2", "fd=14,set=2",
                           "virtio-blk-device,drive=disk0"})
    EXPECT_TRUE(contains(a, must)) << must;
  bool drive = false, console = false;
  for (const auto& x : a) {
    drive = drive || x.find("file=/dev/fdset/2,format=raw") != std::string::npos;
    console = console || x.rfind("virtconsole,chardev=events", 0) == 0;
    EXPECT_EQ(x.find("/r/"), std::string::npos) << "qemu opens no path of the run: " << x;
  }
  EXPECT_TRUE(drive);
  EXPECT_TRUE(console);
}

// The guest is not trusted: qemu runs under its seccomp sandbox, with
// everything it does not need denied.
TEST(QemuVm, ArgvAsksForTheSandbox) {
  auto a = qemu_argv(VmConfig{}, QemuFds{});
  auto at = std::find(a.begin(), a.end(), "-sandbox");
  ASSERT_NE(at, a.end());
  ASSERT_NE(at + 1, a.end());
  EXPECT_EQ(*(at + 1), "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
}

TEST(QemuVm, LoggedDisksAreDescriptorsToo) {
  VmConfig c;
  c.logged_disks = {{"/r/work/pc.img", "/r/work/pc.log", 512}};
  QemuFds fds;
  fds.logged_disks = {{{20, 21}, {22, 23}}};
  auto a = qemu_argv(c, fds);
  for (const char* must : {"fd=20,set=2", "fd=21,set=2", "fd=22,set=3", "fd=23,set=3", "driver=file,node-name=logged0-file,filename=/dev/fdset/2",
                           "driver=file,node-name=logged0-log,filename=/dev/fdset/3"})
    EXPECT_TRUE(contains(a, must)) << must;
}

TEST(QemuVm, ASerialChannelReplacesTheVirtioConsole) {
  VmConfig c;
  c.serial_is_channel = true;
  auto a = qemu_argv(c, QemuFds{});
  EXPECT_TRUE(contains(a, "chardev:events"));
  EXPECT_TRUE(contains(a, "stdio,id=events,signal=off"));
  EXPECT_FALSE(contains(a, "virtio-serial-device"));
  for (const auto& x : a) EXPECT_EQ(x.rfind("file:", 0), std::string::npos) << x;
}

// As root, qemu is started as a transient uid of its own (with /dev/kvm's
// group), never as root, nor as a user other daemons share; its files are descriptors, and it may grow no file past its
// largest disk. A stand-in "qemu" says who it is on the event channel.
TEST(QemuVm, RunsAsAnUnprivilegedUserNeverAsRoot) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root: it is about leaving root";
  std::optional<QemuUser> user = unprivileged_qemu_user();
  ASSERT_TRUE(user);
  EXPECT_GE(user->uid, kFirstTransientUid);
  EXPECT_NE(unprivileged_qemu_user()->uid, user->uid) << "each qemu gets one of its own";
  testing::TempDir tmp;
  fs::permissions(tmp.path(), fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  fs::path fake = tmp.path() / "qemu";
  std::ofstream(fake) << "#!/bin/sh\nfsize=$(awk '/^Max file size/ {print $4}' /proc/self/limits)\n"
                         "echo \"uid=$(id -u) gid=$(id -g) fsize=$fsize cwd=$(pwd)\"\nexec sleep 30\n";
  fs::permissions(fake, fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
  std::ofstream(tmp.path() / "disk.img").flush();
  fs::resize_file(tmp.path() / "disk.img", 1 << 20);
  VmConfig c;
  EXPECT_GE(c.user->uid, kFirstTransientUid) << "the default";
  c.user = user;
  c.qemu = fake;
  c.disks = {tmp.path() / "disk.img"};
  VmFiles f = logs_in(tmp.path());
  f.disks.push_back(ScopedFd(::open((tmp.path() / "disk.img").c_str(), O_RDWR | O_CLOEXEC)));
  Vm vm(c, std::move(f));
  std::string line;
  ASSERT_EQ(next_line(vm, line, 30), Vm::Read::line) << vm.qemu_messages(4096);
  EXPECT_EQ(line, fmt::format("uid={} gid={} fsize={} cwd=/", user->uid, user->gid, 1 << 20))
      << "no file past its 1 MiB disk; " << vm.qemu_messages(4096);
}

// Console output past its cap is not kept; the log says how much was not.
TEST(QemuVm, TheConsoleLogIsCapped) {
  testing::TempDir tmp;
  fs::path fake = tmp.path() / "qemu";
  // The console is the fd of the first -add-fd: write 40 MB into it.
  std::ofstream(fake) << "#!/bin/sh\nfd=$(printf '%s\\n' \"$@\" | sed -n 's/^fd=\\([0-9]*\\),set=1$/\\1/p')\n"
                         "head -c 40000000 /dev/zero | tr '\\0' x >/proc/self/fd/$fd\necho done\nexec sleep 30\n";
  fs::permissions(fake, fs::perms::owner_all);
  VmConfig c;
  c.qemu = fake;
  c.user = std::nullopt;
  Vm vm(c, logs_in(tmp.path()));
  std::string line;
  ASSERT_EQ(next_line(vm, line, 60), Vm::Read::line) << vm.qemu_messages(4096);
  EXPECT_EQ(line, "done");
  vm.kill();
  EXPECT_EQ(vm.console_bytes_dropped(), 40000000u - kMaxConsoleLogBytes);
  auto size = fs::file_size(tmp.path() / "console.log");
  EXPECT_GE(size, kMaxConsoleLogBytes);
  EXPECT_LT(size, kMaxConsoleLogBytes + 200);
  std::string tail = testing::slurp(tmp.path() / "console.log").substr(kMaxConsoleLogBytes);
  EXPECT_NE(tail.find("more bytes were not kept"), std::string::npos) << tail;
}

// qemu drops console output that does not fit in its stdout at once, so
// the event pipe must hold a whole run's stream even if the harness falls
// behind. A stand-in "qemu" that just sleeps shows the pipe it was given.
TEST(QemuVm, TheEventPipeHoldsAWholeRunsStream) {
  testing::TempDir tmp;
  const fs::path& dir = tmp.path();
  fs::path fake = dir / "qemu";
  std::ofstream(fake) << "#!/bin/sh\nexec sleep 30\n";
  fs::permissions(fake, fs::perms::owner_all);
  VmConfig c;
  c.qemu = fake;
  c.user = std::nullopt;  // a stand-in in a folder only we may enter
  {
    Vm vm(c, logs_in(dir));
    int fd = ::open(fmt::format("/proc/{}/fd/1", vm.pid()).c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    ASSERT_GE(fd, 0) << strerror(errno);
    int size = fcntl(fd, F_GETPIPE_SZ);
    ::close(fd);
    EXPECT_GE(size, 1 << 20);
  }
}

// A real qemu that fails at once (no such kernel): the Vm sees its stdout
// close, reports how it ended, and leaves no process behind.
TEST(QemuVm, RealQemuThatFailsIsReapedAndDescribed) {
  if (!find_program("qemu-system-x86_64")) GTEST_SKIP() << "qemu-system-x86 is not installed";
  char tmpl[] = "/tmp/qemu_vm_test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  fs::path dir = tmpl;
  VmConfig c;
  c.accel_args = {"-accel", "tcg"};
  { std::ofstream(dir / "empty") << ""; }
  VmFiles f = logs_in(dir);
  f.kernel = open_file(dir / "empty");  // no kernel in it
  f.initrd = open_file(dir / "empty");
  pid_t pid = 0;
  {
    Vm vm(c, std::move(f));
    pid = vm.pid();
    EXPECT_GT(pid, 0);
    std::string line;
    Vm::Read r = Vm::Read::timeout;
    auto deadline = MonoClock::now() + std::chrono::seconds(30);
    while (r != Vm::Read::closed && MonoClock::now() < deadline) r = vm.read_line(line, deadline);
    EXPECT_EQ(r, Vm::Read::closed);
    EXPECT_TRUE(vm.wait_exit(MonoClock::now() + std::chrono::seconds(10)));
    EXPECT_EQ(vm.describe_exit(), "exit 1");
  }
  EXPECT_NE(read_file_capped(dir / "qemu.log", 4096).find("/proc/self/fd/"), std::string::npos)
      << read_file_capped(dir / "qemu.log", 4096);
  EXPECT_NE(kill(pid, 0), 0);  // reaped: the pid no longer exists as our child
  fs::remove_all(dir);
}

// The destructor kills a qemu that is still running (here: one waiting
// on a pause, -S, so it never exits by itself).
TEST(QemuVm, DestructorKillsARunningQemu) {
  if (!find_program("qemu-system-x86_64")) GTEST_SKIP() << "qemu-system-x86 is not installed";
  auto kernels = std::vector<fs::path>{};
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/boot", ec))
    if (e.path().filename().string().rfind("vmlinuz-", 0) == 0 && access(e.path().c_str(), R_OK) == 0)
      kernels.push_back(e.path());
  if (kernels.empty()) GTEST_SKIP() << "no readable /boot/vmlinuz-*";
  char tmpl[] = "/tmp/qemu_vm_test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  fs::path dir = tmpl;
  { std::ofstream(dir / "empty.cpio") << ""; }
  VmConfig c;
  c.accel_args = {"-accel", "tcg", "-S"};  // stopped before the first instruction
  VmFiles f = logs_in(dir);
  f.kernel = open_file(kernels[0]);
  f.initrd = open_file(dir / "empty.cpio");
  pid_t pid = 0;
  {
    Vm vm(c, std::move(f));
    pid = vm.pid();
    std::string line;
    EXPECT_EQ(vm.read_line(line, MonoClock::now() + std::chrono::milliseconds(300)), Vm::Read::timeout);
    EXPECT_TRUE(vm.running()) << read_file_capped(dir / "qemu.log", 4096);
  }
  // Gone, not a zombie: kill(pid, 0) succeeds on a zombie.
  EXPECT_NE(kill(pid, 0), 0);
  EXPECT_FALSE(fs::exists(fs::path("/proc") / std::to_string(pid)));
  fs::remove_all(dir);
}

// A guest that sends one endless line must not make the host buffer it
// all: the line is cut off (a guest error) long before memory runs out.
TEST(QemuVm, AnEndlessLineFromTheGuestIsRefusedNotBuffered) {
  char tmpl[] = "/tmp/qemu_vm_test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  fs::path dir = tmpl;
  fs::path fake = dir / "fake-qemu";
  {
    // 80 MB without a newline where qemu's event channel would be.
    std::ofstream f(fake);
    f << "#!/bin/sh\nhead -c 80000000 /dev/zero | tr '\\0' x\necho\nexec sleep 30\n";
  }
  fs::permissions(fake, fs::perms::owner_all);
  VmConfig c;
  c.qemu = fake;
  c.user = std::nullopt;  // a stand-in in a folder only we may enter
  Vm vm(c, logs_in(dir));
  std::string line;
  Vm::Read r = Vm::Read::timeout;
  auto deadline = MonoClock::now() + std::chrono::seconds(60);
  while (r == Vm::Read::timeout && MonoClock::now() < deadline) r = vm.read_line(line, deadline);
  EXPECT_EQ(r, Vm::Read::too_long);
  EXPECT_FALSE(r == Vm::Read::line && line.size() > (48u << 20)) << "a " << line.size() << "-byte line was buffered";
  vm.kill();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace harness
