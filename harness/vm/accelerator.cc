#include "vm/accelerator.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include <algorithm>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/atomic_write.h"
#include "base/error.h"
#include "base/scoped_fd.h"
#include "base/system_info.h"

namespace harness {

namespace fs = std::filesystem;
using nlohmann::json;

std::string_view to_string(Accel a) { return a == Accel::kvm ? "kvm" : "tcg"; }

std::string_view to_string(AccelDecidedBy d) {
  switch (d) {
    case AccelDecidedBy::requested: return "requested";
    case AccelDecidedBy::kvm_unusable: return "kvm-unusable";
    case AccelDecidedBy::probe_ok: return "probe-ok";
    case AccelDecidedBy::probe_failed: return "probe-failed";
    case AccelDecidedBy::remembered: return "remembered";
  }
  return "requested";
}

AccelDecision choose_accelerator(const AccelFacts& f) {
  if (f.requested == "tcg") return {Accel::tcg, "requested with --accel tcg", false, AccelDecidedBy::requested};
  if (f.requested == "kvm") {
    if (!f.kvm_usable)
      throw EnvironmentError(fmt::format("--accel kvm: {}; use --accel tcg (or auto)", f.kvm_unusable_why));
    return {Accel::kvm, "requested with --accel kvm", false, AccelDecidedBy::requested};
  }
  if (f.requested != "auto")
    throw RuntimeError(fmt::format("unknown accelerator \"{}\" (expected auto, kvm or tcg)", f.requested));
  if (!f.kvm_usable) return {Accel::tcg, f.kvm_unusable_why + "; using TCG", false, AccelDecidedBy::kvm_unusable};
  if (f.cached) {
    AccelDecision d = *f.cached;
    d.probe = false;
    d.reason = "remembered for this machine: " + d.reason;
    d.decided_by = AccelDecidedBy::remembered;
    return d;
  }
  // Until the probe boot says otherwise (boot_loop.cc settles it).
  return {Accel::kvm, "KVM probe", true, AccelDecidedBy::probe_ok};
}

bool kvm_device_usable(std::string* why) {
  ScopedFd fd(::open("/dev/kvm", O_RDWR | O_CLOEXEC));
  if (!fd.is_open() && why) *why = errno_message("/dev/kvm cannot be opened", errno);
  return fd.is_open();
}

std::vector<std::string> accel_qemu_args(Accel a, unsigned cpus) {
  if (a == Accel::kvm) return {"-accel", "kvm", "-cpu", "host", "-smp", std::to_string(std::max(cpus, 1u))};
  return {"-accel", "tcg,thread=multi", "-cpu", "qemu64,+rdrand", "-smp", std::to_string(std::max(cpus, 2u))};
}

std::string tcg_timing_cmdline(unsigned long khz, unsigned hz) {
  if (khz == 0) return "";
  std::string s = fmt::format("tsc_early_khz={} tsc=reliable", khz);
  if (hz) s += fmt::format(" lpj={}", khz * 1000 / hz);
  return s;
}

unsigned long measure_host_tsc_khz() {
#if defined(__x86_64__) || defined(__i386__)
  auto ns = [] {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
  };
  // A (clock, tsc) pair read back to back; retried until no preemption
  // fell between the two clock reads.
  auto pair = [&](long long& t, unsigned long long& c) {
    for (int i = 0; i < 200; ++i) {
      long long a = ns();
      c = __rdtsc();
      long long b = ns();
      t = a + (b - a) / 2;
      if (b - a < 20000) return true;
    }
    return false;
  };
  long long t0 = 0, t1 = 0;
  unsigned long long c0 = 0, c1 = 0;
  if (!pair(t0, c0)) return 0;
  timespec nap{0, 25000000};
  nanosleep(&nap, nullptr);
  if (!pair(t1, c1) || t1 <= t0 || c1 <= c0) return 0;
  return static_cast<unsigned long>(static_cast<double>(c1 - c0) * 1e6 / static_cast<double>(t1 - t0));
#else
  return 0;
#endif
}

unsigned kernel_config_hz(const fs::path& config) {
  std::ifstream in(config);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("CONFIG_HZ=", 0) == 0) {
      try {
        return static_cast<unsigned>(std::stoul(line.substr(10)));
      } catch (...) {
        return 0;
      }
    }
  return 0;
}

std::optional<std::string> probe_failure(const ProbeObservation& o) {
  std::string first_line = o.qemu_stderr.substr(0, o.qemu_stderr.find('\n'));
  if (o.qemu_stderr.find("KVM internal error") != std::string::npos)
    return "KVM probe failed: qemu reported a KVM internal error (" + first_line + ")";
  if (o.ready) return std::nullopt;
  if (o.exited)
    return fmt::format("KVM probe failed: qemu ended ({}) before the guest was ready{}", o.exit_detail,
                       first_line.empty() ? "" : ": " + first_line);
  return fmt::format("KVM probe failed: the guest was not ready within {} ms", o.deadline.count());
}

std::string accel_cache_key(const std::string& host_kernel, const std::string& qemu_version) {
  return fmt::format("host {} / qemu {}", host_kernel, qemu_version);
}

std::optional<AccelDecision> AccelCache::lookup(const std::string& key) const {
  std::ifstream in(file_);
  if (!in) return std::nullopt;
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains(key)) return std::nullopt;
  const json& e = j.at(key);
  if (!e.is_object()) return std::nullopt;
  std::string a = e.value("accel", "");
  if (a != "kvm" && a != "tcg") return std::nullopt;
  return AccelDecision{a == "kvm" ? Accel::kvm : Accel::tcg, e.value("reason", ""), false};
}

void AccelCache::store(const std::string& key, const AccelDecision& d) const {
  json j = json::object();
  {
    std::ifstream in(file_);
    if (in) {
      json old = json::parse(in, nullptr, false);
      if (!old.is_discarded() && old.is_object()) j = old;
    }
  }
  j[key] = {{"accel", std::string(to_string(d.accel))}, {"reason", d.reason}, {"decided_at", iso8601_utc_now()}};
  std::error_code ec;
  fs::create_directories(file_.parent_path(), ec);
  write_file_atomically(file_, j.dump(2) + "\n");
}

}  // namespace harness
