// ImageReader: a file of an ext2/3/4 image, read in userspace by
// e2fsprogs' debugfs run confined (host/confined_image_tool.h), never
// by mounting it: the bytes of a power-cut replay are the guest's, and the
// host kernel parses none of them. A parser bug in debugfs reaches the
// image and no more.
#pragma once

#include <filesystem>
#include <string>

#include "core/installed_state.h"

namespace harness {

// The state of `rel` (relative to the filesystem's root) in `image`, into
// `f` (its moment and path already set): the content of a regular file;
// not existing when it is not there; `head` saying why when it is
// something else (a link, a folder). debugfs resolves links in the folders
// on the way inside the image, never on the host. Throws RuntimeError when
// the image cannot be read as a filesystem at all (a point that does not
// "mount"), EnvironmentError without debugfs. A file that claims more
// bytes than the whole image (sparse) is not read: `head` says so.
void read_image_file(const std::filesystem::path& image, const std::string& rel, FileState& f);

}  // namespace harness
