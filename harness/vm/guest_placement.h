// GuestPlacement: in the guest, puts the run's host files (the bundle the
// vm backend wrote on the scratch disk, see guest_bundle.h) at their own
// absolute paths, so that a scenario's paths work unchanged: each folder
// made, each symlink made, each file bind-mounted read-only over an empty
// file of its own (nothing is copied: a file is read from the disk only
// if it is used). A path that exists already is left alone: the
// initramfs holds the agent and its libraries, the same host files.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>

namespace harness {

// How a file gets to its place; the real one bind-mounts `from` read-only
// over the empty file `to`.
using PlaceFile = std::function<void(const std::filesystem::path& from, const std::filesystem::path& to)>;
void bind_read_only(const std::filesystem::path& from, const std::filesystem::path& to);

// Mirrors the tree beneath `bundle` beneath `root`. Returns how many files
// were placed. Throws RuntimeError naming the path that failed.
size_t place_bundle(const std::filesystem::path& bundle, const std::filesystem::path& root = "/",
                    const PlaceFile& place = bind_read_only);

}  // namespace harness
