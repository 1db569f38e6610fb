#include "host/scratch_filesystems.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <filesystem>

#include "base/error.h"

namespace harness {

BuiltImage ScratchFilesystems::build(const ScratchSpec& sc, size_t index, const RunDir& dir) {
  ImageSpec spec;
  spec.name = fmt::format("scratch-{}", index + 1);
  spec.path = fmt::format("scratch-images/{}.img", index + 1);
  spec.fs = sc.fs;
  spec.size_mib = sc.size_mib;
  return build_image(spec, dir);
}

void ScratchFilesystems::mount(const ScratchSpec& sc, const BuiltImage& b, RunDir& dir) {
  dir.make_dirs(sc.path);
  struct stat img_st {};
  {
    ScopedFd img = dir.open_without_crossing_mounts(b.path, O_RDONLY);
    fstat(img.get(), &img_st);
  }
  mounts_.push_back(Mount::loop_mount(dir.absolute(b.path), dir.absolute(sc.path), "loop,rw", sc.fs));
  const auto& st = *mounts_.back().loop().status();
  if (st.backing_dev != img_st.st_dev || st.backing_inode != img_st.st_ino)
    throw RuntimeError(fmt::format("{}: the loop device holds another file than the one built; refusing it", b.path));
  dir.record_loop_device(st.device, st.backing_dev, st.backing_inode);
  roots_.emplace_back(sc.path, dir.open(sc.path, O_DIRECTORY | O_PATH));
}

void ScratchFilesystems::mount_device(const ScratchSpec& sc, const std::filesystem::path& device, RunDir& dir) {
  dir.make_dirs(sc.path);
  mounts_.push_back(Mount::loop_mount(device, dir.absolute(sc.path), "loop,rw", sc.fs));
  const auto& st = *mounts_.back().loop().status();
  dir.record_loop_device(st.device, st.backing_dev, st.backing_inode);
  roots_.emplace_back(sc.path, dir.open(sc.path, O_DIRECTORY | O_PATH));
}

std::optional<ScopedFd> ScratchFilesystems::open_beneath(const std::string& image) const {
  for (const auto& [path, root] : roots_)
    if (auto rel = path_below(image, path)) return RunDir::open_on_filesystem_of(root.get(), *rel, O_RDONLY);
  return std::nullopt;
}

void ScratchFilesystems::unmount() {
  roots_.clear();
  for (auto it = mounts_.rbegin(); it != mounts_.rend(); ++it) it->unmount();
  mounts_.clear();
}

std::optional<std::string> path_below(const std::string& path, const std::string& dir) {
  auto rel = std::filesystem::path(path).lexically_relative(dir);
  if (rel.empty() || *rel.begin() == ".." || rel == ".") return std::nullopt;
  return rel.string();
}

}  // namespace harness
