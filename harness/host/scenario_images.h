// ScenarioImages: the first step of a run's setup — every image of the
// scenario built (image.h), then its copies made, in order, in the run's
// work directory. A file already made elsewhere, in a `prebuilt` tree at
// the same work path, is moved into place instead of being made again:
// the vm backend builds images and copies on the host, where mkfs.ext4
// and a 10 MiB copy take ~25 ms, and ships them on the guest's scratch
// disk, instead of the guest spending ~300 ms of emulated CPU on them.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>

#include "base/run_dir.h"
#include "core/scenario.h"
#include "host/image.h"

namespace harness {

// `on_image` is called after each image is in place (the host backend
// records it and checks for an interrupt). `prebuilt` must be on the work directory's
// filesystem: files are renamed, not copied. Only regular files are taken
// from it; anything else there is ignored and the file is made as usual.
void make_images_and_copies(const Scenario& s, const RunDir& run, const std::optional<std::filesystem::path>& prebuilt,
                            const std::function<void(const BuiltImage&)>& on_image = {});

}  // namespace harness
