// write_file_atomically: a file's new content appears whole or not at all
// (a temporary file beside it, fsync, rename). Temporary names are unique
// per call, so threads and processes may write the same file at once; the
// last rename wins.
#pragma once

#include <filesystem>
#include <string_view>

namespace harness {

void write_file_atomically(const std::filesystem::path& path, std::string_view content);

}  // namespace harness
