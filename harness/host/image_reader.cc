#include "host/image_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/child.h"
#include "base/error.h"
#include "base/scoped_fd.h"
#include "host/file_state.h"

namespace harness {

namespace fs = std::filesystem;

namespace {

ScopedFd memfile(const char* name) {
  ScopedFd fd(::memfd_create(name, MFD_CLOEXEC));
  if (fd.get() < 0) throw RuntimeError(errno_message("memfd_create", errno));
  return fd;
}

struct Request {
  ScopedFd out, err;
  ChildResult res;
};

// `debugfs -c -R REQUEST /proc/self/fd/N` as nobody, its output in memory.
Request debugfs(int image_fd, const std::string& request) {
  for (const char* p : {"debugfs", "setpriv"})
    if (!find_program(p))
      throw EnvironmentError(fmt::format("{} not found (a power cut's crash states are read with debugfs as nobody): "
                                         "apt-get install -y e2fsprogs util-linux",
                                         p));
  Request r{memfile("debugfs-out"), memfile("debugfs-err"), {}};
  ChildOptions o;
  o.stdout_fd = r.out.get();
  o.stderr_fd = r.err.get();
  o.pass_fds = {image_fd};
  o.timeout = std::chrono::seconds(60);
  r.res = run_child({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--no-new-privs", "debugfs", "-c",
                     "-R", request, fmt::format("/proc/self/fd/{}", image_fd)},
                    o);
  return r;
}

}  // namespace

void read_image_file(const fs::path& image, const std::string& rel, FileState& f) {
  if (rel.find_first_of("\"\n\r") != std::string::npos)
    throw RuntimeError(fmt::format("{}: a path debugfs cannot be asked for", f.path));
  // nobody reopens it through /proc/self/fd: the file must be readable by others.
  if (::chmod(image.c_str(), 0644) != 0) throw RuntimeError(errno_message(image.string() + ": chmod", errno));
  ScopedFd img(::open(image.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (img.get() < 0) throw RuntimeError(errno_message(image.string(), errno));
  const std::string quoted = "\"/" + rel + "\"";
  Request st = debugfs(img.get(), "stat " + quoted);
  const std::string out = read_fd_capped(st.out.get(), 64 << 10), err = read_fd_capped(st.err.get(), 4096);
  if (!st.res.succeeded()) throw RuntimeError(fmt::format("debugfs on {}: {}: {}", image.string(), st.res.describe(), err));
  if (err.find("File not found by ext2_lookup") != std::string::npos) return;  // not there
  const size_t type = out.find("Type: ");
  if (type == std::string::npos)
    throw RuntimeError(fmt::format("{} cannot be read as a filesystem: {}", image.string(), err.substr(0, 1000)));
  const std::string kind = out.substr(type + 6, out.find_first_of(" \n", type + 6) - type - 6);
  if (kind != "regular") {
    f.head = fmt::format("{}: not a regular file ({})", f.path, kind);
    return;
  }
  Request cat = debugfs(img.get(), "cat " + quoted);
  if (!cat.res.succeeded()) throw RuntimeError(fmt::format("debugfs cat on {}: {}", image.string(), cat.res.describe()));
  if (::lseek(cat.out.get(), 0, SEEK_SET) != 0) throw RuntimeError(errno_message("lseek", errno));
  read_file_state(cat.out.get(), f);
}

}  // namespace harness
