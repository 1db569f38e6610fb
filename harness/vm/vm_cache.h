// VmCache: the per-machine folder of what VM runs reuse — guest
// initramfs archives, the stripped agent, the uncompressed guest kernel,
// the accelerator choice (see vm_backend.h for the list). The harness runs
// as root and boots what it finds there, so the folder is private (0700)
// and one that another user owns is refused rather than trusted.
//
// Files appear whole or not at all: each is written under a temporary
// name beside its final one (a CacheFile, removed unless committed) and
// renamed into place, so a killed run or a concurrent one (-j) never
// leaves or reads a half-written file.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace harness {

class VmCache {
 public:
  // Creates the folder (and missing parents) with mode 0700, or tightens
  // an existing folder of this user's to 0700 (base/private_dir.h). Throws
  // EnvironmentError if it cannot be created, is a symlink or belongs to
  // another user.
  explicit VmCache(std::filesystem::path dir);

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path path(std::string_view name) const { return dir_ / std::string(name); }

  // Keeps the `keep` most recently modified files whose names start with
  // `prefix`; temporaries of runs still writing are left alone.
  void prune(std::string_view prefix, size_t keep) const;

 private:
  std::filesystem::path dir_;
};

// The cache runs in `runs_folder` use unless told (--vm-cache): its .cache
// when that folder is ours alone; in a folder others may write to (/tmp,
// for --out /tmp/x) anyone could make .cache first, so there it is
// kSharedVmCacheDir instead.
inline constexpr const char* kSharedVmCacheDir = "/var/cache/harness";
std::filesystem::path default_vm_cache_dir(const std::filesystem::path& runs_folder);

// A cache file being written: a temporary beside `final_path`, unique per
// process and thread. The destructor removes the temporary unless commit()
// moved it into place.
class CacheFile {
 public:
  explicit CacheFile(std::filesystem::path final_path);
  ~CacheFile();
  CacheFile(const CacheFile&) = delete;
  CacheFile& operator=(const CacheFile&) = delete;

  const std::filesystem::path& temp() const { return temp_; }
  const std::filesystem::path& final_path() const { return final_; }

  enum class Commit { replace, keep_existing };
  // Renames the temporary into place. With keep_existing a file already
  // there stays (another run made it) and the temporary is dropped; returns
  // false then. Throws EnvironmentError if the rename fails otherwise.
  bool commit(Commit how = Commit::replace);

 private:
  std::filesystem::path final_;
  std::filesystem::path temp_;
  bool committed_ = false;
};

}  // namespace harness
