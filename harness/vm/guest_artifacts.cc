#include "vm/guest_artifacts.h"

#include <sys/stat.h>

#include <chrono>
#include <fmt/format.h>
#include <fstream>

#include "base/child.h"
#include "base/digest.h"
#include "base/error.h"

namespace harness {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {
constexpr size_t kInitramfsCacheKeep = 8;
}  // namespace

fs::path ensure_initramfs(const Initramfs& ir, const VmCache& cache, bool& hit) {
  fs::path file = cache.path("initramfs-" + ir.manifest_digest().substr(0, 24) + ".cpio");
  std::error_code ec;
  hit = fs::exists(file, ec);
  if (hit) {
    fs::last_write_time(file, fs::file_time_type::clock::now(), ec);  // most recently used
    return file;
  }
  CacheFile out(file);
  {
    std::ofstream os(out.temp(), std::ios::binary | std::ios::trunc);
    if (!os) throw EnvironmentError(fmt::format("{}: cannot write the guest initramfs", out.temp().string()));
    ir.write(os);
    os.flush();
    if (!os)
      throw EnvironmentError(fmt::format("{}: writing the guest initramfs failed (disk full?)", out.temp().string()));
  }
  out.commit();
  cache.prune("initramfs-", kInitramfsCacheKeep);
  return file;
}

fs::path stripped_agent(const fs::path& exe, const VmCache& cache) {
  auto objcopy = find_program("objcopy");
  if (!objcopy) return exe;
  struct stat st {};
  if (stat(exe.c_str(), &st) != 0) return exe;
  Sha256 h;
  h.update(fmt::format("{}\t{}\t{}.{}\t{}", exe.string(), st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                       st.st_ino));
  fs::path out = cache.path("agent-" + h.hex_final().substr(0, 24));
  std::error_code ec;
  // Not touched on a hit: its mtime is part of the initramfs cache key.
  if (fs::exists(out, ec)) return out;
  CacheFile tmp(out);
  ChildOptions o;
  o.timeout = milliseconds(60000);
  auto r = run_child({objcopy->string(), "--strip-debug", exe.string(), tmp.temp().string()}, o);
  if (!r.succeeded()) return exe;
  // Not over a copy another run (-j) made meanwhile: replacing it would
  // change the mtime that keys that run's initramfs.
  try {
    tmp.commit(CacheFile::Commit::keep_existing);
  } catch (const EnvironmentError&) {
    return exe;
  }
  cache.prune("agent-", kInitramfsCacheKeep);
  return out;
}

}  // namespace harness
