// boot_floor: the fastest known boot of the guest kernel on this machine,
// as the yardstick for the harness's own boot (bench/vm_bench.sh prints
// the ratio). It boots a bare busybox /init that prints one line and
// powers off — no modules, no disk, no agent — the way the harness boots
// its guests at best: the PVH vmlinux from the VM cache, qemu microvm,
// the same accelerator arguments and kernel command line. Prints the
// seconds from qemu start to the line from /init, one boot per line.
//
//   boot_floor [--cache DIR] [--accel tcg|kvm] [N]
//
// A program, not a timed test: it asserts nothing about time.
#include <fcntl.h>
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "base/child.h"
#include "base/clock.h"
#include "base/error.h"
#include "vm/accelerator.h"
#include "vm/initramfs.h"
#include "vm/kernel_boot.h"
#include "vm/qemu_vm.h"
#include "vm/vm_backend.h"
#include "vm/vm_cache.h"

namespace fs = std::filesystem;
using namespace harness;

namespace {

constexpr std::string_view kFloorLine = "harness-floor: /init";

fs::path write_floor_initramfs(const VmCache& cache, const fs::path& busybox) {
  Initramfs ir;
  ir.add_dir("/proc");
  ir.add_char_device("/dev/console", 0600, 5, 1);
  ir.add_host_file("/bin/busybox", busybox);
  ir.add_bytes("/init", fmt::format("#!/bin/busybox sh\necho '{}'\n/bin/busybox poweroff -f\n", kFloorLine), 0755);
  fs::path file = cache.path("floor-initramfs-" + ir.manifest_digest().substr(0, 24) + ".cpio");
  CacheFile out(file);
  {
    std::ofstream os(out.temp(), std::ios::binary);
    ir.write(os);
  }
  out.commit();
  return file;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path cache_dir = fs::temp_directory_path() / "harness-boot-floor";
  Accel accel = Accel::tcg;
  int n = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--cache" && i + 1 < argc) cache_dir = argv[++i];
    else if (a == "--accel" && i + 1 < argc) accel = std::string(argv[++i]) == "kvm" ? Accel::kvm : Accel::tcg;
    else n = std::atoi(a.c_str());
  }
  try {
    VmCache cache(cache_dir);
    GuestKernel k = find_guest_kernel(std::nullopt);
    KernelBoot kb = choose_kernel_boot(k.image, cache);
    if (kb.form != KernelForm::pvh_vmlinux) fmt::print(stderr, "boot_floor: not the fastest boot: {}\n", kb.why);
    auto busybox = find_static_busybox();
    auto qemu = find_program("qemu-system-x86_64");
    if (!busybox || !qemu) throw EnvironmentError("boot_floor needs busybox-static and qemu-system-x86");

    VmConfig cfg;
    cfg.qemu = *qemu;
    cfg.kernel = kb.image;
    cfg.initrd = write_floor_initramfs(cache, *busybox);
    cfg.accel_args = accel_qemu_args(accel, 2);
    std::string timing;
    if (accel == Accel::tcg)
      timing = tcg_timing_cmdline(measure_host_tsc_khz(), kernel_config_hz("/boot/config-" + k.release));
    cfg.append = guest_kernel_cmdline({timing}, "");
    cfg.serial_is_channel = true;
    fs::path messages = cache.path("floor-qemu.log");
    for (int i = 0; i < n; ++i) {
      // qemu opens no path: the kernel, initramfs and its log are descriptors.
      VmFiles files;
      files.kernel = ScopedFd(::open(cfg.kernel.c_str(), O_RDONLY | O_CLOEXEC));
      files.initrd = ScopedFd(::open(cfg.initrd.c_str(), O_RDONLY | O_CLOEXEC));
      files.stderr_log = ScopedFd(::open(messages.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
      if (!files.kernel.is_open() || !files.initrd.is_open() || !files.stderr_log.is_open())
        throw EnvironmentError(errno_message("boot_floor: cannot open the kernel, initramfs or log", errno));
      cfg.user = std::nullopt;  // a bare /init of ours, no scenario: as the harness, as before
      Vm vm(cfg, std::move(files));
      auto t0 = MonoClock::now();
      auto deadline = t0 + std::chrono::seconds(60);
      std::string line;
      bool seen = false;
      while (!seen) {
        auto r = vm.read_line(line, deadline);
        if (r == Vm::Read::closed || MonoClock::now() >= deadline) break;
        seen = r == Vm::Read::line && line.find(kFloorLine) != std::string::npos;
      }
      double s = std::chrono::duration<double>(MonoClock::now() - t0).count();
      // Powered off before the next boot, so boots never overlap.
      vm.wait_exit(MonoClock::now() + std::chrono::seconds(10));
      if (!seen)
        throw RuntimeError(fmt::format("the floor guest printed no line from /init (qemu {}): {}", vm.describe_exit(),
                                       vm.qemu_messages(500)));
      fmt::print("{:.3f}\n", s);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "boot_floor: {}\n", e.what());
    return 1;
  }
  return 0;
}
