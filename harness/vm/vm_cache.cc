#include "vm/vm_cache.h"

#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fmt/format.h>
#include <vector>

#include "base/error.h"
#include "base/private_dir.h"

namespace harness {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTempInfix = ".tmp.";

}  // namespace

fs::path default_vm_cache_dir(const fs::path& runs_folder) {
  struct stat st {};
  if (::lstat(runs_folder.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && !why_not_ours_alone(st))
    return runs_folder / ".cache";
  return kSharedVmCacheDir;
}

VmCache::VmCache(fs::path dir) : dir_(std::move(dir)) { ensure_private_dir(dir_, "the VM cache"); }

void VmCache::prune(std::string_view prefix, size_t keep) const {
  std::error_code ec;
  std::vector<std::pair<fs::file_time_type, fs::path>> all;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    std::string n = e.path().filename().string();
    if (n.rfind(prefix, 0) == 0 && n.find(kTempInfix) == std::string::npos)
      all.emplace_back(fs::last_write_time(e.path(), ec), e.path());
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = keep; i < all.size(); ++i) fs::remove(all[i].second, ec);
}

CacheFile::CacheFile(fs::path final_path) : final_(std::move(final_path)) {
  temp_ = final_;
  temp_ += fmt::format("{}{}.{}", kTempInfix, getpid(), gettid());  // runs may write it at once (-j)
}

CacheFile::~CacheFile() {
  if (committed_) return;
  std::error_code ec;
  fs::remove(temp_, ec);
}

bool CacheFile::commit(Commit how) {
  int rc = how == Commit::keep_existing
               ? ::renameat2(AT_FDCWD, temp_.c_str(), AT_FDCWD, final_.c_str(), RENAME_NOREPLACE)
               : ::rename(temp_.c_str(), final_.c_str());
  if (rc == 0) {
    committed_ = true;
    return true;
  }
  int err = errno;
  if (how == Commit::keep_existing && err == EEXIST) return false;  // the destructor drops the temporary
  throw EnvironmentError(errno_message(final_.string() + ": cannot move into the VM cache", err));
}

}  // namespace harness
