#include "cli/doctor.h"

#include <fcntl.h>
#include <sys/fanotify.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fstream>

#include "base/cgroup.h"
#include "base/child.h"
#include "base/error.h"
#include "base/scoped_fd.h"
#include "base/system_info.h"
#include "host/loop_device.h"
#include "host/machine_needs.h"
#include "vm/accelerator.h"
#include "vm/qemu_vm.h"
#include "vm/vm_backend.h"
#include "vm/vm_cache.h"

namespace harness {

namespace fs = std::filesystem;

namespace {

Check check_root() {
  if (geteuid() == 0) return {"root", CheckLevel::ok, "running as root", ""};
  return {"root", CheckLevel::fail, fmt::format("running as uid {}", geteuid()),
          "run as root (sudo harness ...); on a laptop without root use the Vagrant box (vagrant/)"};
}

Check check_loop() {
  ScopedFd ctl(::open("/dev/loop-control", O_RDWR | O_CLOEXEC));
  if (!ctl.is_open())
    return {"loop devices", CheckLevel::fail, errno_message("/dev/loop-control", errno),
            "modprobe loop (as root), or run scenarios with --backend vm"};
  unsigned total = 0, free_devices = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/sys/block", ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind("loop", 0) != 0) continue;
    ++total;
    if (!loop_status("/dev/" + name)) ++free_devices;
  }
  // LOOP_CTL_GET_FREE creates more on demand (up to max_loop), so zero
  // free now is not a failure.
  return {"loop devices", CheckLevel::ok,
          fmt::format("/dev/loop-control usable; {} loop devices, {} free now", total, free_devices), ""};
}

Check check_cgroup2() {
  std::string why;
  if (auto place = own_cgroup2(why))
    return {"cgroup v2", CheckLevel::ok,
            fmt::format("{}: each host run keeps every process it starts in a cgroup below it", place->dir.string()), ""};
  return {"cgroup v2", CheckLevel::fail, why, kCgroup2Fix};
}

Check check_drop_caches() {
  if (access("/proc/sys/vm/drop_caches", W_OK) == 0)
    return {"drop_caches", CheckLevel::ok, "/proc/sys/vm/drop_caches is writable", ""};
  return {"drop_caches", CheckLevel::fail, errno_message("/proc/sys/vm/drop_caches", errno),
          "run as root on a host or VM where /proc/sys is writable (not an unprivileged container), "
          "or use --backend vm"};
}

Check check_program(const std::string& name, const std::string& package, CheckLevel missing_level,
                    const std::string& why) {
  if (auto p = find_program(name)) return {name, CheckLevel::ok, p->string(), ""};
  return {name, missing_level, "not found", fmt::format("apt-get install -y {} ({})", package, why)};
}

Check check_fanotify() {
  ScopedFd fd(fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC, O_RDONLY));
  if (fd.is_open())
    return {"fanotify", CheckLevel::ok, "available: reports can name who wrote a mounted image", ""};
  return {"fanotify", CheckLevel::warn, errno_message("fanotify_init", errno),
          "needs root and CONFIG_FANOTIFY; without it reports lack write attribution"};
}

Check check_qemu(std::string* version) {
  auto q = find_program("qemu-system-x86_64");
  if (!q)
    return {"qemu", CheckLevel::warn, "qemu-system-x86_64 not found",
            "apt-get install -y qemu-system-x86 (needed for --backend vm, the default when present)"};
  try {
    *version = qemu_version(*q);
    return {"qemu", CheckLevel::ok, fmt::format("{} {}", q->string(), *version), ""};
  } catch (const std::exception& e) {
    return {"qemu", CheckLevel::warn, e.what(), "reinstall qemu-system-x86"};
  }
}

Check check_guest_kernel() {
  try {
    GuestKernel k = find_guest_kernel(std::nullopt);
    return {"guest kernel", CheckLevel::ok, fmt::format("{} ({})", k.image.string(), k.release), ""};
  } catch (const std::exception& e) {
    return {"guest kernel", CheckLevel::warn, e.what(),
            "apt-get install -y linux-image-cloud-amd64 (for --backend vm)"};
  }
}

Check check_busybox() {
  for (const char* p : {"/bin/busybox", "/usr/bin/busybox"}) {
    if (access(p, X_OK) != 0) continue;
    return {"busybox", CheckLevel::ok, p, ""};
  }
  return {"busybox", CheckLevel::warn, "not found", "apt-get install -y busybox-static (for --backend vm)"};
}

Check check_kvm(const fs::path& runs_root, const std::string& qver) {
  std::string why;
  bool usable = kvm_device_usable(&why);
  AccelCache cache(default_vm_cache_dir(runs_root) / "accelerator.json");
  std::optional<AccelDecision> cached;
  if (!qver.empty()) cached = cache.lookup(accel_cache_key(kernel_release(), qver));
  if (cached)
    return {"accelerator", CheckLevel::ok,
            fmt::format("{} (remembered in {}): {}", to_string(cached->accel), cache.file().string(),
                        cached->reason),
            cached->accel == Accel::tcg ? "VMs run under TCG (software): slower but correct. Delete the file to "
                                          "probe KVM again."
                                        : ""};
  // Nothing remembered here; a run with --out elsewhere keeps its choice
  // beside that run.
  std::string none = fmt::format("nothing remembered in {} (a run with --out DIR/NAME keeps its choice in "
                                 "DIR/.cache: harness doctor --runs DIR)",
                                 cache.file().string());
  if (!usable)
    return {"accelerator", CheckLevel::warn, fmt::format("KVM unusable ({}): VMs will use TCG; {}", why, none),
            "enable virtualization (nested KVM on a cloud runner) for faster VMs"};
  return {"accelerator", CheckLevel::ok,
          fmt::format("/dev/kvm opens; not probed yet: the first vm run boots under KVM with a short deadline and "
                      "falls back to TCG if the guest does not come up, then remembers the choice; {}",
                      none),
          ""};
}

Check check_disk(const fs::path& runs_root) {
  fs::path p = runs_root;
  std::error_code ec;
  while (!p.empty() && !fs::exists(p, ec)) p = p.parent_path();
  if (p.empty()) p = ".";
  struct statvfs v {};
  if (statvfs(p.c_str(), &v) != 0)
    return {"disk", CheckLevel::warn, errno_message(p.string(), errno), "choose another --out"};
  double gib = static_cast<double>(v.f_bavail) * static_cast<double>(v.f_frsize) / (1 << 30);
  std::string found = fmt::format("{:.1f} GiB free at {}", gib, p.string());
  if (gib < 0.5) return {"disk", CheckLevel::fail, found, "free space, or point --out elsewhere (runs need ~100 MiB)"};
  if (gib < 2) return {"disk", CheckLevel::warn, found, "runs with large images need more space"};
  return {"disk", CheckLevel::ok, found, ""};
}

const char* level_name(CheckLevel l) {
  switch (l) {
    case CheckLevel::ok: return "ok";
    case CheckLevel::warn: return "warn";
    case CheckLevel::fail: return "FAIL";
  }
  return "?";
}

}  // namespace

std::vector<Check> run_doctor(const fs::path& runs_root) {
  std::vector<Check> out;
  out.push_back(check_root());
  out.push_back(check_loop());
  out.push_back(check_drop_caches());
  out.push_back(check_cgroup2());
  out.push_back(check_program("mkfs.ext4", "e2fsprogs", CheckLevel::fail, "images are built with mkfs.ext4 -d"));
  out.push_back(check_fanotify());
  std::string qver;
  out.push_back(check_qemu(&qver));
  out.push_back(check_guest_kernel());
  out.push_back(check_busybox());
  out.push_back(check_kvm(runs_root, qver));
  out.push_back(check_disk(runs_root));
  return out;
}

nlohmann::json checks_to_json(const std::vector<Check>& checks) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& c : checks)
    j.push_back({{"check", c.name}, {"status", level_name(c.level)}, {"found", c.found}, {"fix", c.fix}});
  return j;
}

std::string checks_to_text(const std::vector<Check>& checks, bool color) {
  std::string out;
  for (const auto& c : checks) {
    std::string level = level_name(c.level);
    if (color) {
      const char* code = c.level == CheckLevel::ok ? "32" : c.level == CheckLevel::warn ? "33" : "1;31";
      level = fmt::format("\x1b[{}m{:4}\x1b[0m", code, level);
    } else {
      level = fmt::format("{:4}", level);
    }
    out += fmt::format("{} {:13} {}\n", level, c.name, c.found);
    if (!c.fix.empty()) out += fmt::format("     {:13} -> {}\n", "", c.fix);
  }
  return out;
}

bool checks_pass(const std::vector<Check>& checks) {
  for (const auto& c : checks)
    if (c.level == CheckLevel::fail) return false;
  return true;
}

}  // namespace harness
