#include "core/scenario_parse.h"

#include <fmt/format.h>

#include <regex>


namespace harness {

namespace {

constexpr unsigned long long kMaxTotalImageMiB = 4ULL * kMaxImageMiB;

std::filesystem::path host_path(const ScenarioNode& n, const std::filesystem::path& base,
                                const HostPathPolicy* untrusted) {
  std::filesystem::path p(n.nonempty_string());
  if (p.is_relative()) p = base / p;
  p = p.lexically_normal();
  if (untrusted)
    if (auto why = untrusted->refusal(p, HostUse::data, std::filesystem::absolute(base))) n.fail(*why);
  std::error_code ec;
  auto st = std::filesystem::status(p, ec);
  if (ec || !std::filesystem::exists(st)) n.fail(fmt::format("host file {} does not exist", p.string()));
  if (!std::filesystem::is_regular_file(st))
    n.fail(fmt::format("host file {} is not a regular file", p.string()));
  return p;
}

// An image's or a scratch filesystem's "fs": what mkfs makes and the
// kernel mounts everywhere the harness runs.
std::string filesystem_type(const ScenarioNode& n) {
  std::string fs = n.string();
  if (fs != "ext4" && fs != "ext3" && fs != "ext2")
    n.fail(fmt::format("unsupported filesystem \"{}\" (expected ext4, ext3 or ext2)", fs));
  return fs;
}

}  // namespace

ImageSpec parse_image(const ScenarioNode& n, const std::filesystem::path& base, const HostPathPolicy* untrusted) {
  n.expect_object("image");
  ImageSpec img;
  img.name = name_field(n.require("name"), "image");
  img.path = n.has("path") ? work_path(n.at_key("path")) : "images/" + img.name + ".img";
  if (auto fs = n.optional("fs")) img.fs = filesystem_type(*fs);
  img.size_mib = static_cast<unsigned>(n.require("size_mib").integer(1, kMaxImageMiB));
  if (auto files = n.optional("files")) {
    for (const auto& f : files->array()) {
      f.expect_object("image_file");
      ImageFile file;
      file.from = host_path(f.require("from"), base, untrusted);
      // Copying it in would fill the disk first (/proc/kcore claims 128 TiB).
      std::error_code ec;
      auto bytes = std::filesystem::file_size(file.from, ec);
      if (!ec && bytes > (static_cast<unsigned long long>(img.size_mib) << 20))
        f.at_key("from").fail(fmt::format("host file {} ({} bytes) is larger than the whole image ({} MiB)",
                                          file.from.string(), bytes, img.size_mib));
      auto to = f.require("to");
      file.to = work_path(to);  // same rules: relative, no ".."
      if (auto m = f.optional("mode")) {
        std::string s = m->string();
        static const std::regex mode_re("0?[0-7]{3,4}");
        if (!std::regex_match(s, mode_re)) m->fail("mode is an octal string such as \"0755\"");
        file.mode = static_cast<unsigned>(std::stoul(s, nullptr, 8));
      }
      img.files.push_back(std::move(file));
    }
  }
  return img;
}

void read_images(ScenarioParse& p) {
  auto& [root, base, s, produced, untrusted] = p;
  if (auto images = root.optional("images")) {
    std::set<std::string> names;
    images->limit_items(kMaxImages, "images");
    unsigned long long total_mib = 0;
    for (const auto& n : images->array()) {
      ImageSpec img = parse_image(n, base, untrusted);
      if (!names.insert(img.name).second) n.at_key("name").fail("duplicate image name");
      if (!produced.insert(img.path).second) n.fail(fmt::format("{} is produced twice", img.path));
      total_mib += img.size_mib;
      s.images.push_back(std::move(img));
    }
    if (total_mib > kMaxTotalImageMiB)
      images->fail(fmt::format("{} MiB of images in total; at most {} MiB", total_mib, kMaxTotalImageMiB));
  }
}

void read_copies(ScenarioParse& p) {
  auto& [root, base, s, produced, untrusted] = p;
  if (auto copies = root.optional("copies")) {
    for (const auto& n : copies->array()) {
      n.expect_object("copy");
      CopySpec c{work_path(n.require("from")), work_path(n.require("to"))};
      if (!produced.count(c.from))
        n.at_key("from").fail(fmt::format("{} is not an image or an earlier copy", c.from));
      if (!produced.insert(c.to).second) n.at_key("to").fail(fmt::format("{} is produced twice", c.to));
      s.copies.push_back(std::move(c));
    }
  }
}

void read_scratch(ScenarioParse& p) {
  auto& [root, base, s, produced, untrusted] = p;
  if (auto scratch = root.optional("scratch")) {
    scratch->limit_items(kMaxMounts, "scratch filesystems");
    for (const auto& n : scratch->array()) {
      n.expect_object("scratch");
      ScratchSpec sc;
      sc.path = work_path(n.require("path"));
      sc.size_mib = static_cast<unsigned>(n.require("size_mib").integer(kMinScratchMiB, kMaxImageMiB));
      if (auto fs = n.optional("fs")) sc.fs = filesystem_type(*fs);
      if (auto pc = n.optional("power_cut")) {
        sc.power_cut = pc->boolean();
        for (const auto& other : s.scratch)
          if (sc.power_cut && other.power_cut)
            pc->fail(fmt::format("scratch {} has a power cut already; at most one scratch filesystem may", other.path));
      }
      if (auto io = n.optional("io_errors")) {
        sc.io_errors = io->boolean();
        if (sc.io_errors && sc.power_cut)
          io->fail("a scratch filesystem with a power cut is a VM disk of its own; give io_errors to another one");
      }
      if (auto full = n.optional("enospc")) sc.enospc = full->boolean();
      for (const auto& other : s.scratch)
        if (lies_inside(sc.path, other.path) || lies_inside(other.path, sc.path))
          n.at_key("path").fail(fmt::format("scratch {} overlaps scratch {}", sc.path, other.path));
      for (const auto& made : produced)
        if (lies_inside(made, sc.path))
          n.at_key("path").fail(fmt::format("{} is produced before the scratch filesystem hides it", made));
      s.scratch.push_back(std::move(sc));
    }
  }
}

}  // namespace harness
