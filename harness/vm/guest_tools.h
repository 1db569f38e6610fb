// GuestTools: what a guest needs from this machine, found on it: the
// guest kernel with its module tree, and a static busybox (and its applets).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace harness {

// The guest kernel: an explicit path, or the newest /boot/vmlinuz-* whose
// /lib/modules/<release>/modules.dep exists. Throws EnvironmentError
// saying what to install.
struct GuestKernel {
  std::filesystem::path image;
  std::string release;
  std::filesystem::path modules_dir;
};
GuestKernel find_guest_kernel(const std::optional<std::filesystem::path>& explicit_image);

// A statically linked busybox (busybox-static), or nullopt.
std::optional<std::filesystem::path> find_static_busybox();

// `busybox --list`, remembered per binary for the process's life.
std::vector<std::string> busybox_applets(const std::filesystem::path& busybox);

}  // namespace harness
