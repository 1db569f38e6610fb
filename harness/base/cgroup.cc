#include "base/cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fmt/format.h>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "base/error.h"
#include "base/procfs.h"

namespace harness {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

constexpr long kCgroup2Magic = 0x63677270;  // CGROUP2_SUPER_MAGIC
// How deep members() and remove() descend: a process inside may make
// cgroups of its own (it runs as root), but not without end.
constexpr int kMaxDepth = 32;

std::string slurp_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_mount_field(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    bool octal = s[i] == '\\' && i + 3 < s.size();
    for (size_t k = 1; octal && k <= 3; ++k) octal = s[i + k] >= '0' && s[i + k] <= '7';
    if (octal) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Whether cgroup path `p` is `root` or lies beneath it.
bool beneath(const std::string& p, const std::string& root) {
  if (root == "/") return !p.empty() && p[0] == '/';
  return p == root || p.rfind(root + "/", 0) == 0;
}

std::string read_at(int dirfd, const char* name) {
  ScopedFd fd(openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.is_open()) return {};
  std::string s;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
  return s;
}

// Writes `value` to control file `name`; the errno, or 0.
int write_at(int dirfd, const char* name, const std::string& value) {
  ScopedFd fd(openat(dirfd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.is_open()) return errno;
  if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) return errno;
  return 0;
}

// The sub-cgroups of `dirfd` by name.
std::vector<std::string> subdirs(int dirfd) {
  std::vector<std::string> out;
  // A descriptor of its own: a dup would share (and leave at its end) the
  // directory offset of `dirfd`.
  int listfd = openat(dirfd, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  DIR* d = listfd < 0 ? nullptr : fdopendir(listfd);
  if (!d) {
    if (listfd >= 0) close(listfd);
    return out;
  }
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (e->d_type == DT_DIR && name != "." && name != "..") out.push_back(name);
  }
  closedir(d);
  return out;
}

void collect_members(int dirfd, int depth, std::vector<pid_t>& out) {
  std::istringstream procs(read_at(dirfd, "cgroup.procs"));
  for (long pid; procs >> pid;) out.push_back(static_cast<pid_t>(pid));
  if (depth >= kMaxDepth) return;
  for (const auto& name : subdirs(dirfd)) {
    ScopedFd sub(openat(dirfd, name.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (sub.is_open()) collect_members(sub.get(), depth + 1, out);
  }
}

// Removes every cgroup below `dirfd`, deepest first.
void remove_below(int dirfd, int depth) {
  if (depth >= kMaxDepth) return;
  for (const auto& name : subdirs(dirfd)) {
    ScopedFd sub(openat(dirfd, name.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (sub.is_open()) remove_below(sub.get(), depth + 1);
    unlinkat(dirfd, name.c_str(), AT_REMOVEDIR);
  }
}

int pidfd_open(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

}  // namespace

std::optional<CgroupPlace> cgroup2_place(const std::string& mountinfo, const std::string& self_cgroup,
                                         std::string& why) {
  std::string own;
  std::istringstream lines(self_cgroup);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("0::", 0) == 0) own = line.substr(3);
  if (own.empty() || own[0] != '/') {
    why = "this process is in no cgroup v2 hierarchy (/proc/self/cgroup has no \"0::\" line)";
    return std::nullopt;
  }
  // "36 35 98:0 /root /mnt rw,noatime master:1 - cgroup2 cgroup2 rw": the
  // fourth field is the part of the hierarchy the mount shows.
  std::istringstream mounts(mountinfo);
  std::optional<CgroupPlace> best;
  size_t best_root = 0;
  for (std::string line; std::getline(mounts, line);) {
    size_t sep = line.find(" - ");
    if (sep == std::string::npos) continue;
    std::istringstream before(line.substr(0, sep)), after(line.substr(sep + 3));
    std::string id, parent, devno, root, mountpoint, fstype;
    if (!(before >> id >> parent >> devno >> root >> mountpoint) || !(after >> fstype) || fstype != "cgroup2")
      continue;
    root = unescape_mount_field(root);
    if (!beneath(own, root) || (best && root.size() <= best_root)) continue;
    std::string rest = root == "/" ? own : own.substr(root.size());
    fs::path dir = fs::path(unescape_mount_field(mountpoint)) / fs::path(rest).relative_path();
    best = CgroupPlace{dir.lexically_normal(), own};
    best_root = root.size();
  }
  if (!best) {
    why = fmt::format("no cgroup2 filesystem that holds this process's cgroup ({}) is mounted", own);
    return std::nullopt;
  }
  // A trailing '/' of a root-level path is not part of the name.
  std::string d = best->dir.string();
  if (d.size() > 1 && d.back() == '/') best->dir = d.substr(0, d.size() - 1);
  return best;
}

std::optional<CgroupPlace> own_cgroup2(std::string& why) {
  auto place = cgroup2_place(slurp_file("/proc/self/mountinfo"), slurp_file("/proc/self/cgroup"), why);
  if (!place) return std::nullopt;
  if (access(place->dir.c_str(), W_OK) != 0) {
    why = errno_message(fmt::format("{}: cannot make cgroups in it", place->dir.string()), errno);
    return std::nullopt;
  }
  return place;
}

Cgroup Cgroup::create(const CgroupPlace& parent, const std::string& name) {
  CgroupPlace place{parent.dir / name, (parent.proc_path == "/" ? "" : parent.proc_path) + "/" + name};
  if (::mkdir(place.dir.c_str(), 0755) != 0)
    throw EnvironmentError(errno_message(fmt::format("{}: cannot create a cgroup", place.dir.string()), errno));
  ScopedFd dir(::open(place.dir.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  ScopedFd procs(dir.is_open() ? openat(dir.get(), "cgroup.procs", O_WRONLY | O_CLOEXEC | O_NOFOLLOW) : -1);
  struct stat st {};
  if (!procs.is_open() || fstat(dir.get(), &st) != 0) {
    int err = errno;
    ::rmdir(place.dir.c_str());
    throw EnvironmentError(errno_message(fmt::format("{}: cannot use the cgroup just made", place.dir.string()), err));
  }
  return Cgroup(std::move(place), std::move(dir), std::move(procs), st.st_ino);
}

std::optional<Cgroup> Cgroup::adopt(const fs::path& dir, unsigned long long id) {
  if (!dir.is_absolute() || dir.filename().string().rfind("harness-", 0) != 0) return std::nullopt;
  ScopedFd fd(::open(dir.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  struct statfs sfs {};
  struct stat st {};
  if (!fd.is_open() || fstatfs(fd.get(), &sfs) != 0 || static_cast<long>(sfs.f_type) != kCgroup2Magic ||
      fstat(fd.get(), &st) != 0 || st.st_ino != id)
    return std::nullopt;
  ScopedFd procs(openat(fd.get(), "cgroup.procs", O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!procs.is_open()) return std::nullopt;
  return Cgroup(CgroupPlace{dir, {}}, std::move(fd), std::move(procs), id);
}

Cgroup::Cgroup(Cgroup&& o) noexcept
    : place_(std::move(o.place_)), dir_(std::move(o.dir_)), procs_(std::move(o.procs_)), id_(o.id_) {
  o.place_.dir.clear();
}

Cgroup::~Cgroup() {
  try {
    remove();
  } catch (...) {
    // Destructors must not throw; every member was sent SIGKILL regardless.
  }
}

std::vector<pid_t> Cgroup::members() const {
  std::vector<pid_t> out;
  if (dir_.is_open()) collect_members(dir_.get(), 0, out);
  return out;
}

bool Cgroup::populated() const {
  std::istringstream events(read_at(dir_.get(), "cgroup.events"));
  for (std::string key, value; events >> key >> value;)
    if (key == "populated") return value != "0";
  return !members().empty();  // no cgroup.events: a kernel before 4.14
}

bool Cgroup::wait_empty(MonoClock::time_point deadline, const std::function<bool()>& should_stop) const {
  auto pause = milliseconds(1);
  for (;;) {
    if (!populated()) return true;
    if (MonoClock::now() >= deadline || (should_stop && should_stop())) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, milliseconds(20));
  }
}

bool Cgroup::kill_all(milliseconds grace, CgroupKill how) const {
  if (!dir_.is_open()) return true;
  const auto deadline = MonoClock::now() + grace;
  if (how == CgroupKill::kill_file && write_at(dir_.get(), "cgroup.kill", "1") == 0) return wait_empty(deadline);
  // Frozen, nothing in it forks meanwhile (where the kernel has a freezer;
  // a frozen process still dies of SIGKILL). Each member is held by a pidfd
  // and signalled only if its pid is still listed afterwards: the pidfd's
  // process is then that member (or one that already died), never a
  // stranger that got a freed pid.
  bool frozen = write_at(dir_.get(), "cgroup.freeze", "1") == 0;
  auto pause = milliseconds(1);
  bool empty = false;
  while (!(empty = !populated()) && MonoClock::now() < deadline) {
    std::vector<ScopedFd> held;
    std::vector<pid_t> pids = members();
    for (pid_t pid : pids) held.emplace_back(pidfd_open(pid));
    std::vector<pid_t> still = members();
    std::set<pid_t> listed(still.begin(), still.end());
    for (size_t i = 0; i < pids.size(); ++i)
      if (held[i].is_open() && listed.count(pids[i]))
        syscall(SYS_pidfd_send_signal, held[i].get(), SIGKILL, nullptr, 0);
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, milliseconds(20));
  }
  if (frozen) write_at(dir_.get(), "cgroup.freeze", "0");
  return empty;
}

void Cgroup::remove(milliseconds grace) {
  if (place_.dir.empty()) return;
  const pid_t self = getpid();
  std::vector<pid_t> ours;
  for (pid_t pid : members())
    if (auto st = process_stat(pid); st && st->ppid == self) ours.push_back(pid);
  if (!kill_all(grace)) {
    std::vector<pid_t> left = members();
    throw RuntimeError(fmt::format("{}: processes {} are still in it {} ms after SIGKILL", place_.dir.string(),
                                   fmt::join(left, ", "), grace.count()));
  }
  // Orphans we adopted (as a child subreaper) are ours to reap.
  const auto until = MonoClock::now() + grace;
  for (pid_t pid : ours)
    while (waitpid(pid, nullptr, WNOHANG) == 0 && MonoClock::now() < until)
      std::this_thread::sleep_for(milliseconds(1));
  remove_below(dir_.get(), 0);
  dir_.reset();
  procs_.reset();
  if (::rmdir(place_.dir.c_str()) != 0 && errno != ENOENT) {
    int err = errno;
    throw RuntimeError(errno_message(fmt::format("{}: cannot remove the cgroup", place_.dir.string()), err));
  }
  place_.dir.clear();
}

}  // namespace harness
