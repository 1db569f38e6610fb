#include "vm/bzimage.h"

#include <elf.h>
#include <gtest/gtest.h>
#include <lz4.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using testing::slurp;

namespace fs = std::filesystem;


template <typename T>
void put(std::string& s, size_t at, T v) {
  if (s.size() < at + sizeof v) s.resize(at + sizeof v);
  std::memcpy(s.data() + at, &v, sizeof v);
}

// The newest readable /boot/vmlinuz-*, if any.
std::optional<fs::path> installed_bzimage() {
  std::optional<fs::path> best;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/boot", ec)) {
    std::string f = e.path().filename().string();
    if (f.rfind("vmlinuz-", 0) == 0 && access(e.path().c_str(), R_OK) == 0 && (!best || e.path() > *best))
      best = e.path();
  }
  return best;
}

// A minimal x86-64 ELF executable with one PT_NOTE segment holding the
// given notes.
std::string tiny_elf(const std::string& notes) {
  std::string elf(sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr), '\0');
  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_EXEC;
  eh.e_machine = EM_X86_64;
  eh.e_version = EV_CURRENT;
  eh.e_phoff = sizeof(Elf64_Ehdr);
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = 1;
  eh.e_ehsize = sizeof(Elf64_Ehdr);
  put(elf, 0, eh);
  Elf64_Phdr ph{};
  ph.p_type = PT_NOTE;
  ph.p_offset = elf.size();
  ph.p_filesz = notes.size();
  put(elf, sizeof(Elf64_Ehdr), ph);
  return elf + notes;
}

std::string note(const std::string& name, uint32_t type, const std::string& desc) {
  std::string n;
  Elf64_Nhdr h{static_cast<Elf64_Word>(name.size() + 1), static_cast<Elf64_Word>(desc.size()), type};
  put(n, 0, h);
  n += name;
  n.push_back('\0');
  n.resize((n.size() + 3) & ~size_t{3}, '\0');
  n += desc;
  n.resize((n.size() + 3) & ~size_t{3}, '\0');
  return n;
}

std::string pvh_note(uint32_t entry) {
  std::string d;
  put(d, 0, entry);
  return note("Xen", 18, d);
}

// lz4's legacy frame as the kernel build writes it: magic, sized blocks,
// then the uncompressed size.
std::string lz4_legacy(const std::string& data, uint32_t recorded_size) {
  std::string out;
  put(out, 0, uint32_t{0x184c2102});
  std::string block(static_cast<size_t>(LZ4_compressBound(static_cast<int>(data.size()))), '\0');
  int n = LZ4_compress_default(data.data(), block.data(), static_cast<int>(data.size()), static_cast<int>(block.size()));
  put(out, out.size(), static_cast<uint32_t>(n));
  out.append(block.data(), static_cast<size_t>(n));
  put(out, out.size(), recorded_size);
  return out;
}

// A bzImage made by hand: one setup sector plus the boot sector, then the
// payload right at the start of the protected-mode code.
std::string tiny_bzimage(const std::string& payload, uint16_t protocol = 0x020f) {
  std::string img(1024, '\0');
  img[0x1f1] = 1;
  std::memcpy(img.data() + 0x202, "HdrS", 4);
  put(img, 0x206, protocol);
  put(img, 0x20e, uint16_t{0x100});  // version string at 0x300
  std::memcpy(img.data() + 0x300, "9.9.9-test (x@y) #1", 19);
  put(img, 0x248, uint32_t{0});
  put(img, 0x24c, static_cast<uint32_t>(payload.size()));
  return img + payload;
}

std::string error_of(const std::string& image) {
  try {
    extract_vmlinux(image);
  } catch (const RuntimeError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(BzImage, TheInstalledKernelYieldsAPvhBootableVmlinux) {
  auto img = installed_bzimage();
  if (!img) GTEST_SKIP() << "no readable /boot/vmlinuz-* (install linux-image-cloud-amd64, run as root)";
  std::string bz = slurp(*img);
  auto h = parse_bzimage_header(bz);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->release, img->filename().string().substr(8));
  // A payload located wrongly would show no known magic.
  std::string_view comp = payload_compression(std::string_view(bz).substr(h->payload_offset, 8));
  ASSERT_NE(comp, "unknown");
  if (img->filename().string().find("cloud-amd64") != std::string::npos) {
    EXPECT_EQ(comp, "lz4");  // Debian's
  }
  if (comp != "lz4") GTEST_SKIP() << *img << " is " << comp << "-compressed";
  std::string elf = extract_vmlinux(bz);
  // What the build recorded as the uncompressed size, and a real entry.
  uint32_t recorded = 0;
  std::memcpy(&recorded, bz.data() + h->payload_offset + h->payload_length - 4, 4);
  EXPECT_EQ(elf.size(), recorded);
  EXPECT_GT(elf.size(), bz.size());
  EXPECT_NE(pvh_entry_point(elf), 0u);
  EXPECT_EQ(kernel_release_of_image(*img), h->release);
}

TEST(BzImage, ReleaseOfSomethingElseIsNone) {
  EXPECT_FALSE(kernel_release_of_image("/etc/hostname"));
  EXPECT_FALSE(kernel_release_of_image("/no/such/file"));
}

TEST(BzImage, AHandMadeImageRoundTrips) {
  std::string elf = tiny_elf(note("Linux", 1, "abcd") + pvh_note(0x1000850));
  std::string bz = tiny_bzimage(lz4_legacy(elf, static_cast<uint32_t>(elf.size())));
  EXPECT_EQ(extract_vmlinux(bz), elf);
  EXPECT_EQ(kernel_release_of_image("/dev/null"), std::nullopt);
  EXPECT_EQ(parse_bzimage_header(bz)->release, "9.9.9-test");
  EXPECT_EQ(pvh_entry_point(elf), 0x1000850u);
}

// The kernel build may concatenate lz4 streams; a repeated magic is skipped.
TEST(BzImage, ConcatenatedLz4StreamsInflateWhole) {
  std::string elf = tiny_elf(pvh_note(7));
  std::string a = lz4_legacy(elf.substr(0, 40), 0), b = lz4_legacy(elf.substr(40), 0);
  std::string payload = a.substr(0, a.size() - 4) + b.substr(0, b.size() - 4);
  put(payload, payload.size(), static_cast<uint32_t>(elf.size()));
  EXPECT_EQ(extract_vmlinux(tiny_bzimage(payload)), elf);
}

// boot.rst: a setup_sects of 0 means 4.
TEST(BzImage, ZeroSetupSectorsMeansFour) {
  std::string elf = tiny_elf(pvh_note(7));
  std::string bz = tiny_bzimage(std::string(1536, '\0') + lz4_legacy(elf, static_cast<uint32_t>(elf.size())));
  bz[0x1f1] = 0;  // the payload starts after 4 + 1 sectors: 1024 bytes of header, 1536 of padding
  put(bz, 0x24c, static_cast<uint32_t>(bz.size() - 5 * 512));
  EXPECT_EQ(parse_bzimage_header(bz)->payload_offset, 5u * 512);
  EXPECT_EQ(extract_vmlinux(bz), elf);
}

// Only the PVH entry note counts, not the kernel's other Xen notes.
TEST(BzImage, ThePvhEntryIsTheXenPhys32Note) {
  EXPECT_EQ(pvh_entry_point(tiny_elf(note("Xen", 6, "linux") + pvh_note(0x1234) + note("Xen", 5, "xen-3.0"))),
            0x1234u);
  EXPECT_THROW(pvh_entry_point(tiny_elf(note("Xen", 6, "linux") + note("Linux", 18, "abcd"))), RuntimeError);
}

// Each broken image is refused with the reason, never a crash or a bad file.
TEST(BzImage, BrokenImagesAreRefusedWithTheReason) {
  std::string elf = tiny_elf(pvh_note(0x1000850));
  uint32_t size = static_cast<uint32_t>(elf.size());
  std::string good_payload = lz4_legacy(elf, size);

  EXPECT_NE(error_of("just some text, long enough to hold a header? no").find("not a bzImage"), std::string::npos);
  EXPECT_NE(error_of(tiny_bzimage(good_payload, 0x0206)).find("boot protocol 2.06"), std::string::npos);
  EXPECT_NE(error_of(tiny_bzimage(good_payload).substr(0, 1024 + 20)).find("outside"), std::string::npos);
  EXPECT_NE(error_of(tiny_bzimage("\x1f\x8b\x08\x00 gzip data")).find("gzip-compressed"), std::string::npos);

  std::string corrupt = good_payload;
  for (size_t i = 8; i < corrupt.size() - 4; ++i) corrupt[i] = static_cast<char>(0xff);
  EXPECT_NE(error_of(tiny_bzimage(corrupt)).find("corrupt block"), std::string::npos) << error_of(tiny_bzimage(corrupt));

  std::string overlong = good_payload;
  put(overlong, 4, uint32_t{1u << 20});  // the block claims more than the payload holds
  EXPECT_NE(error_of(tiny_bzimage(overlong)).find("only"), std::string::npos);

  EXPECT_NE(error_of(tiny_bzimage(lz4_legacy(elf, size + 1))).find("build recorded"), std::string::npos);
  EXPECT_NE(error_of(tiny_bzimage(lz4_legacy(elf, 0))).find("implausible"), std::string::npos);

  std::string no_pvh = tiny_elf(note("Linux", 1, "abcd"));
  EXPECT_NE(error_of(tiny_bzimage(lz4_legacy(no_pvh, static_cast<uint32_t>(no_pvh.size())))).find("no PVH entry"),
            std::string::npos);
  std::string not_elf(200, 'x');
  EXPECT_NE(error_of(tiny_bzimage(lz4_legacy(not_elf, 200))).find("not an ELF"), std::string::npos);
}

TEST(BzImage, MalformedElfSegmentsAreRefused) {
  std::string elf = tiny_elf(pvh_note(1));
  Elf64_Phdr ph{};
  std::memcpy(&ph, elf.data() + sizeof(Elf64_Ehdr), sizeof ph);
  ph.p_filesz = 1u << 30;
  put(elf, sizeof(Elf64_Ehdr), ph);
  EXPECT_THROW(pvh_entry_point(elf), RuntimeError);
  std::string bad_note = tiny_elf(pvh_note(1));
  put(bad_note, sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr), Elf64_Nhdr{4, 1000, 18});  // desc past the segment
  EXPECT_THROW(pvh_entry_point(bad_note), RuntimeError);
}

// A real bzImage cut short or with its compressed kernel damaged.
TEST(BzImage, ADamagedInstalledKernelIsRefused) {
  auto img = installed_bzimage();
  if (!img) GTEST_SKIP() << "no readable /boot/vmlinuz-*";
  std::string bz = slurp(*img);
  auto h = parse_bzimage_header(bz);
  ASSERT_TRUE(h);
  if (payload_compression(std::string_view(bz).substr(h->payload_offset, 8)) != "lz4") GTEST_SKIP() << "not lz4";
  EXPECT_NE(error_of(bz.substr(0, bz.size() / 2)).find("outside"), std::string::npos);
  std::string damaged = bz;
  for (size_t i = 0; i < 4096; ++i) damaged[h->payload_offset + 100000 + i] ^= 0x5a;
  std::string why = error_of(damaged);
  EXPECT_TRUE(why.find("lz4 payload offset") != std::string::npos || why.find("build recorded") != std::string::npos ||
              why.find("ELF") != std::string::npos)
      << why;
}

}  // namespace
}  // namespace harness
