#include "vm/elf_deps.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/error.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

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

TEST(ElfDeps, ParsesLoaderOutput) {
  std::string out =
      "\tlinux-vdso.so.1 (0x00007ffd1)\n"
      "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)\n"
      "\t/lib64/ld-linux-x86-64.so.2 (0x00007f2)\n";
  auto libs = parse_loader_list(out, "x");
  ASSERT_EQ(libs.size(), 2u);
  EXPECT_EQ(libs[0], "/lib/x86_64-linux-gnu/libc.so.6");
  EXPECT_EQ(libs[1], "/lib64/ld-linux-x86-64.so.2");
  try {
    parse_loader_list("\tlibgone.so.1 => not found\n", "/opt/tool");
    FAIL() << "expected an error";
  } catch (const EnvironmentError& e) {
    EXPECT_NE(std::string(e.what()).find("libgone.so.1"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("/opt/tool"), std::string::npos);
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
