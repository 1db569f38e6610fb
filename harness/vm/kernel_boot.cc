#include "vm/kernel_boot.h"

#include <fmt/format.h>
#include <fstream>
#include <mutex>

#include "base/digest.h"
#include "base/error.h"
#include "vm/bzimage.h"

namespace harness {

namespace fs = std::filesystem;

namespace {

// Kernels kept: the current one and a few it replaced.
constexpr size_t kVmlinuxCacheKeep = 4;
// No bzImage is this large; a bigger file is not read into memory.
constexpr uintmax_t kMaxBzImageBytes = 256ULL << 20;

std::string read_whole(const fs::path& p) {
  std::error_code ec;
  uintmax_t size = fs::file_size(p, ec);
  if (ec) throw RuntimeError(fmt::format("{}: {}", p.string(), ec.message()));
  if (size > kMaxBzImageBytes) throw RuntimeError(fmt::format("{}: {} bytes is too large for a bzImage", p.string(), size));
  std::ifstream in(p, std::ios::binary);
  std::string s(size, '\0');
  in.read(s.data(), static_cast<std::streamsize>(size));
  if (!in || static_cast<uintmax_t>(in.gcount()) != size) throw RuntimeError(p.string() + ": cannot read it whole");
  return s;
}

fs::path refused_marker(const VmCache& cache, const std::string& key) {
  return cache.path("vmlinux-" + key + ".refused");
}

// One extraction at a time in this process: parallel runs (-j) of the
// same kernel wait for the first instead of each inflating ~50 MB.
std::mutex& extract_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

std::string guest_kernel_cmdline(const std::vector<std::string>& params, std::string_view init_args) {
  std::string c = fmt::format("console=ttyS0 quiet loglevel=1 panic=-1 {}", kFastBootCmdline);
  for (const auto& p : params)
    if (!p.empty()) c += " " + p;
  if (!init_args.empty()) c += fmt::format(" -- {}", init_args);
  return c;
}

std::string_view to_string(KernelForm f) { return f == KernelForm::pvh_vmlinux ? "pvh-vmlinux" : "bzImage"; }

KernelBoot choose_kernel_boot(const fs::path& bzimage, const VmCache& cache) {
  KernelBoot b;
  b.image = bzimage;
  b.bzimage = bzimage;
  b.form = KernelForm::bzimage;
  std::string bz;
  try {
    bz = read_whole(bzimage);
  } catch (const RuntimeError& e) {
    b.why = fmt::format("booting the bzImage: {}", e.what());
    return b;
  }
  Sha256 h;
  h.update(std::string_view(bz));
  b.key = h.hex_final().substr(0, 24);
  fs::path vmlinux = cache.path("vmlinux-" + b.key);
  std::error_code ec;
  if (fs::exists(refused_marker(cache, b.key), ec)) {
    std::ifstream in(refused_marker(cache, b.key));
    std::string reason((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    b.why = fmt::format("booting the bzImage: an earlier PVH boot of {} failed ({}); remove {} to try again",
                        vmlinux.string(), reason, refused_marker(cache, b.key).string());
    return b;
  }
  std::lock_guard<std::mutex> lock(extract_mutex());
  bool hit = fs::exists(vmlinux, ec);
  if (!hit) {
    try {
      std::string elf = extract_vmlinux(bz);
      CacheFile out(vmlinux);
      {
        std::ofstream os(out.temp(), std::ios::binary | std::ios::trunc);
        os.write(elf.data(), static_cast<std::streamsize>(elf.size()));
        os.flush();
        if (!os) throw RuntimeError(fmt::format("{}: cannot write (disk full?)", out.temp().string()));
      }
      out.commit();
    } catch (const Error& e) {
      b.why = fmt::format("booting the bzImage: no PVH vmlinux from {}: {}", bzimage.string(), e.what());
      return b;
    }
    cache.prune("vmlinux-", kVmlinuxCacheKeep);
  }
  b.image = vmlinux;
  b.form = KernelForm::pvh_vmlinux;
  b.why = fmt::format("the PVH vmlinux of {} ({} the VM cache)", bzimage.string(),
                      hit ? "from" : "extracted into");
  return b;
}

KernelBoot fall_back_to_bzimage(const KernelBoot& failed, const VmCache& cache, const std::string& why,
                                bool remember) {
  KernelBoot b = failed;
  b.image = failed.bzimage;
  b.form = KernelForm::bzimage;
  b.why = fmt::format("booting the bzImage: the PVH vmlinux did not boot ({})", why);
  if (remember && !failed.key.empty()) {
    try {
      CacheFile marker(refused_marker(cache, failed.key));
      std::ofstream(marker.temp()) << why;
      marker.commit();
    } catch (const Error&) {
      // Not remembered: the next run tries the vmlinux again, and says so.
    }
  }
  return b;
}

}  // namespace harness
