#include "host/image_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "base/child.h"
#include "base/error.h"
#include "base/scoped_fd.h"
#include "host/confined_image_tool.h"
#include "host/file_state.h"

namespace harness {

namespace fs = std::filesystem;

namespace {

// stat prints a screenful; more is not debugfs answering a stat.
constexpr unsigned long long kMaxStatOutput = 1 << 20;

ScopedFd memfile(const char* name) {
  ScopedFd fd(::memfd_create(name, MFD_CLOEXEC));
  if (fd.get() < 0) throw RuntimeError(errno_message("memfd_create", errno));
  return fd;
}

struct Request {
  ScopedFd out, err;
  ChildResult res;
};

// `debugfs -c -R REQUEST` on the image, confined, its output in memory.
Request debugfs(const fs::path& image, const std::string& request, unsigned long long max_output) {
  Request r{memfile("debugfs-out"), memfile("debugfs-err"), {}};
  ConfinedImageRun run;
  run.argv = {"debugfs", "-c", "-R", request};
  run.image = image;
  run.max_output_bytes = max_output;
  run.stdout_fd = r.out.get();
  run.stderr_fd = r.err.get();
  r.res = run_confined_on_image(run);
  return r;
}

// The "Size: N" of debugfs's stat, or nullopt.
std::optional<unsigned long long> stat_size(const std::string& out) {
  const size_t at = out.find("Size: ");
  if (at == std::string::npos) return std::nullopt;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(out.c_str() + at + 6, &end, 10);
  if (end == out.c_str() + at + 6) return std::nullopt;
  return v;
}

}  // namespace

void read_image_file(const fs::path& image, const std::string& rel, FileState& f) {
  if (rel.find_first_of("\"\n\r") != std::string::npos)
    throw RuntimeError(fmt::format("{}: a path debugfs cannot be asked for", f.path));
  const std::string quoted = "\"/" + rel + "\"";
  Request st = debugfs(image, "stat " + quoted, kMaxStatOutput);
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
  // Only a sparse file claims more than its whole filesystem holds; cat
  // would write all of it out (and is cut short at the image's size).
  std::error_code ec;
  const auto image_bytes = fs::file_size(image, ec);
  const auto claimed = stat_size(out);
  if (ec || !claimed || *claimed > image_bytes) {
    f.exists = true;
    f.size = claimed.value_or(0);
    f.head = fmt::format("{}: claims {} bytes in a {}-byte filesystem; not read", f.path,
                         claimed ? std::to_string(*claimed) : "an unreadable number of", image_bytes);
    return;
  }
  Request cat = debugfs(image, "cat " + quoted, 0);
  if (!cat.res.succeeded()) throw RuntimeError(fmt::format("debugfs cat on {}: {}", image.string(), cat.res.describe()));
  if (::lseek(cat.out.get(), 0, SEEK_SET) != 0) throw RuntimeError(errno_message("lseek", errno));
  read_file_state(cat.out.get(), f);
}

}  // namespace harness
