#include "vm/elf_deps.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "base/child.h"
#include "base/error.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

// What the system's own loader lists for a system program (trusted here:
// the test picks the programs). "\tlibc.so.6 => /lib/.../libc.so.6 (0x..)",
// "\t/lib64/ld-linux-x86-64.so.2 (0x..)", "\tlinux-vdso.so.1 (0x..)".
std::vector<fs::path> loader_list_for_test(const fs::path& prog) {
  char out[] = "/tmp/elf_deps_list.XXXXXX";
  int fd = mkstemp(out);
  EXPECT_GE(fd, 0);
  ChildOptions o;
  o.stdout_fd = fd;
  EXPECT_TRUE(run_child({elf_interpreter("/bin/sh")->string(), "--list", prog.string()}, o).succeeded());
  std::istringstream in(read_fd_capped(fd, 1 << 20));
  close(fd);
  unlink(out);
  std::vector<fs::path> libs;
  for (std::string line; std::getline(in, line);) {
    size_t arrow = line.find(" => ");
    std::string path = arrow == std::string::npos ? line : line.substr(arrow + 4);
    path = path.substr(path.find_first_not_of(" \t"));
    path = path.substr(0, path.find(" ("));
    if (!path.empty() && path.front() == '/') libs.emplace_back(path);
  }
  return libs;
}

bool has_file_named(const std::vector<fs::path>& v, const std::string& name) {
  for (const auto& p : v)
    if (p.filename() == name) return true;
  return false;
}

TEST(ElfDeps, SleepNeedsLibcAndTheLoader) {
  auto deps = shared_library_deps("/bin/sleep");
  EXPECT_TRUE(has_file_named(deps, "libc.so.6"));
  EXPECT_TRUE(has_file_named(deps, "ld-linux-x86-64.so.2"));
  for (const auto& d : deps) {
    EXPECT_TRUE(d.is_absolute()) << d;
    EXPECT_TRUE(fs::exists(d)) << d;
  }
}

TEST(ElfDeps, InterpreterOfADynamicAndAStaticBinary) {
  auto interp = elf_interpreter("/bin/sleep");
  ASSERT_TRUE(interp);
  EXPECT_EQ(interp->filename(), "ld-linux-x86-64.so.2");
  if (fs::exists("/bin/busybox")) {
    // Debian's busybox package is dynamic; busybox-static is not.
    if (!elf_interpreter("/bin/busybox")) {
      EXPECT_TRUE(shared_library_deps("/bin/busybox").empty());
    }
  }
  EXPECT_THROW(elf_interpreter("/etc/hostname"), EnvironmentError);
}

// A scenario names the program; the program names its ELF interpreter.
// Listing its libraries must never run that interpreter on the host.
TEST(ElfDeps, TheProgramsOwnInterpreterNeverRuns) {
  char dir[] = "/tmp/ei-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  fs::path interp = fs::path(dir) / "i", ran = fs::path(dir) / "ran", prog = fs::path(dir) / "prog";
  {
    std::ofstream f(interp);
    f << "#!/bin/sh\ntouch " << ran.string() << "\n";
  }
  fs::permissions(interp, fs::perms::owner_all);
  std::ifstream in("/bin/true", std::ios::binary);
  std::string elf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string loader = elf_interpreter("/bin/true")->string();
  size_t at = elf.find(loader);
  ASSERT_NE(at, std::string::npos);
  ASSERT_LE(interp.string().size(), loader.size());
  elf.replace(at, loader.size(), interp.string() + std::string(loader.size() - interp.string().size(), '\0'));
  std::ofstream(prog, std::ios::binary) << elf;
  ASSERT_EQ(elf_interpreter(prog), interp);
  try {
    auto deps = shared_library_deps(prog);
    EXPECT_TRUE(has_file_named(deps, "libc.so.6")) << ::testing::PrintToString(deps);
  } catch (const Error&) {
    // Refusing an unknown loader is as good as not running it.
  }
  EXPECT_FALSE(fs::exists(ran)) << "the interpreter named by the ELF file ran on the host";
  fs::remove_all(dir);
}

// The libraries found by reading DT_NEEDED and the search path are those
// the system's loader maps.
TEST(ElfDeps, AgreesWithTheSystemLoader) {
  for (const char* prog : {"/bin/sleep", "/bin/sh", "/usr/bin/env", HARNESS_BIN}) {
    auto deps = shared_library_deps(prog);
    std::set<fs::path> ours, loaders;
    for (const auto& d : deps) ours.insert(fs::canonical(d));
    for (const auto& d : loader_list_for_test(prog)) loaders.insert(fs::canonical(d));
    EXPECT_EQ(ours, loaders) << prog;
  }
}

TEST(ElfDeps, ScriptsBringTheirInterpreter) {
  char tmpl[] = "/tmp/elf_deps_test.XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream f(tmpl);
    f << "#!/bin/sh -e\necho hi\n";
  }
  auto si = script_interpreter(tmpl);
  ASSERT_TRUE(si);
  EXPECT_EQ(*si, "/bin/sh");
  auto deps = runtime_deps(tmpl);
  ASSERT_FALSE(deps.empty());
  EXPECT_EQ(deps[0], "/bin/sh");
  EXPECT_TRUE(has_file_named(deps, "libc.so.6"));
  fs::remove(tmpl);
}

}  // namespace
}  // namespace harness
