// RunDir is the one place a run may write. It creates a fresh directory,
// leaves a marker (`harness-run.json`, locked while the run lives, see
// run_marker.h) that `harness gc` recognises, and resolves every scenario
// path beneath its work/ folder
// with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), so neither "..",
// an absolute path nor a planted symlink can reach the rest of the machine.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

#include "base/run_marker.h"
#include "base/scoped_fd.h"

namespace harness {

class RunDir {
 public:
  // Creates `dir` (which must not exist yet, or be empty, owned by us and
  // not group- or world-writable: EnvironmentError otherwise) and dir/work.
  // Its parents are opened (and made) by open_trusted_parent (private_dir.h):
  // none a link, none a folder others could rename things in.
  explicit RunDir(std::filesystem::path dir);
  ~RunDir();  // removes work/ (never crossing into a mount) and the marker
  RunDir(const RunDir&) = delete;
  RunDir& operator=(const RunDir&) = delete;

  const std::filesystem::path& path() const { return dir_; }
  const std::filesystem::path& work() const { return work_; }
  // The run folder and its work/, held open since they were made: the
  // run's own files are created and removed beneath these.
  int fd() const { return dir_fd_.get(); }
  int work_fd() const { return work_fd_.get(); }
  // Opens `name` (one component) in the run folder itself, following no
  // link. Throws EnvironmentError with the path and errno.
  ScopedFd open_in_run_folder(const std::string& name, int flags, mode_t mode = 0644) const;
  // At most `max_bytes` of `name` in the run folder ("" if it is missing).
  std::string read_capped(const std::string& name, size_t max_bytes) const;
  void keep_work(bool keep) { keep_work_ = keep; }
  // Removes work/ now (unless keep_work), e.g. to free its space before the
  // report is written; the destructor does it otherwise.
  void remove_work() noexcept;

  // Opens a work path beneath work/. Throws RuntimeError with the path and
  // errno on failure; EXDEV/ELOOP name the escape attempt.
  ScopedFd open(const std::string& rel, int flags, mode_t mode = 0644) const;
  // The same, for a file that must be a regular one (a fault's source or
  // target): opened without side effects a device, FIFO or terminal would
  // have, checked with fstat, refused (SystemError, EINVAL) unless regular.
  // Pass no O_TRUNC: truncate with ftruncate once it has been checked.
  ScopedFd open_regular(const std::string& rel, int flags, mode_t mode = 0644) const;
  // Like open(), but refusing (EXDEV) a path that crosses into a mount, such
  // as an image file inside an image the run mounted.
  ScopedFd open_without_crossing_mounts(const std::string& rel, int flags) const;
  // The same beneath `dirfd` (the root of a filesystem the run mounted
  // itself, such as a scratch data folder): no "..", link or mount crossing.
  static ScopedFd open_on_filesystem_of(int dirfd, const std::string& rel, int flags);
  // Removes the file `rel` beneath work/ (its folder opened as open()
  // does); a file that is not there is no error. Never throws.
  void remove_file(const std::string& rel) const noexcept;
  // mkdir -p beneath work/, refusing symlinks.
  void make_dirs(const std::string& rel) const;
  // The absolute host path of a work path, after checking it stays beneath.
  std::filesystem::path absolute(const std::string& rel) const;
  // Writes a file in the run directory atomically (temp + rename).
  void write_file_atomic(const std::string& name, const std::string& content) const;
  // Records in the marker what the run holds outside its directory, so
  // that gc can undo exactly that after a crash. Thread-safe.
  void record_process(const std::string& what, pid_t pid);
  void record_loop_device(const std::string& device, dev_t backing_dev, ino_t backing_inode);
  void record_cgroup(const std::filesystem::path& dir, unsigned long long id);
  void record_dm_device(const std::string& name, const std::string& uuid);

  static std::filesystem::path default_for(const std::string& scenario_name);

 private:
  std::filesystem::path dir_;
  std::filesystem::path work_;
  ScopedFd dir_fd_;
  ScopedFd work_fd_;
  std::optional<RunMarker> marker_;
  bool keep_work_ = false;
  bool work_removed_ = false;
};

// rm -rf of `name` in `dirfd`, following no link, that stays on one
// filesystem: it never descends into a mount point, so a mount left
// behind by accident keeps its contents.
void remove_tree_one_fs_at(int dirfd, const std::string& name);

}  // namespace harness
