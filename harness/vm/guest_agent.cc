#include "vm/guest_agent.h"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <fmt/format.h>
#include <map>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "base/error.h"
#include "base/process_group.h"
#include "base/run_dir.h"
#include "base/scoped_fd.h"
#include "base/system_info.h"
#include "core/plan.h"
#include "core/scenario.h"
#include "core/sizing.h"
#include "host/host_backend.h"
#include "host/kernel_log.h"
#include "vm/guest_channel.h"

namespace harness {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct AgentArgs {
  fs::path scenario;
  fs::path run_dir;
  std::optional<fs::path> fixtures_bin;
  fs::path events_path = "/dev/hvc0";
  std::string marker;
  std::optional<fs::path> prebuilt;
  std::map<size_t, fs::path> scratch_devices;  // --scratch-device INDEX=DEV
  bool no_early_stop = false;
};

AgentArgs parse_args(const std::vector<std::string>& args) {
  AgentArgs a;
  for (size_t i = 0; i < args.size(); ++i) {
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw Error(ErrorKind::usage, args[i] + " needs a value");
      return args[++i];
    };
    const std::string& k = args[i];
    if (k == "--scenario") a.scenario = value();
    else if (k == "--run-dir") a.run_dir = value();
    else if (k == "--fixtures-bin") a.fixtures_bin = value();
    else if (k == "--events") a.events_path = value();
    else if (k == "--marker") a.marker = value();
    else if (k == "--prebuilt") a.prebuilt = value();
    else if (k == "--scratch-device") {
      std::string v = value();
      auto eq = v.find('=');
      if (eq == std::string::npos || eq == 0) throw Error(ErrorKind::usage, "--scratch-device needs INDEX=DEVICE, got " + v);
      a.scratch_devices[std::stoul(v.substr(0, eq))] = v.substr(eq + 1);
    } else if (k == "--no-early-stop") a.no_early_stop = true;
    else throw Error(ErrorKind::usage, "agent: unknown option " + k);
  }
  if (a.scenario.empty() || a.run_dir.empty())
    throw Error(ErrorKind::usage, "agent needs --scenario and --run-dir");
  return a;
}

// Waits for the event console to appear (virtio_console was just loaded)
// and opens it raw: no "\n" -> "\r\n", no echo.
ScopedFd open_channel(const fs::path& dev) {
  for (int tries = 0; tries < 500 && !fs::exists(dev); ++tries)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ScopedFd fd(::open(dev.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!fd.is_open()) throw EnvironmentError(errno_message(dev.string() + ": cannot open the event channel", errno));
  termios t{};
  if (tcgetattr(fd.get(), &t) == 0) {
    cfmakeraw(&t);
    tcsetattr(fd.get(), TCSANOW, &t);
  }
  return fd;
}

// Lines are queued by any thread and written in batches by one thread:
// a write on the port returns only once the host has taken the data, and
// workers must not wait for that.
class ChannelWriter {
 public:
  ChannelWriter(ScopedFd fd, std::string marker) : fd_(std::move(fd)), marker_(std::move(marker)) {
    thread_ = std::thread([this] { loop(); });
  }
  ~ChannelWriter() { close(); }
  void send(const json& msg) {
    std::string line = channel_line(marker_, msg);
    std::lock_guard<std::mutex> l(m_);
    pending_ += line;
    if (pending_.size() > 64 * 1024) cv_.notify_one();
  }
  // Waits until the host says it has read everything (an "ack" line), at
  // most `within`: the virtio console's writes return once the data is in
  // the ring, not once the host took it, and /init powers off next.
  bool wait_for_ack(std::chrono::milliseconds within) {
    auto deadline = std::chrono::steady_clock::now() + within;
    std::string buf;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_.get(), POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char chunk[512];
      ssize_t n = ::read(fd_.get(), chunk, sizeof chunk);
      if (n <= 0) continue;
      buf.append(chunk, static_cast<size_t>(n));
      for (size_t nl; (nl = buf.find('\n')) != std::string::npos; buf.erase(0, nl + 1)) {
        auto msg = parse_channel_line(marker_, std::string_view(buf).substr(0, nl));
        if (msg && msg->value("msg", "") == "ack") return true;
      }
      if (buf.size() > 64 * 1024) buf.clear();
    }
    return false;
  }
  // Flushes everything and stops.
  void close() {
    {
      std::lock_guard<std::mutex> l(m_);
      if (closing_) return;
      closing_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void loop() {
    std::unique_lock<std::mutex> l(m_);
    for (;;) {
      cv_.wait_for(l, std::chrono::milliseconds(10), [&] { return closing_ || pending_.size() > 64 * 1024; });
      std::string batch;
      batch.swap(pending_);
      bool last = closing_;
      l.unlock();
      write_all(batch);
      l.lock();
      if (last && pending_.empty()) {
        tcdrain(fd_.get());  // out of the guest before /init powers off
        return;
      }
    }
  }
  void write_all(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::write(fd_.get(), s.data() + off, s.size() - off);
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        return;  // the host is gone; nothing left to tell it
      }
      off += static_cast<size_t>(n);
    }
  }
  ScopedFd fd_;
  std::string marker_;
  std::mutex m_;
  std::condition_variable cv_;
  std::string pending_;
  bool closing_ = false;
  std::thread thread_;
};

double uptime_ms() {
  timespec ts{};
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

}  // namespace

int run_guest_agent(const std::vector<std::string>& raw) {
  AgentArgs a = parse_args(raw);
  if (a.marker.empty()) {
    std::ifstream in("/proc/cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto m = cmdline_value(cmdline, kMarkerCmdlineKey);
    if (!m) throw EnvironmentError("agent: no --marker and no harness.marker= on the kernel command line");
    a.marker = *m;
  }
  // In the guest too, nothing a run action starts outlives the agent.
  SubreaperScope reaper;
  ChannelWriter out(open_channel(a.events_path), a.marker);
  out.send({{"msg", "ready"}, {"guest_kernel", kernel_release()}, {"uptime_ms", uptime_ms()}});

  int rc = 0;
  try {
    // The agent runs in a VM by definition: the scenario's vm sizing.
    Scenario s = sized_for_backend(load_scenario(a.scenario), BackendKind::vm);
    if (a.no_early_stop) s.early_stop = false;
    HostBackend backend(a.prebuilt);
    backend.set_in_guest();
    for (const auto& [index, dev] : a.scratch_devices) backend.set_scratch_device(index, dev);
    backend.preflight(s);
    RunDir dir(a.run_dir);
    dir.keep_work(true);  // the scratch disk is thrown away with the VM
    PlanPaths paths = default_plan_paths(s, dir.work());
    if (a.fixtures_bin) paths.fixtures_bin = *a.fixtures_bin;
    Plan plan = make_plan(s, paths);

    RunObserver obs;
    obs.on_event = [&](const json& ev) { out.send({{"msg", "event"}, {"event", ev}}); };
    auto origin = MonoClock::now();
    KernelLogWatch klog(origin, [&](const json& line) {
      json m = line;
      m["msg"] = "kmsg";
      out.send(m);
    });
    RunRecord rec = backend.run(plan, dir, obs);
    // Give the kernel a moment to log the last crash before stopping.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    klog.stop();
    out.send(record_message(rec));
  } catch (const Error& e) {
    out.send({{"msg", "error"}, {"kind", e.kind() == ErrorKind::environment ? "environment" : e.kind() == ErrorKind::invalid_scenario ? "invalid_scenario" : "runtime"}, {"message", e.what()}});
    fmt::print(stderr, "harness agent: {}\n", e.what());
    rc = 1;
  } catch (const std::exception& e) {
    out.send({{"msg", "error"}, {"kind", "runtime"}, {"message", e.what()}});
    fmt::print(stderr, "harness agent: unexpected error: {}\n", e.what());
    rc = 1;
  }
  out.send({{"msg", "end"}});
  out.close();
  if (!out.wait_for_ack(std::chrono::seconds(30)))
    fmt::print(stderr, "harness agent: the host did not acknowledge the end of the run within 30 s\n");
  return rc;
}

}  // namespace harness
