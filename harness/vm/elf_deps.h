// ElfDeps: the files a program needs to run on another root filesystem —
// its script interpreter (for "#!" files), its ELF interpreter (the
// dynamic loader) and the shared libraries that loader resolves on this
// host. The list comes from the loader itself (`ld.so --list BIN`), which
// maps the libraries without running the program, so it matches exactly
// what an exec on this host would load.
#pragma once

#include <filesystem>
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

// Parses the output of `ld.so --list`. Libraries the loader could not
// find throw EnvironmentError naming them and `what`.
std::vector<std::filesystem::path> parse_loader_list(const std::string& output, const std::string& what);

// The loader and every shared library of an ELF executable (or library),
// absolute host paths, in the loader's order. Empty for static files.
std::vector<std::filesystem::path> shared_library_deps(const std::filesystem::path& elf);

// Everything `program` needs besides itself: for a script its interpreter
// and that interpreter's needs; for an ELF its loader and libraries; for
// anything else nothing.
std::vector<std::filesystem::path> runtime_deps(const std::filesystem::path& program);

}  // namespace harness
