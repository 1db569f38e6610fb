#include "vm/guest_bundle.h"

#include <fmt/format.h>
#include <set>

#include "base/atomic_write.h"
#include "base/error.h"
#include "vm/elf_deps.h"

namespace harness {

namespace fs = std::filesystem;

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

GuestInitConfig guest_init_config(const GuestBundleSpec& spec) {
  GuestInitConfig c;
  for (const auto& m : spec.modules) c.modules.push_back(m.string());
  c.scratch_device = "/dev/vda";
  c.scratch_fs = "ext4";
  c.scratch_dir = kGuestScratch;
  c.run_file = kGuestRunFile;
  return c;
}

GuestRun guest_run(const GuestBundleSpec& spec, const Plan& plan, const std::vector<GuestFile>& files) {
  GuestRun r;
  // guest_agent_argv() is the agent's full command line; init runs it in
  // its own process image, so only the arguments after "agent" are kept.
  std::vector<std::string> argv = guest_agent_argv(spec, plan);
  r.agent_args.assign(argv.begin() + 2, argv.end());
  // A program found in a folder of the host's PATH that the guest's lacks
  // (/opt/tools/bin) is found there in the guest too.
  std::string path = kGuestPath;
  for (const auto& f : files) {
    bool program = f.why.rfind("$.programs[", 0) == 0 ||
                   (f.why.size() > 8 && f.why.compare(f.why.size() - 8, 8, ".argv[0]") == 0);
    std::string dir = f.path.parent_path().string();
    if (program && (":" + path + ":").find(":" + dir + ":") == std::string::npos) path += ":" + dir;
  }
  r.path_env = path;
  r.bundle_dir = kGuestBundleDir;
  return r;
}

Initramfs build_guest_initramfs(const GuestBundleSpec& spec) {
  Initramfs fs_;
  for (const char* d : {"/proc", "/sys", "/dev", "/scratch", "/run"}) fs_.add_dir(d, 0755);
  fs_.add_dir("/tmp", 01777);
  // The kernel opens /dev/console for /init's stdio before devtmpfs exists.
  fs_.add_char_device("/dev/console", 0600, 5, 1);

  // busybox under /.hb, on no PATH (kGuestPath): a scenario's commands
  // are the host's programs it brings in, never applets with other
  // options; /init needs none of it.
  if (elf_interpreter(spec.busybox))
    throw EnvironmentError(fmt::format("{} is dynamically linked; the guest needs busybox-static "
                                       "(apt-get install -y busybox-static)", spec.busybox.string()));
  std::string hb = kGuestBusyboxDir;
  fs_.add_host_file(hb + "/busybox", spec.busybox);
  for (const auto& a : spec.busybox_applets)
    if (!a.empty() && a != "busybox" && a.find('/') == std::string::npos) fs_.add_symlink(hb + "/bin/" + a, "../busybox");

  for (const auto& m : spec.modules) fs_.add_host_path(m);

  if (spec.harness_copy.empty()) {
    fs_.add_host_path(spec.harness_exe);
  } else {
    fs_.add_host_path(spec.harness_exe.parent_path());
    fs_.add_host_file(spec.harness_exe.string(), spec.harness_copy);
  }
  for (const auto& lib : runtime_deps(spec.harness_exe)) fs_.add_host_path(lib);

  // The kernel runs /init; it is the agent's own binary (see guest_init.h).
  fs_.add_symlink("/init", spec.harness_exe.string());
  fs_.add_bytes(std::string(kGuestInitConfigPath), to_json(guest_init_config(spec)).dump(2) + "\n", 0644);
  return fs_;
}

uint64_t write_guest_bundle(const fs::path& scratch_root, const std::vector<GuestFile>& files, const GuestRun& run) {
  // The same tree an initramfs would hold (links on the way reproduced,
  // as Debian's /bin -> usr/bin), written as files on the disk.
  Initramfs tree;
  for (const auto& f : files) tree.add_host_path(f.path);
  fs::path bundle = scratch_root / fs::path(kGuestBundleDir).lexically_relative(kGuestScratch);
  fs::create_directories(bundle);
  uint64_t bytes = tree.write_tree(bundle);
  write_file_atomically(scratch_root / fs::path(kGuestRunFile).lexically_relative(kGuestScratch),
                        to_json(run).dump(2) + "\n");
  return bytes;
}

}  // namespace harness
