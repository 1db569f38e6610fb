// ElfDeps: the files a program needs to run on another root filesystem —
// its script interpreter (for "#!" files), its ELF interpreter (the
// dynamic loader) and its shared libraries. The libraries are found the
// way the loader finds them, by reading the files themselves (DT_NEEDED,
// DT_RUNPATH/DT_RPATH with $ORIGIN, then /etc/ld.so.conf and the standard
// directories); nothing is run. Running the loader an ELF file names
// (`PT_INTERP --list`) would run a program the scenario chose, as root,
// on the host, before any VM exists.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace harness {

// PT_INTERP of an ELF file ("/lib64/ld-linux-x86-64.so.2"), or nullopt
// for a static executable. Throws EnvironmentError if the file is not ELF.
std::optional<std::filesystem::path> elf_interpreter(const std::filesystem::path& file);
bool is_elf(const std::filesystem::path& file);
// The program of a "#!" line, or nullopt.
std::optional<std::filesystem::path> script_interpreter(const std::filesystem::path& file);

// The library directories of this system, in the loader's order: those of
// /etc/ld.so.conf (and its includes), then the standard ones.
std::vector<std::filesystem::path> system_library_dirs();

// The loader and every shared library of an ELF executable (or library),
// absolute host paths, the loader first, then the libraries breadth-first
// as the loader maps them. Empty for static files. Throws EnvironmentError
// naming a library that cannot be found, or a malformed file.
// `may_look` (when set) says whether a file may be looked at at all:
// a candidate it refuses is neither opened nor counted (--untrusted: a
// run path outside what the scenario may name is not probed on the host).
using MayLook = std::function<bool(const std::filesystem::path&)>;
std::vector<std::filesystem::path> shared_library_deps(const std::filesystem::path& elf, const MayLook& may_look = {});

// Everything `program` needs besides itself: for a script its interpreter
// and that interpreter's needs; for an ELF its loader and libraries; for
// anything else nothing.
// A #! interpreter `may_look` refuses is listed but not read (whoever
// judges the list refuses it, located).
std::vector<std::filesystem::path> runtime_deps(const std::filesystem::path& program, const MayLook& may_look = {});

}  // namespace harness
