#include "vm/qemu_vm.h"

#include <fcntl.h>
#include <gtest/gtest.h>
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

TEST(QemuVm, ArgvDescribesAMicrovmWithConsoleAndDisks) {
  VmConfig c;
  c.kernel = "/boot/vmlinuz-x";
  c.initrd = "/c/initramfs.cpio";
  c.append = "console=ttyS0 quiet";
  c.memory_mib = 384;
  c.accel_args = {"-accel", "tcg,thread=multi", "-smp", "2"};
  c.disks = {"/r/work/vm-scratch.img"};
  c.console_log = "/r/vm-console.log";
  c.stderr_log = "/r/vm-qemu.log";
  auto a = qemu_argv(c);
  EXPECT_EQ(a[0], "qemu-system-x86_64");
  for (const char* must : {"microvm", "384", "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
                           "/boot/vmlinuz-x", "/c/initramfs.cpio", "console=ttyS0 quiet", "tcg,thread=multi",
                           "file:/r/vm-console.log", "virtio-blk-device,drive=disk0"})
    EXPECT_TRUE(contains(a, must)) << must;
  bool drive = false, console = false;
  for (const auto& x : a) {
    drive = drive || x.find("file=/r/work/vm-scratch.img,format=raw") != std::string::npos;
    console = console || x.rfind("virtconsole,chardev=events", 0) == 0;
  }
  EXPECT_TRUE(drive);
  EXPECT_TRUE(console);
}

TEST(QemuVm, ASerialChannelReplacesTheVirtioConsole) {
  VmConfig c;
  c.serial_is_channel = true;
  auto a = qemu_argv(c);
  EXPECT_TRUE(contains(a, "chardev:events"));
  EXPECT_TRUE(contains(a, "stdio,id=events,signal=off"));
  EXPECT_FALSE(contains(a, "virtio-serial-device"));
  for (const auto& x : a) EXPECT_EQ(x.rfind("file:", 0), std::string::npos) << x;
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
  c.stderr_log = dir / "qemu.log";
  {
    Vm vm(c);
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
  c.kernel = dir / "no-such-kernel";
  c.initrd = dir / "no-such-initrd";
  c.accel_args = {"-accel", "tcg"};
  c.console_log = dir / "console.log";
  c.stderr_log = dir / "qemu.log";
  pid_t pid = 0;
  {
    Vm vm(c);
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
  EXPECT_NE(read_file_capped(dir / "qemu.log", 4096).find("no-such-kernel"), std::string::npos);
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
  c.kernel = kernels[0];
  c.initrd = dir / "empty.cpio";
  c.accel_args = {"-accel", "tcg", "-S"};  // stopped before the first instruction
  c.console_log = dir / "console.log";
  c.stderr_log = dir / "qemu.log";
  pid_t pid = 0;
  {
    Vm vm(c);
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
  c.console_log = dir / "console.log";
  c.stderr_log = dir / "qemu.log";
  Vm vm(c);
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
