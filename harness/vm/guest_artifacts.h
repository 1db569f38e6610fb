// GuestArtifacts: the files a boot needs that are kept in the VM cache
// (vm_cache.h): the guest initramfs and the stripped agent binary.
#pragma once

#include <filesystem>

#include "vm/initramfs.h"
#include "vm/vm_cache.h"

namespace harness {

// Writes the archive into the cache unless an identical one is there
// (`hit` says which); the 8 most recently used are kept.
std::filesystem::path ensure_initramfs(const Initramfs& ir, const VmCache& cache, bool& hit);

// The agent binary for the guest: the harness without its debug info
// (a RelWithDebInfo build is mostly DWARF, and every byte of the initramfs
// is copied and unpacked by an emulated CPU at boot). Made with objcopy
// when binutils is installed and kept in the cache; otherwise the binary
// itself.
std::filesystem::path stripped_agent(const std::filesystem::path& exe, const VmCache& cache);

}  // namespace harness
