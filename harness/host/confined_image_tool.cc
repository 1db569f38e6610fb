#include "host/confined_image_tool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/error.h"
#include "base/scoped_fd.h"
#include "base/transient_uid.h"

namespace harness {

ChildResult run_confined_on_image(const ConfinedImageRun& r) {
  if (r.argv.empty() || !find_program(r.argv[0]))
    throw EnvironmentError(fmt::format("{} not found (a power cut's crash states are read with e2fsprogs, confined): "
                                       "apt-get install -y e2fsprogs",
                                       r.argv.empty() ? "" : r.argv[0]));
  ScopedFd fd(::open(r.image.c_str(), (r.writable ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
  if (!fd.is_open()) throw RuntimeError(errno_message(r.image.string(), errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) throw RuntimeError(r.image.string() + ": not a regular file");
  const uid_t uid = transient_uid();
  // The program reopens it through /proc/self/fd: it must be its owner.
  if (::fchown(fd.get(), uid, uid) != 0 || ::fchmod(fd.get(), 0600) != 0)
    throw RuntimeError(errno_message(r.image.string() + ": give it to the uid that checks it", errno));
  ChildOptions o;
  o.stdout_fd = r.stdout_fd;
  o.stderr_fd = r.stderr_fd;
  o.pass_fds = {fd.get()};
  o.timeout = r.timeout;
  o.confine = SpawnConfinement{uid, static_cast<unsigned long long>(st.st_size) + r.max_output_bytes,
                               kConfinedToolMemoryBytes, kConfinedToolProcesses, /*own_network=*/true};
  std::vector<std::string> argv = r.argv;
  argv.push_back(fmt::format("/proc/self/fd/{}", fd.get()));
  return run_child(argv, o);
}

}  // namespace harness
