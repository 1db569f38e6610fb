#include "host/image.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/child.h"
#include "base/error.h"
#include "base/file_copy.h"

namespace harness {

namespace fs = std::filesystem;

BuiltImage build_image(const ImageSpec& spec, const RunDir& run) {
  auto mkfs = find_program("mkfs." + spec.fs);
  if (!mkfs)
    throw EnvironmentError(fmt::format("mkfs.{} not found: install e2fsprogs "
                                       "(apt-get install -y e2fsprogs)",
                                       spec.fs));
  std::string staging = fmt::format(".staging/{}", spec.name);
  run.make_dirs(staging);
  for (const auto& f : spec.files) {
    fs::path to(f.to);
    if (to.has_parent_path()) run.make_dirs((fs::path(staging) / to.parent_path()).string());
    ScopedFd src(::open(f.from.c_str(), O_RDONLY | O_CLOEXEC));
    if (!src.is_open()) throw RuntimeError(errno_message(f.from.string() + ": cannot read", errno));
    struct stat st {};
    fstat(src.get(), &st);
    ScopedFd dst = run.open((fs::path(staging) / to).string(), O_WRONLY | O_CREAT | O_EXCL,
                            f.mode.value_or(st.st_mode & 07777));
    copy_fd(src.get(), dst.get(), f.from.string());
    fchmod(dst.get(), f.mode.value_or(st.st_mode & 07777));
  }

  fs::path parent = fs::path(spec.path).parent_path();
  if (!parent.empty()) run.make_dirs(parent.string());
  unsigned long long size = static_cast<unsigned long long>(spec.size_mib) << 20;
  {
    ScopedFd img = run.open(spec.path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (ftruncate(img.get(), static_cast<off_t>(size)) != 0)
      throw EnvironmentError(errno_message(spec.path + ": cannot size the image", errno));
  }
  ChildOptions opts;
  opts.cwd = run.work();
  opts.stdout_file = run.absolute(fmt::format(".staging/{}.mkfs.log", spec.name));
  opts.stderr_file = opts.stdout_file;
  opts.timeout = std::chrono::seconds(120);
  auto r = run_child({mkfs->string(), "-q", "-F", "-E", "nodiscard", "-d",
                      run.absolute(staging).string(), run.absolute(spec.path).string()},
                     opts);
  if (!r.succeeded()) {
    std::string log = read_file_capped(opts.stdout_file, 4096);
    if (log.find("No space left on device") != std::string::npos)
      throw EnvironmentError(fmt::format("{}: mkfs.{} failed: No space left on device (ENOSPC); free some "
                                         "space or use --out on another filesystem: {}",
                                         spec.path, spec.fs, log));
    throw RuntimeError(fmt::format("{}: mkfs.{} failed ({}): {}", spec.path, spec.fs, r.describe(), log));
  }
  remove_tree_one_fs(run.absolute(".staging"));
  return BuiltImage{spec.name, spec.path, size, spec.fs};
}

void copy_work_file(const RunDir& run, const std::string& from, const std::string& to) {
  ScopedFd src = run.open(from, O_RDONLY);
  fs::path parent = fs::path(to).parent_path();
  if (!parent.empty()) run.make_dirs(parent.string());
  ScopedFd dst = run.open(to, O_WRONLY | O_CREAT | O_EXCL, 0644);
  copy_fd(src.get(), dst.get(), from);
}

}  // namespace harness
