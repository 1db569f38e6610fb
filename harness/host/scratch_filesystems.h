// ScratchFilesystems: a run's scratch filesystems (Scenario::scratch), each
// an empty image built under scratch-images/ and loop-mounted read-write at
// its work path before the setup actions: a data folder of its own size
// that fills up. It keeps a directory fd on each, so that an image a setup
// step installs there can be opened beneath it without crossing a mount.
// Unmounted last (an image mount may lie on one), in reverse order.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/scoped_fd.h"
#include "base/run_dir.h"
#include "core/scenario.h"
#include "host/image.h"
#include "host/mount.h"

namespace harness {

class ScratchFilesystems {
 public:
  // Builds the `index`-th (0-based) scratch filesystem's image, empty.
  static BuiltImage build(const ScratchSpec& sc, size_t index, const RunDir& dir);
  // Mounts the image `build` made at `sc.path`, checking that the loop
  // device holds that very file.
  void mount(const ScratchSpec& sc, const BuiltImage& image, RunDir& dir);
  // Mounts a disk the vm backend made for a power-cut scratch (its writes
  // logged by qemu on the host): the filesystem is on it already.
  void mount_device(const ScratchSpec& sc, const std::filesystem::path& device, RunDir& dir);
  // `image` opened read-only beneath the scratch filesystem it lies on,
  // without crossing a mount below that; nullopt if it lies on none.
  std::optional<ScopedFd> open_beneath(const std::string& image) const;
  // Closes the directory fds, then unmounts, last mounted first.
  void unmount();

 private:
  std::vector<Mount> mounts_;
  // Declared after mounts_: closed before the unmount.
  std::vector<std::pair<std::string, ScopedFd>> roots_;
};

// `path` relative to `dir` if it lies strictly below it (both clean work
// paths), else nullopt.
std::optional<std::string> path_below(const std::string& path, const std::string& dir);

}  // namespace harness
