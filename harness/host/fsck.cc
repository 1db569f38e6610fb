#include "host/fsck.h"

#include <fmt/format.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/child.h"
#include "base/error.h"
#include "base/scoped_fd.h"

namespace harness {

namespace fs = std::filesystem;

namespace {
constexpr uid_t kNobodyUid = 65534;
}  // namespace

int e2fsck_repair(const fs::path& target, const std::atomic<bool>* stop) {
  auto prog = find_program("e2fsck");
  if (!prog) throw EnvironmentError("e2fsck not found (a disk is checked after a power cut or I/O errors): apt-get install -y e2fsprogs");
  ChildOptions o;
  o.timeout = std::chrono::milliseconds(60000);
  o.stop = stop;
  auto r = run_child({prog->string(), "-f", "-y", target.string()}, o);
  if (r.timed_out || !WIFEXITED(r.wait_status)) return 8;
  return WEXITSTATUS(r.wait_status);
}

int e2fsck_repair_unprivileged(const fs::path& image) {
  if (!find_program("e2fsck") || !find_program("setpriv"))
    throw EnvironmentError("e2fsck or setpriv not found (a power cut's crash states are checked as nobody): apt-get "
                           "install -y e2fsprogs util-linux");
  ScopedFd fd(::open(image.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) throw RuntimeError(errno_message(image.string(), errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) throw RuntimeError(image.string() + ": not a regular file");
  if (::fchown(fd.get(), kNobodyUid, kNobodyUid) != 0 || ::fchmod(fd.get(), 0644) != 0)
    throw RuntimeError(errno_message(image.string() + ": give it to nobody", errno));
  ChildOptions o;
  o.timeout = std::chrono::milliseconds(60000);
  o.pass_fds = {fd.get()};
  auto r = run_child({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--no-new-privs", "e2fsck", "-f",
                      "-y", fmt::format("/proc/self/fd/{}", fd.get())},
                     o);
  if (r.timed_out || !WIFEXITED(r.wait_status)) return 8;
  return WEXITSTATUS(r.wait_status);
}

std::string fsck_outcome(int rc) {
  if (rc == 0) return "clean";
  if (rc < 4) return "repaired";
  return fmt::format("errors left (exit {})", rc);
}

}  // namespace harness
