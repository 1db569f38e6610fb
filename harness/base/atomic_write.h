// write_file_atomically: a file's new content appears whole or not at all
// (a temporary file beside it, fsync, rename). Temporary names are unique
// per call, so threads and processes may write the same file at once; the
// last rename wins.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace harness {

void write_file_atomically(const std::filesystem::path& path, std::string_view content);
// The same for `name` in the folder `dirfd` (a run folder held open):
// the temporary file is created there with O_EXCL|O_NOFOLLOW and renamed
// over `name` beneath the descriptor, so nothing goes through a path
// someone could have changed. `shown` names the file in errors, which
// end with `full_disk_advice` when the disk is full.
void write_file_atomically_at(int dirfd, const std::string& name, std::string_view content,
                              const std::filesystem::path& shown,
                              std::string_view full_disk_advice = "free some space");

}  // namespace harness
