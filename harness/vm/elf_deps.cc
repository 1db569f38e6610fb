#include "vm/elf_deps.h"

#include "base/regular_file.h"
#include "base/scoped_fd.h"

#include <elf.h>
#include <glob.h>

#include <cstring>
#include <deque>
#include <fmt/format.h>
#include <fstream>
#include <set>
#include <sstream>

#include "base/error.h"
#include "base/program_lookup.h"

namespace harness {

namespace fs = std::filesystem;

namespace {

std::string read_prefix(const fs::path& file, size_t n) {
  try {
    return read_regular_head(file, n);
  } catch (const SystemError& e) {
    throw EnvironmentError(fmt::format("{}: cannot read: {}", file.string(), e.what()));
  }
}

// What the loader reads of a 64-bit ELF file. Every offset and size comes
// from the file, so each read is bounded and checked.
struct ElfFile {
  uint16_t machine = 0;
  std::optional<std::string> interp;
  std::vector<std::string> needed;
  std::vector<std::string> runpath;  // DT_RUNPATH, split at ':'
  std::vector<std::string> rpath;    // DT_RPATH, used only without DT_RUNPATH
};

constexpr uint64_t kMaxTableBytes = 16 << 20;
constexpr size_t kMaxLibraryCandidates = 2000;

class ElfReader {
 public:
  // Opened as a regular file (never a FIFO or a device), then read
  // through that very descriptor.
  explicit ElfReader(const fs::path& file) : file_(file), fd_(open_checked(file)) {
    in_.open(fmt::format("/proc/self/fd/{}", fd_.get()), std::ios::binary);
    if (!in_) throw EnvironmentError(fmt::format("{}: cannot read", file.string()));
  }

  ElfFile read() {
    Elf64_Ehdr eh{};
    bytes(0, &eh, sizeof eh, "ELF header");
    if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
      throw EnvironmentError(fmt::format("{}: not an ELF file", file_.string()));
    if (eh.e_ident[EI_CLASS] != ELFCLASS64)
      throw EnvironmentError(fmt::format("{}: only 64-bit ELF files are supported in the guest", file_.string()));
    if (eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_phentsize != sizeof(Elf64_Phdr))
      throw bad("unsupported byte order or program header size");
    ElfFile out;
    out.machine = eh.e_machine;
    std::vector<Elf64_Phdr> ph(eh.e_phnum);
    for (unsigned i = 0; i < eh.e_phnum; ++i)
      bytes(eh.e_phoff + i * uint64_t{sizeof(Elf64_Phdr)}, &ph[i], sizeof ph[i], "program header");
    const Elf64_Phdr* dynamic = nullptr;
    for (const auto& p : ph) {
      if (p.p_type == PT_INTERP) {
        if (p.p_filesz == 0 || p.p_filesz > 4096) throw bad(fmt::format("bad PT_INTERP size {}", p.p_filesz));
        std::string s(p.p_filesz, '\0');
        bytes(p.p_offset, s.data(), s.size(), "PT_INTERP");
        out.interp = std::string(s.c_str());
      }
      if (p.p_type == PT_DYNAMIC) dynamic = &p;
    }
    if (dynamic) read_dynamic(*dynamic, ph, out);
    return out;
  }

 private:
  EnvironmentError bad(const std::string& what) const {
    return EnvironmentError(fmt::format("{}: malformed ELF file: {}", file_.string(), what));
  }

  void bytes(uint64_t off, void* dst, size_t n, const char* what) {
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(off));
    in_.read(static_cast<char*>(dst), static_cast<std::streamsize>(n));
    if (!in_ || static_cast<size_t>(in_.gcount()) != n) throw bad(fmt::format("truncated {}", what));
  }

  // The file offset of a virtual address, through the PT_LOAD segments.
  uint64_t offset_of(uint64_t vaddr, const std::vector<Elf64_Phdr>& ph) const {
    for (const auto& p : ph)
      if (p.p_type == PT_LOAD && vaddr >= p.p_vaddr && vaddr - p.p_vaddr < p.p_filesz)
        return vaddr - p.p_vaddr + p.p_offset;
    throw bad("DT_STRTAB outside every PT_LOAD segment");
  }

  void read_dynamic(const Elf64_Phdr& d, const std::vector<Elf64_Phdr>& ph, ElfFile& out) {
    if (d.p_filesz > kMaxTableBytes) throw bad("PT_DYNAMIC too large");
    std::vector<Elf64_Dyn> dyn(d.p_filesz / sizeof(Elf64_Dyn));
    if (!dyn.empty()) bytes(d.p_offset, dyn.data(), dyn.size() * sizeof(Elf64_Dyn), "PT_DYNAMIC");
    uint64_t strtab = 0, strsz = 0;
    std::vector<uint64_t> needed, runpath, rpath;
    for (const auto& e : dyn) {
      if (e.d_tag == DT_NULL) break;
      switch (e.d_tag) {
        case DT_STRTAB: strtab = e.d_un.d_ptr; break;
        case DT_STRSZ: strsz = e.d_un.d_val; break;
        case DT_NEEDED: needed.push_back(e.d_un.d_val); break;
        case DT_RUNPATH: runpath.push_back(e.d_un.d_val); break;
        case DT_RPATH: rpath.push_back(e.d_un.d_val); break;
        default: break;
      }
    }
    if (needed.empty() && runpath.empty() && rpath.empty()) return;
    if (strtab == 0 || strsz == 0 || strsz > kMaxTableBytes) throw bad("no usable DT_STRTAB");
    std::string strings(strsz, '\0');
    bytes(offset_of(strtab, ph), strings.data(), strings.size(), "DT_STRTAB");
    auto str = [&](uint64_t off) {
      if (off >= strings.size()) throw bad("a dynamic string outside DT_STRTAB");
      return std::string(strings.c_str() + off);
    };
    auto split = [](const std::string& s) {
      std::vector<std::string> parts;
      std::istringstream in(s);
      for (std::string p; std::getline(in, p, ':');)
        if (!p.empty()) parts.push_back(p);
      return parts;
    };
    for (uint64_t n : needed) out.needed.push_back(str(n));
    for (uint64_t r : runpath)
      for (auto& p : split(str(r))) out.runpath.push_back(std::move(p));
    for (uint64_t r : rpath)
      for (auto& p : split(str(r))) out.rpath.push_back(std::move(p));
  }

  static ScopedFd open_checked(const fs::path& file) {
    try {
      return open_regular_following(file);
    } catch (const SystemError& e) {
      throw EnvironmentError(fmt::format("{}: cannot read: {}", file.string(), e.what()));
    }
  }

  fs::path file_;
  ScopedFd fd_;
  std::ifstream in_;
};

ElfFile read_elf(const fs::path& file) { return ElfReader(file).read(); }

// $ORIGIN (and ${ORIGIN}) is the directory of the object naming the path.
std::string expand_origin(std::string dir, const fs::path& origin) {
  for (const char* token : {"${ORIGIN}", "$ORIGIN"})
    for (size_t at; (at = dir.find(token)) != std::string::npos;)
      dir.replace(at, std::strlen(token), origin.string());
  return dir;
}

// A library the loader would take: an ELF file of the program's machine.
bool usable_library(const fs::path& p, uint16_t machine) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return false;
  try {
    return read_elf(p).machine == machine;
  } catch (const Error&) {
    return false;  // a 32-bit or broken file: the loader skips it too
  }
}

void read_ld_so_conf(const fs::path& file, int depth, std::vector<fs::path>& dirs) {
  if (depth > 8) return;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string first;
    if (!(words >> first)) continue;
    if (first == "include") {
      for (std::string pattern; words >> pattern;) {
        fs::path pat = fs::path(pattern).is_absolute() ? fs::path(pattern) : file.parent_path() / pattern;
        glob_t g{};
        if (glob(pat.c_str(), 0, nullptr, &g) == 0) {
          std::vector<std::string> matches(g.gl_pathv, g.gl_pathv + g.gl_pathc);
          globfree(&g);
          for (const auto& m : matches) read_ld_so_conf(m, depth + 1, dirs);
        } else {
          globfree(&g);
        }
      }
      continue;
    }
    if (first == "hwcap") continue;
    for (std::string dir = first;; ) {
      if (!dir.empty() && dir.front() == '/') dirs.emplace_back(dir);
      if (!(words >> dir)) break;
    }
  }
}

}  // namespace

bool is_elf(const fs::path& file) { return read_prefix(file, 4) == "\x7f" "ELF"; }

std::optional<fs::path> elf_interpreter(const fs::path& file) {
  auto interp = read_elf(file).interp;
  if (!interp) return std::nullopt;
  return fs::path(*interp);
}

std::optional<fs::path> script_interpreter(const fs::path& file) {
  read_prefix(file, 1);  // throws for a file that cannot be read, as before
  auto words = shebang_words(file);
  if (words.empty()) return std::nullopt;
  return fs::path(words[0]);
}

std::vector<fs::path> system_library_dirs() {
  std::vector<fs::path> dirs;
  read_ld_so_conf("/etc/ld.so.conf", 0, dirs);
  for (const char* d : {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib",
                        "/usr/lib"})
    dirs.emplace_back(d);
  return dirs;
}

std::vector<fs::path> shared_library_deps(const fs::path& elf, const MayLook& may_look) {
  // A crafted file could name thousands of libraries in thousands of run
  // paths: the candidates looked at are capped.
  size_t candidates = 0;
  auto usable = [&](const fs::path& p, uint16_t machine) {
    if (++candidates > kMaxLibraryCandidates)
      throw EnvironmentError(fmt::format("{}: more than {} places to look for its libraries; refused", elf.string(),
                                         kMaxLibraryCandidates));
    return (!may_look || may_look(p)) && usable_library(p, machine);
  };
  ElfFile program = read_elf(elf);
  if (!program.interp && program.needed.empty()) return {};
  const std::vector<fs::path> system = system_library_dirs();
  std::vector<fs::path> out;
  std::set<fs::path> seen_paths;
  std::set<std::string> seen_names;  // the loader maps a soname once
  if (program.interp) {
    // Copied into the guest like any file, never run here. Its name is
    // its soname: libc's DT_NEEDED on it is the same object.
    out.emplace_back(*program.interp);
    seen_paths.insert(*program.interp);
    seen_names.insert(fs::path(*program.interp).filename().string());
  }
  struct Pending {
    std::string name;
    fs::path origin;
    std::vector<std::string> search;  // the needing object's run path, $ORIGIN expanded
  };
  std::deque<Pending> queue;
  auto enqueue = [&](const ElfFile& obj, const fs::path& path) {
    fs::path origin = fs::weakly_canonical(path).parent_path();
    // DT_RUNPATH applies to the object's own needs; DT_RPATH (only without
    // one) is inherited from the program, as the loader does.
    std::vector<std::string> search;
    if (!obj.runpath.empty()) {
      for (const auto& d : obj.runpath) search.push_back(expand_origin(d, origin));
    } else {
      for (const auto& d : obj.rpath) search.push_back(expand_origin(d, origin));
      if (&obj != &program)
        for (const auto& d : program.rpath) search.push_back(expand_origin(d, fs::weakly_canonical(elf).parent_path()));
    }
    for (const auto& n : obj.needed) queue.push_back(Pending{n, origin, search});
  };
  enqueue(program, elf);
  while (!queue.empty()) {
    Pending next = std::move(queue.front());
    queue.pop_front();
    if (!seen_names.insert(next.name).second) continue;
    std::optional<fs::path> found;
    if (next.name.find('/') != std::string::npos) {
      fs::path p = (fs::path(next.name).is_absolute() ? fs::path(next.name) : next.origin / next.name).lexically_normal();
      if (usable(p, program.machine)) found = p;
    } else {
      for (const auto& dir : next.search)
        // $ORIGIN is a resolved folder: a ".." after it is one name up, as
        // the text says; the path looked at is the path judged.
        if (const fs::path c = (fs::path(dir) / next.name).lexically_normal(); !found && usable(c, program.machine))
          found = c;
      for (const auto& dir : system)
        if (!found && usable(dir / next.name, program.machine)) found = dir / next.name;
    }
    if (!found)
      throw EnvironmentError(fmt::format("{} needs {}, which is neither in its run path nor in the system's "
                                         "library directories",
                                         elf.string(), next.name));
    if (!seen_paths.insert(*found).second) continue;
    out.push_back(*found);
    enqueue(read_elf(*found), *found);
  }
  return out;
}

std::vector<fs::path> runtime_deps(const fs::path& program, const MayLook& may_look) {
  std::vector<fs::path> out;
  fs::path p = program;
  // A script may name a script as its interpreter; bounded like the kernel.
  for (int depth = 0; depth < 5; ++depth) {
    if (auto si = script_interpreter(p)) {
      out.push_back(*si);
      if (may_look && !may_look(*si)) return out;
      p = *si;
      continue;
    }
    if (is_elf(p))
      for (auto& l : shared_library_deps(p, may_look)) out.push_back(std::move(l));
    return out;
  }
  throw EnvironmentError(fmt::format("{}: too many nested #! interpreters", program.string()));
}

}  // namespace harness
