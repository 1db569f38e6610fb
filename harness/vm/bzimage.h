// BzImage: the x86 boot image a kernel package installs as
// /boot/vmlinuz-<release>, read for what the vm backend needs from it: the
// release it was built as, and the uncompressed kernel it carries.
//
// A bzImage is a real-mode setup stub followed by a small decompressor and
// the compressed kernel ELF (the "payload"). Booted as is, an emulated CPU
// spends most of a second decompressing it. The payload is the same kernel
// as an ELF `vmlinux` with a PVH entry note, which qemu loads straight into
// guest memory (Documentation/arch/x86/boot.rst: payload_offset and
// payload_length, boot protocol 2.08+). Only an lz4 payload is extracted
// (Debian's cloud kernel); any other compression is reported by name.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace harness {

struct BzImageHeader {
  uint16_t protocol = 0;       // boot protocol version, 0x020f for 2.15
  std::string release;         // "6.1.0-57-cloud-amd64", empty if absent
  uint64_t payload_offset = 0; // in the file
  uint64_t payload_length = 0;
};

// The setup header of `image` (the whole file, or at least its setup
// sectors), or nullopt if it is not a bzImage ("HdrS" missing).
std::optional<BzImageHeader> parse_bzimage_header(std::string_view image);

// The release a bzImage file carries, or nullopt if the file is not a
// bzImage. Reads only the setup sectors.
std::optional<std::string> kernel_release_of_image(const std::filesystem::path& bzimage);

// The payload's compression, by its magic: "lz4", "gzip", "xz", "zstd",
// "bzip2", "lzma", "lzo", or "unknown".
std::string_view payload_compression(std::string_view payload);

// The uncompressed kernel ELF inside a bzImage. Throws RuntimeError saying
// why it cannot: not a bzImage, a protocol too old to locate the payload,
// a payload outside the file, a compression other than lz4, a corrupt lz4
// block (with its offset), a length that disagrees with the size the build
// appended, or a result that is not a PVH-bootable x86-64 ELF.
std::string extract_vmlinux(std::string_view bzimage);

// The 32-bit PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY) of an x86-64 ELF
// kernel. Throws RuntimeError if `elf` is not a well-formed x86-64 ELF
// executable or has no such note.
uint32_t pvh_entry_point(std::string_view elf);

}  // namespace harness
