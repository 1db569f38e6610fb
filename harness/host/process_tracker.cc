#include "host/process_tracker.h"

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>

#include "base/error.h"
#include "base/procfs.h"

namespace harness {

namespace {

// Process events are machine-wide and arrive in bursts (a workload execs
// hundreds of times a second); a large buffer keeps the kernel from
// dropping them while the evidence thread is busy.
constexpr int kSocketBuffer = 8 << 20;
// Bounds memory if something forks without end; past it, new processes are
// identified from /proc only.
constexpr size_t kMaxTracked = 1 << 20;

bool subscribe(int sock) {
  // nlmsghdr, then cn_msg (whose data[] is the payload), then the op.
  alignas(nlmsghdr) char buf[NLMSG_SPACE(sizeof(cn_msg) + sizeof(proc_cn_mcast_op))] = {};
  auto* hdr = reinterpret_cast<nlmsghdr*>(buf);
  hdr->nlmsg_len = NLMSG_LENGTH(sizeof(cn_msg) + sizeof(proc_cn_mcast_op));
  hdr->nlmsg_type = NLMSG_DONE;
  hdr->nlmsg_pid = 0;  // the kernel assigns the port
  auto* msg = static_cast<cn_msg*>(NLMSG_DATA(hdr));
  msg->id.idx = CN_IDX_PROC;
  msg->id.val = CN_VAL_PROC;
  msg->len = sizeof(proc_cn_mcast_op);
  proc_cn_mcast_op op = PROC_CN_MCAST_LISTEN;
  std::memcpy(msg->data, &op, sizeof op);
  return ::send(sock, hdr, hdr->nlmsg_len, 0) == static_cast<ssize_t>(hdr->nlmsg_len);
}

pid_t ppid_of(pid_t pid) {
  auto st = process_stat(pid);
  return st ? st->ppid : 0;
}

}  // namespace

ProcessTracker::ProcessTracker(pid_t root) : root_(root) {
  ScopedFd s(::socket(PF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR));
  if (!s.is_open()) {
    unavailable_ = errno_message("socket(NETLINK_CONNECTOR)", errno);
    return;
  }
  sockaddr_nl sa{};
  sa.nl_family = AF_NETLINK;
  sa.nl_groups = CN_IDX_PROC;
  if (::bind(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    unavailable_ = errno_message("bind(CN_IDX_PROC)", errno);
    return;
  }
  int size = kSocketBuffer;
  if (setsockopt(s.get(), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
    setsockopt(s.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (!subscribe(s.get())) {
    unavailable_ = errno_message("subscribing to process events", errno);
    return;
  }
  sock_ = std::move(s);
  procs_[root_].info = ProcessInfo{root_, ppid_of(root_), process_exe(root_), {}, process_cgroup(root_)};
}

std::string ProcessTracker::method() const {
  if (sock_.is_open()) return "the kernel's process events (proc connector): exact ancestry, even of exited processes";
  return fmt::format("/proc while the process is alive (no proc connector: {})", unavailable_);
}

void ProcessTracker::read_events() {
  if (!sock_.is_open()) return;
  alignas(nlmsghdr) char buf[16384];
  for (;;) {
    ssize_t n = ::recv(sock_.get(), buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == ENOBUFS) {
        lost_ = "the kernel dropped process events (socket buffer full)";
        continue;
      }
      return;  // EAGAIN: nothing queued
    }
    if (n == 0) return;
    int len = static_cast<int>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_NOOP) continue;
      auto* msg = static_cast<cn_msg*>(NLMSG_DATA(h));
      if (msg->id.idx != CN_IDX_PROC || msg->id.val != CN_VAL_PROC) continue;
      // The event sits 4 bytes past an 8-byte boundary (cn_msg's header is
      // 20 bytes) and proc_event needs 8: copied out, not read in place.
      proc_event event{};
      std::memcpy(&event, msg->data, std::min<size_t>(sizeof event, msg->len));
      const proc_event* ev = &event;
      switch (ev->what) {
        case proc_event::PROC_EVENT_FORK:
          // Threads are forks too; only a new thread group is a new process.
          if (ev->event_data.fork.child_pid == ev->event_data.fork.child_tgid)
            on_fork(ev->event_data.fork.parent_tgid, ev->event_data.fork.child_tgid);
          break;
        case proc_event::PROC_EVENT_EXEC:
          on_exec(ev->event_data.exec.process_tgid);
          break;
        case proc_event::PROC_EVENT_EXIT:
          if (ev->event_data.exit.process_pid == ev->event_data.exit.process_tgid)
            on_exit(ev->event_data.exit.process_tgid);
          break;
        default:
          break;
      }
    }
  }
}

void ProcessTracker::on_fork(pid_t parent, pid_t child) {
  auto it = procs_.find(parent);
  if (it == procs_.end() || procs_.size() >= kMaxTracked) return;
  Proc p;
  p.info = it->second.info;  // a fork runs its parent's program until it executes another
  p.info.pid = child;
  p.info.ppid = parent;
  procs_[child] = std::move(p);
}

void ProcessTracker::on_exec(pid_t pid) {
  auto it = procs_.find(pid);
  if (it == procs_.end()) return;
  Proc& p = it->second;
  p.executed = true;
  // Read at once, while the process most likely still runs. The workload's
  // own execs (children of the root) are many and their argv is known, so
  // only their program is read.
  p.info.exe = process_exe(pid);
  p.info.argv = p.info.ppid == root_ ? std::vector<std::string>{} : process_argv(pid);
  // Every process the harness starts joined its cgroup just before exec.
  p.info.cgroup = process_cgroup(pid);
}

void ProcessTracker::on_exit(pid_t pid) {
  auto it = procs_.find(pid);
  if (it != procs_.end()) it->second.exited = true;
}

bool ProcessTracker::executed(pid_t pid) const {
  auto it = procs_.find(pid);
  return it != procs_.end() && it->second.executed;
}

ProcessInfo ProcessTracker::info(pid_t pid) {
  auto it = procs_.find(pid);
  if (it == procs_.end()) return ProcessInfo{pid, ppid_of(pid), process_exe(pid), process_argv(pid), process_cgroup(pid)};
  Proc& p = it->second;
  if (!p.exited) {
    // Still running: what /proc says now is the most current.
    if (std::string exe = process_exe(pid); !exe.empty()) p.info.exe = exe;
    if (auto argv = process_argv(pid); !argv.empty()) p.info.argv = argv;
    if (std::string cg = process_cgroup(pid); !cg.empty()) p.info.cgroup = cg;
  }
  return p.info;
}

std::vector<ProcessInfo> ProcessTracker::ancestors(pid_t pid) {
  std::vector<ProcessInfo> out;
  pid_t at = info(pid).ppid;
  // Bounded: a pid cycle can only come from reuse between the reads.
  for (int depth = 0; at > 1 && at != root_ && depth < 64; ++depth) {
    ProcessInfo p = info(at);
    out.push_back(p);
    at = p.ppid;
  }
  return out;
}

}  // namespace harness
