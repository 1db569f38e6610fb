// e2fsck -fy on a filesystem image or an unmounted device: replays the
// journal and repairs, as the next boot would. Used to judge the disk a
// power cut or an I/O error left behind.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>

namespace harness {

// e2fsck's exit code: 0 clean, 1/2 repaired, 4 and above errors left (8
// when it did not finish within a minute). Its output is discarded (the
// exit code says what it did). Throws EnvironmentError without e2fsck.
// `stop` (may be null) ends it early, as a failure (8).
int e2fsck_repair(const std::filesystem::path& target, const std::atomic<bool>* stop = nullptr);

// The same on an image file whose bytes someone else chose (a power cut's
// replay): e2fsck runs confined (host/confined_image_tool.h), so a parser
// bug in it reaches that file and no more.
int e2fsck_repair_unprivileged(const std::filesystem::path& image);

// "clean", "repaired" or "errors left (exit 4)".
std::string fsck_outcome(int rc);

}  // namespace harness
