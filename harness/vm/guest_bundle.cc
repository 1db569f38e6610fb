#include "vm/guest_bundle.h"

#include <sys/stat.h>

#include <fmt/format.h>
#include <set>

#include "base/child.h"
#include "base/error.h"
#include "vm/elf_deps.h"

namespace harness {

namespace fs = std::filesystem;

static bool under(const fs::path& p, const fs::path& dir) {
  auto rel = p.lexically_normal().lexically_relative(dir.lexically_normal());
  return !rel.empty() && *rel.begin() != "..";
}

std::vector<fs::path> scenario_host_files(const Plan& plan) {
  const Scenario& s = plan.scenario;
  std::vector<fs::path> out;
  std::set<fs::path> seen;
  auto add = [&](const fs::path& p) {
    if (seen.insert(p).second) out.push_back(p);
  };
  for (const auto& img : s.images)
    for (const auto& f : img.files) add(fs::absolute(f.from));
  // The program only: any other argument is just a string to it, and
  // copying every absolute path named there would carry host files (keys,
  // /etc/shadow) into the guest for no reason.
  auto program = [&](const std::vector<std::string>& argv) {
    if (argv.empty()) return;
    const std::string& a = argv[0];
    if (a.find('/') == std::string::npos) {
      if (auto p = find_program(a)) add(*p);
      return;
    }
    fs::path p(a);
    if (!p.is_absolute() || under(p, plan.paths.work)) return;
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) add(p);
  };
  program(s.workload.argv);
  for (const auto& a : s.setup) program(a.argv);
  for (const auto& f : s.faults)
    for (const auto& a : f.actions) program(a.argv);
  for (const auto& img : s.images) {
    auto mkfs = find_program("mkfs." + img.fs);
    if (!mkfs)
      throw EnvironmentError(fmt::format("mkfs.{} not found on the host; the guest needs it too: "
                                         "install e2fsprogs (apt-get install -y e2fsprogs)", img.fs));
    add(*mkfs);
  }
  if (!s.images.empty() && fs::exists("/etc/mke2fs.conf")) add("/etc/mke2fs.conf");
  // A disk that failed (io_errors) is checked in the guest before it is judged.
  for (const auto& sc : s.scratch)
    if (sc.io_errors)
      if (auto e2fsck = find_program("e2fsck")) add(*e2fsck);
  return out;
}

std::vector<std::string> guest_agent_argv(const GuestBundleSpec& spec, const Plan& plan) {
  std::vector<std::string> argv = {spec.harness_exe.string(),
          "agent",
          "--scenario",
          fs::absolute(plan.scenario.file).lexically_normal().string(),
          "--run-dir",
          kGuestRunDir,
          "--fixtures-bin",
          plan.paths.fixtures_bin.string(),
          "--events",
          "/dev/hvc0",
          "--prebuilt",
          kGuestPrebuiltDir};
  // The file inside the guest says what it says; the host's command line
  // (--no-early-stop) travels with the agent.
  if (!plan.scenario.early_stop) argv.push_back("--no-early-stop");
  // A power-cut scratch filesystem is a disk of its own after /dev/vda.
  char disk = 'b';
  for (size_t i = 0; i < plan.scenario.scratch.size(); ++i)
    if (plan.scenario.scratch[i].power_cut) {
      argv.push_back("--scratch-device");
      argv.push_back(fmt::format("{}=/dev/vd{}", i, disk++));
    }
  return argv;
}

GuestInitConfig guest_init_config(const GuestBundleSpec& spec, const std::vector<std::string>& agent_argv) {
  GuestInitConfig c;
  for (const auto& m : spec.modules) c.modules.push_back(m.string());
  c.scratch_device = "/dev/vda";
  c.scratch_fs = "ext4";
  c.scratch_dir = kGuestScratch;
  // busybox last, so that /bin/sleep in the guest is the host's /bin/sleep.
  c.path_env = fmt::format("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:{}/bin", kGuestBusyboxDir);
  // guest_agent_argv() is the agent's full command line; init runs it in
  // its own process image, so only the arguments after "agent" are kept.
  if (agent_argv.size() >= 2) c.agent_args.assign(agent_argv.begin() + 2, agent_argv.end());
  return c;
}

Initramfs build_guest_initramfs(const GuestBundleSpec& spec, const Plan& plan) {
  Initramfs fs_;
  for (const char* d : {"/proc", "/sys", "/dev", "/scratch", "/run"}) fs_.add_dir(d, 0755);
  fs_.add_dir("/tmp", 01777);
  // The kernel opens /dev/console for /init's stdio before devtmpfs exists.
  fs_.add_char_device("/dev/console", 0600, 5, 1);

  // busybox: under /.hb, last in PATH, so that /bin/sleep in the guest is
  // the host's /bin/sleep, not an applet. (/init no longer needs it; which
  // files the guest gets is decided by the bundle's file selection.)
  if (elf_interpreter(spec.busybox))
    throw EnvironmentError(fmt::format("{} is dynamically linked; the guest needs busybox-static "
                                       "(apt-get install -y busybox-static)", spec.busybox.string()));
  std::string hb = kGuestBusyboxDir;
  fs_.add_host_file(hb + "/busybox", spec.busybox);
  for (const auto& a : spec.busybox_applets)
    if (!a.empty() && a != "busybox" && a.find('/') == std::string::npos) fs_.add_symlink(hb + "/bin/" + a, "../busybox");

  for (const auto& m : spec.modules) fs_.add_host_path(m);

  std::vector<fs::path> programs = {spec.harness_exe};
  if (spec.harness_copy.empty()) {
    fs_.add_host_path(spec.harness_exe);
  } else {
    fs_.add_host_path(spec.harness_exe.parent_path());
    fs_.add_host_file(spec.harness_exe.string(), spec.harness_copy);
  }
  fs_.add_host_path(fs::absolute(plan.scenario.file).lexically_normal());
  for (const auto& f : scenario_host_files(plan)) {
    fs_.add_host_path(f);
    struct stat st {};
    if (stat(f.c_str(), &st) == 0 && (st.st_mode & 0111)) programs.push_back(f);
  }
  for (const auto& p : programs)
    for (const auto& lib : runtime_deps(p)) fs_.add_host_path(lib);

  // The kernel runs /init; it is the agent's own binary (see guest_init.h).
  fs_.add_symlink("/init", spec.harness_exe.string());
  fs_.add_bytes(std::string(kGuestInitConfigPath),
                to_json(guest_init_config(spec, guest_agent_argv(spec, plan))).dump(2) + "\n", 0644);
  return fs_;
}

}  // namespace harness
