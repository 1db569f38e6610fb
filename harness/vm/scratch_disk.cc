#include "vm/scratch_disk.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fmt/format.h>

#include "base/child.h"
#include "base/error.h"
#include "base/scoped_fd.h"
#include "core/durable_mark.h"
#include "host/machine_needs.h"

namespace harness {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

void make_scratch_disk(const fs::path& file, const Scenario& s, const fs::path& content,
                       unsigned long long content_bytes) {
  unsigned long long total = 0, largest = 0;
  for (const auto& img : s.images) {
    total += img.size_mib;
    largest = std::max<unsigned long long>(largest, img.size_mib);
  }
  total += s.copies.size() * largest;
  unsigned long long mib = std::max<unsigned long long>(256, 2 * total + 128 + 2 * (content_bytes >> 20));
  std::error_code ec;
  fs::remove(file, ec);
  {
    ScopedFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd.is_open())
      throw EnvironmentError(errno_message(file.string() + ": cannot create the VM scratch disk", errno));
    if (ftruncate(fd.get(), static_cast<off_t>(mib << 20)) != 0)
      throw EnvironmentError(errno_message(file.string() + ": cannot size the VM scratch disk", errno));
  }
  std::optional<std::filesystem::path> mkfs = need_mkfs("ext4", "the VM scratch disk");
  ChildOptions o;
  o.stderr_file = file.string() + ".mkfs.err";
  o.timeout = milliseconds(60000);
  // Inode tables written now, so no ext4lazyinit thread writes in the guest
  // while the scenario runs.
  auto r = run_child({mkfs->string(), "-q", "-F", "-L", "harness-scratch", "-E",
                      "nodiscard,lazy_itable_init=0,lazy_journal_init=0", "-d", content.string(), file.string()},
                     o);
  std::string err = read_file_capped(o.stderr_file, 2000);
  fs::remove(o.stderr_file, ec);
  if (!r.succeeded())
    throw RuntimeError(fmt::format("{}: mkfs.ext4 for the VM scratch disk ended {}: {}", file.string(),
                                   r.describe(), err));
}

std::vector<PowerCutDisk> power_cut_disks(const Scenario& s, const fs::path& work) {
  std::vector<PowerCutDisk> out;
  for (size_t i = 0; i < s.scratch.size(); ++i) {
    if (!s.scratch[i].power_cut) continue;
    PowerCutDisk d;
    d.index = i;
    d.scratch = s.scratch[i].path;
    d.fs = s.scratch[i].fs;
    d.size_mib = s.scratch[i].size_mib;
    d.base = work / fmt::format("power-cut-{}.base.img", i + 1);
    d.image = work / fmt::format("power-cut-{}.img", i + 1);
    d.log = work / fmt::format("power-cut-{}.log", i + 1);
    out.push_back(d);
  }
  return out;
}

namespace {

void sized_file(const fs::path& file, unsigned long long bytes, const char* what) {
  ScopedFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.is_open()) throw EnvironmentError(errno_message(file.string() + ": cannot create " + what, errno));
  if (ftruncate(fd.get(), static_cast<off_t>(bytes)) != 0)
    throw EnvironmentError(errno_message(file.string() + ": cannot size " + what, errno));
}

}  // namespace

unsigned long long power_cut_disk_bytes(unsigned fs_mib) {
  return durable_mark_offset(fs_mib) + kDurableMarkReserve;
}

void make_power_cut_disks(const std::vector<PowerCutDisk>& disks) {
  for (const auto& d : disks) {
    std::error_code ec;
    if (!fs::exists(d.base, ec)) {
      // The disk is larger than its filesystem: the guest writes the
      // durable mark past the filesystem's end (core/durable_mark.h).
      sized_file(d.base, power_cut_disk_bytes(d.size_mib), "the power-cut disk");
      std::filesystem::path mkfs = need_mkfs(d.fs, "the power-cut disk");
      ChildOptions o;
      o.stderr_file = d.base.string() + ".mkfs.err";
      o.timeout = milliseconds(60000);
      // No lazy init: no ext4lazyinit thread writes while the guest runs.
      auto r = run_child({mkfs.string(), "-q", "-F", "-L", "harness-powercut", "-E",
                          "nodiscard,lazy_itable_init=0,lazy_journal_init=0", d.base.string(),
                          fmt::format("{}k", static_cast<unsigned long long>(d.size_mib) * 1024)},
                         o);
      std::string err = read_file_capped(o.stderr_file, 2000);
      fs::remove(o.stderr_file, ec);
      if (!r.succeeded())
        throw RuntimeError(fmt::format("{}: mkfs.{} for the power-cut disk ended {}: {}", d.base.string(), d.fs,
                                       r.describe(), err));
    }
    fs::copy_file(d.base, d.image, fs::copy_options::overwrite_existing, ec);
    if (ec) throw EnvironmentError(fmt::format("{}: cannot copy the power-cut disk: {}", d.image.string(), ec.message()));
    sized_file(d.log, 0, "the power-cut write log");  // qemu opens it, never creates it
  }
}

}  // namespace harness
