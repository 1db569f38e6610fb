// Image: a filesystem image file built from host files with
// `mkfs.ext4 -d STAGING`, so it is never mounted read-write on the host to
// be filled. The staging directory lives in the run directory and is
// removed once the image exists.
#pragma once

#include <filesystem>

#include "base/run_dir.h"
#include "core/scenario.h"

namespace harness {

struct BuiltImage {
  std::string name;
  std::string path;  // work path
  unsigned long long size_bytes = 0;
  std::string fs;
};

BuiltImage build_image(const ImageSpec& spec, const RunDir& run);

// cp FROM TO within the work directory (the "download" of an image).
void copy_work_file(const RunDir& run, const std::string& from, const std::string& to);

}  // namespace harness
