#include "vm/elf_deps.h"

#include <elf.h>

#include <boost/process.hpp>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "base/error.h"

namespace harness {

namespace fs = std::filesystem;
namespace bp = boost::process;

namespace {

std::string read_prefix(const fs::path& file, size_t n) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw EnvironmentError(fmt::format("{}: cannot read", file.string()));
  std::string s(n, '\0');
  in.read(s.data(), static_cast<std::streamsize>(n));
  s.resize(static_cast<size_t>(in.gcount()));
  return s;
}

}  // namespace

bool is_elf(const fs::path& file) { return read_prefix(file, 4) == "\x7f" "ELF"; }

std::optional<fs::path> elf_interpreter(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw EnvironmentError(fmt::format("{}: cannot read", file.string()));
  Elf64_Ehdr eh{};
  in.read(reinterpret_cast<char*>(&eh), sizeof eh);
  if (in.gcount() != sizeof eh || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
    throw EnvironmentError(fmt::format("{}: not an ELF file", file.string()));
  if (eh.e_ident[EI_CLASS] != ELFCLASS64)
    throw EnvironmentError(fmt::format("{}: only 64-bit ELF files are supported in the guest", file.string()));
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph{};
    in.seekg(static_cast<std::streamoff>(eh.e_phoff + i * static_cast<uint64_t>(eh.e_phentsize)));
    in.read(reinterpret_cast<char*>(&ph), sizeof ph);
    if (in.gcount() != sizeof ph) throw EnvironmentError(fmt::format("{}: truncated ELF program headers", file.string()));
    if (ph.p_type != PT_INTERP) continue;
    if (ph.p_filesz == 0 || ph.p_filesz > 4096)
      throw EnvironmentError(fmt::format("{}: bad PT_INTERP size {}", file.string(), ph.p_filesz));
    std::string interp(ph.p_filesz, '\0');
    in.seekg(static_cast<std::streamoff>(ph.p_offset));
    in.read(interp.data(), static_cast<std::streamsize>(ph.p_filesz));
    interp.resize(std::strlen(interp.c_str()));
    return fs::path(interp);
  }
  return std::nullopt;
}

std::optional<fs::path> script_interpreter(const fs::path& file) {
  std::string head = read_prefix(file, 256);
  if (head.rfind("#!", 0) != 0) return std::nullopt;
  size_t end = head.find('\n');
  std::string line = head.substr(2, end == std::string::npos ? std::string::npos : end - 2);
  size_t b = line.find_first_not_of(" \t");
  if (b == std::string::npos) return std::nullopt;
  size_t e = line.find_first_of(" \t", b);
  return fs::path(line.substr(b, e == std::string::npos ? std::string::npos : e - b));
}

std::vector<fs::path> parse_loader_list(const std::string& output, const std::string& what) {
  std::vector<fs::path> libs;
  std::vector<std::string> missing;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    // "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)"
    // "\t/lib64/ld-linux-x86-64.so.2 (0x...)"
    // "\tlinux-vdso.so.1 (0x...)"   (in the kernel, no file)
    // "\tlibfoo.so.1 => not found"
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos) continue;
    line = line.substr(b);
    size_t arrow = line.find(" => ");
    std::string path;
    if (arrow != std::string::npos) {
      std::string rhs = line.substr(arrow + 4);
      if (rhs.rfind("not found", 0) == 0) {
        missing.push_back(line.substr(0, arrow));
        continue;
      }
      path = rhs.substr(0, rhs.find(" ("));
    } else {
      path = line.substr(0, line.find(" ("));
    }
    if (path.empty() || path.front() != '/') continue;  // vdso
    libs.emplace_back(path);
  }
  if (!missing.empty()) {
    std::string names;
    for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
    throw EnvironmentError(fmt::format("{} needs {}, which the dynamic loader cannot find", what, names));
  }
  return libs;
}

std::vector<fs::path> shared_library_deps(const fs::path& elf) {
  auto interp = elf_interpreter(elf);
  if (!interp) return {};
  std::error_code ec;
  bp::ipstream out;
  bp::ipstream err;
  // The loader lists what it would map, then exits; BIN's code never runs.
  bp::child c(interp->string(), "--list", elf.string(), bp::std_out > out, bp::std_err > err,
              bp::std_in < bp::null, ec);
  if (ec)
    throw EnvironmentError(fmt::format("{}: cannot run the dynamic loader {}: {}", elf.string(),
                                       interp->string(), ec.message()));
  std::string text((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
  std::string errors((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
  c.wait(ec);
  int status = c.native_exit_code();
  auto libs = parse_loader_list(text, elf.string());
  if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
    throw EnvironmentError(fmt::format("{} --list {} failed: {}", interp->string(), elf.string(),
                                       errors.empty() ? text : errors));
  bool has_loader = false;
  for (const auto& l : libs) has_loader = has_loader || l == *interp;
  if (!has_loader) libs.insert(libs.begin(), *interp);
  return libs;
}

std::vector<fs::path> runtime_deps(const fs::path& program) {
  std::vector<fs::path> out;
  fs::path p = program;
  // A script may name a script as its interpreter; bounded like the kernel.
  for (int depth = 0; depth < 5; ++depth) {
    if (auto si = script_interpreter(p)) {
      out.push_back(*si);
      p = *si;
      continue;
    }
    if (is_elf(p))
      for (auto& l : shared_library_deps(p)) out.push_back(std::move(l));
    return out;
  }
  throw EnvironmentError(fmt::format("{}: too many nested #! interpreters", program.string()));
}

}  // namespace harness
