#include "vm/guest_init.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <time.h>

#include <chrono>
#include <cstdio>
#include <fmt/format.h>
#include <fstream>
#include <thread>

#include "base/error.h"
#include "base/scoped_fd.h"
#include "vm/guest_agent.h"
#include "vm/guest_placement.h"

namespace harness {

using nlohmann::json;

namespace {

// How long virtio_blk may take to show the scratch disk after it loaded.
constexpr auto kDeviceWait = std::chrono::seconds(5);

template <typename T>
T field(const json& j, const char* key) {
  if (!j.contains(key)) throw RuntimeError(fmt::format("guest init config: \"{}\" is missing", key));
  try {
    return j.at(key).get<T>();
  } catch (const json::exception&) {
    throw RuntimeError(fmt::format("guest init config: \"{}\" has the wrong type", key));
  }
}

// stdout is /dev/console (ttyS0): the kernel opened it for init. Each
// line carries the guest's uptime, as the kernel's own lines do, so a slow
// boot shows where its time went.
void say(const std::string& line) {
  timespec ts{};
  clock_gettime(CLOCK_BOOTTIME, &ts);
  fmt::print("{}[{}.{:03}] {}\n", kGuestInitConsolePrefix, ts.tv_sec, ts.tv_nsec / 1000000, line);
  std::fflush(stdout);
}

[[noreturn]] void power_off() {
  ::sync();
  ::reboot(RB_POWER_OFF);
  // Only reached if the kernel refused; returning from PID 1 would panic,
  // which (panic=-1, -no-reboot) also ends qemu.
  for (;;) ::pause();
}

[[noreturn]] void die(const std::string& what) {
  say(what);
  power_off();
}

[[noreturn]] void die_errno(const std::string& what) {
  int err = errno;
  die(errno_message(what, err));
}

void mount_or_die(const std::string& source, const std::string& target, const std::string& fs) {
  ::mkdir(target.c_str(), 0755);  // usually in the initramfs already
  if (::mount(source.c_str(), target.c_str(), fs.c_str(), 0, nullptr) != 0)
    die_errno(fmt::format("cannot mount {} ({}) on {}", source, fs, target));
}

void load_module(const std::string& ko) {
  ScopedFd fd(::open(ko.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.is_open()) die_errno(ko + ": cannot open the module");
  // EEXIST: built in, or loaded already; either way it is there.
  if (::syscall(SYS_finit_module, fd.get(), "", 0) != 0 && errno != EEXIST) die_errno(ko + ": cannot load");
}

void wait_for_block_device(const std::string& dev) {
  auto until = std::chrono::steady_clock::now() + kDeviceWait;
  struct stat st {};
  while (::stat(dev.c_str(), &st) != 0 || !S_ISBLK(st.st_mode)) {
    if (std::chrono::steady_clock::now() > until)
      die(fmt::format("no {} within {} s of loading its driver", dev, kDeviceWait.count()));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

std::string describe_status(int st) {
  if (WIFEXITED(st)) return fmt::format("{}", WEXITSTATUS(st));
  if (WIFSIGNALED(st)) return fmt::format("signal {}", WTERMSIG(st));
  return fmt::format("{:#x}", st);
}

// A JSON file parsed by `from_json`, or the VM powers off naming it.
template <typename T>
T read_json_or_die(const std::string& path, T (*from_json)(const json&)) {
  try {
    std::ifstream in(path);
    if (!in) die_errno(path + ": cannot read");
    return from_json(json::parse(in));
  } catch (const std::exception& e) {
    die(fmt::format("{}: {}", path, e.what()));
  }
}

// The agent, in the forked child: never returns.
[[noreturn]] void agent_child(const std::vector<std::string>& args) {
  int rc = 1;
  try {
    rc = run_guest_agent(args);
  } catch (const std::exception& e) {
    fmt::print(stderr, "harness agent: {}\n", e.what());
  }
  std::fflush(nullptr);
  ::_exit(rc);
}

}  // namespace

json to_json(const GuestInitConfig& c) {
  return {{"modules", c.modules},         {"scratch_device", c.scratch_device}, {"scratch_fs", c.scratch_fs},
          {"scratch_dir", c.scratch_dir}, {"run_file", c.run_file}};
}

json to_json(const GuestRun& r) {
  return {{"path", r.path_env}, {"agent_args", r.agent_args}, {"bundle_dir", r.bundle_dir}};
}

GuestInitConfig guest_init_config_from_json(const json& j) {
  if (!j.is_object()) throw RuntimeError("guest init config: not a JSON object");
  GuestInitConfig c;
  c.modules = field<std::vector<std::string>>(j, "modules");
  c.scratch_device = field<std::string>(j, "scratch_device");
  c.scratch_fs = field<std::string>(j, "scratch_fs");
  c.scratch_dir = field<std::string>(j, "scratch_dir");
  c.run_file = field<std::string>(j, "run_file");
  return c;
}

GuestRun guest_run_from_json(const json& j) {
  if (!j.is_object()) throw RuntimeError("guest run file: not a JSON object");
  GuestRun r;
  r.path_env = field<std::string>(j, "path");
  r.agent_args = field<std::vector<std::string>>(j, "agent_args");
  r.bundle_dir = field<std::string>(j, "bundle_dir");
  return r;
}

int run_guest_init(const std::vector<std::string>& args) {
  if (::getpid() != 1) {
    fmt::print(stderr, "harness {}: only the kernel starts this, as PID 1 of a harness guest VM\n", kGuestInitCommand);
    return 2;
  }
  mount_or_die("proc", "/proc", "proc");
  mount_or_die("sysfs", "/sys", "sysfs");
  mount_or_die("devtmpfs", "/dev", "devtmpfs");
  // Every process a run starts lives in a cgroup of the run's (see
  // host/run_cgroups.h). Without one the agent says what is missing.
  if (::mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
    say(errno_message("cannot mount cgroup2 on /sys/fs/cgroup", errno));
  std::string config_path = args.empty() ? std::string(kGuestInitConfigPath) : args[0];
  GuestInitConfig cfg = read_json_or_die(config_path, guest_init_config_from_json);

  say("started; loading modules");
  for (const auto& m : cfg.modules) load_module(m);
  wait_for_block_device(cfg.scratch_device);
  mount_or_die(cfg.scratch_device, cfg.scratch_dir, cfg.scratch_fs);
  if (::chdir(cfg.scratch_dir.c_str()) != 0) die_errno("cannot enter " + cfg.scratch_dir);
  GuestRun run = read_json_or_die(cfg.run_file, guest_run_from_json);
  ::setenv("PATH", run.path_env.c_str(), 1);
  try {
    size_t n = place_bundle(run.bundle_dir);
    say(fmt::format("scratch disk mounted, {} host files in place; starting the agent", n));
  } catch (const std::exception& e) {
    die(fmt::format("cannot put the run's host files in place: {}", e.what()));
  }

  std::fflush(nullptr);  // nothing buffered is written twice by the child
  pid_t agent = ::fork();
  if (agent < 0) die_errno("cannot fork the agent");
  if (agent == 0) agent_child(run.agent_args);
  // PID 1 adopts every orphan: reap them all until the agent itself ends.
  int status = 0;
  for (;;) {
    int st = 0;
    pid_t p = ::waitpid(-1, &st, 0);
    if (p == agent) {
      status = st;
      break;
    }
    if (p < 0 && errno != EINTR) die_errno("waiting for the agent");
  }
  say("agent exited with status " + describe_status(status));
  if (::chdir("/") == 0) ::umount(cfg.scratch_dir.c_str());  // a clean unmount is a courtesy: the disk is thrown away
  power_off();
}

}  // namespace harness
