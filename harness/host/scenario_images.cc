#include "host/scenario_images.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include "base/error.h"

namespace harness {

namespace fs = std::filesystem;

namespace {

// Moves prebuilt/REL to work/REL if it is a regular file there.
bool adopt(const RunDir& run, const std::optional<fs::path>& prebuilt, const std::string& rel) {
  if (!prebuilt) return false;
  fs::path from = *prebuilt / rel;
  struct stat st {};
  if (::lstat(from.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  fs::path parent = fs::path(rel).parent_path();
  if (!parent.empty()) run.make_dirs(parent.string());
  fs::path to = run.absolute(rel);
  // RENAME_NOREPLACE: the run never overwrites what is already in work/.
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) != 0) {
    int err = errno;
    throw RuntimeError(errno_message(fmt::format("{}: cannot take the prebuilt {}", rel, from.string()), err));
  }
  return true;
}

}  // namespace

void make_images_and_copies(const Scenario& s, const RunDir& run, const std::optional<fs::path>& prebuilt,
                            const std::function<void(const BuiltImage&)>& on_image) {
  for (const auto& img : s.images) {
    BuiltImage b = adopt(run, prebuilt, img.path)
                       ? BuiltImage{img.name, img.path, static_cast<unsigned long long>(img.size_mib) << 20, img.fs}
                       : build_image(img, run);
    if (on_image) on_image(b);
  }
  for (const auto& c : s.copies)
    if (!adopt(run, prebuilt, c.to)) copy_work_file(run, c.from, c.to);
}

}  // namespace harness
