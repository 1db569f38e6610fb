#include "vm/vm_session.h"

#include <fmt/format.h>

#include <sstream>
#include <vector>

#include "base/child.h"
#include "base/clock.h"
#include "base/interrupt.h"
#include "base/system_info.h"
#include "vm/guest_channel.h"

namespace harness {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;

std::string first_line(const std::string& s) {
  std::string l = s.substr(0, s.find('\n'));
  return l.empty() ? "no message" : l;
}

std::string tail_of_file(const fs::path& p, size_t max_lines) {
  std::string all = read_file_capped(p, 1 << 20);
  std::vector<std::string> lines;
  std::istringstream in(all);
  std::string l;
  while (std::getline(in, l)) {
    if (!l.empty() && l.back() == '\r') l.pop_back();  // a serial console ends its lines in CRLF
    if (!l.empty()) lines.push_back(l);
  }
  std::string out;
  size_t from = lines.size() > max_lines ? lines.size() - max_lines : 0;
  for (size_t i = from; i < lines.size(); ++i) out += (out.empty() ? "" : " | ") + lines[i];
  return out;
}

BootResult VmSession::run(milliseconds ready_within, milliseconds run_within, bool watch_for_kvm_errors) {
  BootResult res;
  Vm vm(cfg_);
  dir_.record_process("qemu", vm.pid());  // should we die, gc kills this qemu and no other
  auto t0 = MonoClock::now();
  auto deadline = t0 + ready_within;
  auto next_stderr_check = t0;
  ChannelReceiver receiver(marker_, rec_, obs_);
  std::string line;
  for (;;) {
    if (interrupted()) {
      vm.kill();
      res.end = BootEnd::interrupted;
      break;
    }
    auto r = vm.read_line(line, deadline);
    auto now = MonoClock::now();
    if (r == Vm::Read::line) {
      ChannelReceiver::Step step = receiver.take(line);
      if (step == ChannelReceiver::Step::ready) {
        res.ready = true;
        res.boot_ms = std::chrono::duration<double, std::milli>(now - t0).count();
        deadline = now + run_within;
        if (obs_.on_phase) obs_.on_phase("guest ready");
      } else if (step == ChannelReceiver::Step::end) {
        // Everything before "end" has been read: let the agent exit.
        vm.send_line(channel_line(marker_, {{"msg", "ack"}}));
        // /init powers off next; give it a moment, then make sure.
        if (!vm.wait_exit(MonoClock::now() + milliseconds(5000))) vm.kill();
        res.end = BootEnd::finished;
        break;
      }
      continue;
    }
    if (r == Vm::Read::too_long) {
      receiver.guest_error(fmt::format("a line of more than {} bytes on the event channel; the VM was stopped",
                                       kMaxChannelLineBytes));
      vm.kill();
      res.end = BootEnd::guest_error;
      break;
    }
    if (r == Vm::Read::closed) {
      vm.wait_exit(MonoClock::now() + milliseconds(5000));
      vm.kill();
      res.end = BootEnd::qemu_exited;
      break;
    }
    if (watch_for_kvm_errors && !res.ready && now >= next_stderr_check) {
      next_stderr_check = now + milliseconds(100);
      if (read_file_capped(cfg_.stderr_log, 64 * 1024).find("KVM internal error") != std::string::npos) {
        vm.kill();
        res.end = BootEnd::not_ready;
        break;
      }
    }
    if (now >= deadline) {
      vm.kill();
      res.end = res.ready ? BootEnd::timed_out : BootEnd::not_ready;
      break;
    }
  }
  vm.kill();
  res.got_record = receiver.got_record();
  res.record_execs = receiver.record_execs();
  res.qemu_exit = vm.describe_exit();
  res.qemu_stderr = read_file_capped(cfg_.stderr_log, 64 * 1024);
  return res;
}

}  // namespace harness
