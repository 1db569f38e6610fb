#include "vm/bzimage.h"

#include <elf.h>
#include <lz4.h>

#include <cstring>
#include <fmt/format.h>
#include <fstream>

#include "base/error.h"

namespace harness {

namespace {

// Setup header fields (Documentation/arch/x86/boot.rst), as file offsets.
constexpr size_t kSetupSects = 0x1f1;
constexpr size_t kHeaderMagic = 0x202;  // "HdrS"
constexpr size_t kProtocol = 0x206;
constexpr size_t kKernelVersion = 0x20e;  // pointer, plus 0x200
constexpr size_t kPayloadOffset = 0x248;  // relative to the protected-mode code
constexpr size_t kPayloadLength = 0x24c;
constexpr uint16_t kProtocolWithPayload = 0x0208;

// lz4's legacy frame, which the kernel build writes (`lz4 -l`): this magic,
// then blocks of a little-endian 32-bit compressed size and the data, each
// inflating to at most 8 MiB. The build appends the uncompressed size.
constexpr uint32_t kLz4LegacyMagic = 0x184c2102;
constexpr size_t kLz4LegacyBlock = 8 << 20;
// A sanity cap on the appended size: a stock x86-64 kernel is ~50 MiB.
constexpr uint64_t kMaxVmlinuxBytes = 1ULL << 30;

// XEN_ELFNOTE_PHYS32_ENTRY (xen/include/public/elfnote.h): the 32-bit
// physical entry point of a PVH kernel; qemu boots an ELF only with it.
constexpr uint32_t kXenElfnotePhys32Entry = 18;

template <typename T>
T load(std::string_view s, size_t at) {
  T v{};
  std::memcpy(&v, s.data() + at, sizeof v);
  return v;  // x86 images and x86-64 ELF are little-endian, as is the host
}

bool fits(std::string_view s, uint64_t at, uint64_t len) { return at <= s.size() && len <= s.size() - at; }

}  // namespace

std::optional<BzImageHeader> parse_bzimage_header(std::string_view image) {
  if (image.size() < kPayloadLength + 4 || image.substr(kHeaderMagic, 4) != "HdrS") return std::nullopt;
  BzImageHeader h;
  h.protocol = load<uint16_t>(image, kProtocol);
  uint64_t version_at = uint64_t{load<uint16_t>(image, kKernelVersion)} + 0x200;
  if (version_at < image.size()) {
    std::string_view v = image.substr(version_at, 256);
    v = v.substr(0, v.find_first_of(std::string_view(" \0", 2)));
    h.release = std::string(v);
  }
  if (h.protocol >= kProtocolWithPayload) {
    unsigned sects = static_cast<unsigned char>(image[kSetupSects]);
    if (sects == 0) sects = 4;  // boot.rst: "if this field is 0, the real value is 4"
    h.payload_offset = (uint64_t{sects} + 1) * 512 + load<uint32_t>(image, kPayloadOffset);
    h.payload_length = load<uint32_t>(image, kPayloadLength);
  }
  return h;
}

std::optional<std::string> kernel_release_of_image(const std::filesystem::path& bzimage) {
  std::ifstream in(bzimage, std::ios::binary);
  if (!in) return std::nullopt;
  // The version string lies within the setup sectors: at most 255 + 1 of them.
  std::string head(256 * 512, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  auto h = parse_bzimage_header(head);
  if (!h || h->release.empty()) return std::nullopt;
  return h->release;
}

std::string_view payload_compression(std::string_view p) {
  auto starts = [&](std::string_view magic) { return p.substr(0, magic.size()) == magic; };
  using namespace std::string_view_literals;
  if (starts("\x02\x21\x4c\x18"sv)) return "lz4";
  if (starts("\x1f\x8b"sv)) return "gzip";
  if (starts("\xfd" "7zXZ\0"sv)) return "xz";
  if (starts("\x28\xb5\x2f\xfd"sv)) return "zstd";
  if (starts("BZh"sv)) return "bzip2";
  if (starts("\x5d\x00\x00"sv)) return "lzma";
  if (starts("\x89LZO"sv)) return "lzo";
  return "unknown";
}

namespace {

std::string inflate_lz4_legacy(std::string_view p) {
  // The size the kernel build appended (scripts/Makefile.lib size_append).
  if (p.size() < 8) throw RuntimeError(fmt::format("the lz4 payload is only {} bytes", p.size()));
  uint64_t expected = load<uint32_t>(p, p.size() - 4);
  if (expected == 0 || expected > kMaxVmlinuxBytes)
    throw RuntimeError(fmt::format("the lz4 payload ends with an implausible size ({} bytes)", expected));
  std::string out;
  out.reserve(expected);
  size_t at = 4;  // past the magic
  const size_t end = p.size() - 4;
  while (at < end) {
    if (end - at < 4) throw RuntimeError(fmt::format("lz4 payload offset {}: truncated block header", at));
    uint32_t len = load<uint32_t>(p, at);
    if (len == kLz4LegacyMagic) {  // a concatenated stream: its magic is skipped
      at += 4;
      continue;
    }
    at += 4;
    if (len == 0 || len > end - at || len > static_cast<uint32_t>(LZ4_compressBound(kLz4LegacyBlock)))
      throw RuntimeError(fmt::format("lz4 payload offset {}: a block of {} bytes, but only {} remain", at - 4,
                                     len, end - at));
    size_t old = out.size();
    if (old + kLz4LegacyBlock > kMaxVmlinuxBytes)
      throw RuntimeError(fmt::format("lz4 payload offset {}: inflates past {} bytes", at - 4, kMaxVmlinuxBytes));
    out.resize(old + kLz4LegacyBlock);
    int n = LZ4_decompress_safe(p.data() + at, out.data() + old, static_cast<int>(len),
                                static_cast<int>(kLz4LegacyBlock));
    if (n < 0) throw RuntimeError(fmt::format("lz4 payload offset {}: corrupt block ({} bytes)", at - 4, len));
    out.resize(old + static_cast<size_t>(n));
    at += len;
  }
  if (out.size() != expected)
    throw RuntimeError(fmt::format("the lz4 payload inflated to {} bytes, but the build recorded {}", out.size(),
                                   expected));
  return out;
}

}  // namespace

std::string extract_vmlinux(std::string_view image) {
  auto h = parse_bzimage_header(image);
  if (!h) throw RuntimeError("not a bzImage (no \"HdrS\" setup header at 0x202)");
  if (h->protocol < kProtocolWithPayload)
    throw RuntimeError(fmt::format("boot protocol {}.{:02} does not locate the payload (2.08 or later needed)",
                                   h->protocol >> 8, h->protocol & 0xff));
  if (!fits(image, h->payload_offset, h->payload_length) || h->payload_length == 0)
    throw RuntimeError(fmt::format("the payload ({} bytes at {}) lies outside the {}-byte image",
                                   h->payload_length, h->payload_offset, image.size()));
  std::string_view payload = image.substr(h->payload_offset, h->payload_length);
  std::string_view comp = payload_compression(payload);
  if (comp != "lz4")
    throw RuntimeError(fmt::format("the payload is {}-compressed; only lz4 payloads are extracted", comp));
  std::string elf = inflate_lz4_legacy(payload);
  pvh_entry_point(elf);  // throws if qemu could not boot it
  return elf;
}

uint32_t pvh_entry_point(std::string_view elf) {
  if (elf.size() < sizeof(Elf64_Ehdr) || elf.substr(0, SELFMAG) != std::string_view(ELFMAG, SELFMAG))
    throw RuntimeError("not an ELF file");
  auto eh = load<Elf64_Ehdr>(elf, 0);
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64 ||
      eh.e_type != ET_EXEC)
    throw RuntimeError("not an x86-64 little-endian ELF executable");
  if (eh.e_phentsize != sizeof(Elf64_Phdr) ||
      !fits(elf, eh.e_phoff, uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr)))
    throw RuntimeError("the ELF program headers lie outside the file");
  std::optional<uint32_t> entry;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    auto ph = load<Elf64_Phdr>(elf, eh.e_phoff + uint64_t{i} * sizeof(Elf64_Phdr));
    if (!fits(elf, ph.p_offset, ph.p_filesz))
      throw RuntimeError(fmt::format("ELF segment {} ({} bytes at {}) lies outside the {}-byte file", i,
                                     ph.p_filesz, ph.p_offset, elf.size()));
    if (ph.p_type != PT_NOTE) continue;
    std::string_view notes = elf.substr(ph.p_offset, ph.p_filesz);
    auto align4 = [](uint64_t n) { return (n + 3) & ~uint64_t{3}; };
    for (uint64_t at = 0; at + sizeof(Elf64_Nhdr) <= notes.size();) {
      auto nh = load<Elf64_Nhdr>(notes, at);
      uint64_t name_at = at + sizeof(Elf64_Nhdr);
      uint64_t desc_at = name_at + align4(nh.n_namesz);
      uint64_t next = desc_at + align4(nh.n_descsz);
      if (next > notes.size()) throw RuntimeError(fmt::format("ELF note at {} runs past its segment", ph.p_offset + at));
      if (notes.substr(name_at, nh.n_namesz) == std::string_view("Xen\0", 4) &&
          nh.n_type == kXenElfnotePhys32Entry && nh.n_descsz >= 4)
        entry = load<uint32_t>(notes, desc_at);
      at = next;
    }
  }
  if (!entry) throw RuntimeError("the ELF has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY); qemu cannot boot it");
  return *entry;
}

}  // namespace harness
