#include "vm/initramfs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "base/child.h"
#include "base/error.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

const CpioEntry* find(const std::vector<CpioEntry>& es, const std::string& name) {
  for (const auto& e : es)
    if (e.name == name) return &e;
  return nullptr;
}

TEST(CpioWriter, RoundTripsEveryKind) {
  std::ostringstream out;
  CpioWriter w(out);
  w.add_dir("bin", 0755);
  w.add_file("bin/hello", 0755, "#!/bin/sh\necho hi\n");
  w.add_file("empty", 0600, "");
  w.add_symlink("sh", "bin/hello");
  w.add_char_device("console", 0600, 5, 1);
  w.finish();
  std::string a = out.str();
  EXPECT_EQ(a.size() % 4, 0u);
  EXPECT_EQ(w.bytes_written(), a.size());

  auto es = read_newc(a);
  ASSERT_EQ(es.size(), 5u);
  EXPECT_EQ(es[0].name, "bin");
  EXPECT_TRUE(S_ISDIR(es[0].mode));
  EXPECT_EQ(es[1].data, "#!/bin/sh\necho hi\n");
  EXPECT_EQ(es[1].mode, S_IFREG | 0755u);
  EXPECT_EQ(es[2].data, "");
  EXPECT_TRUE(S_ISLNK(es[3].mode));
  EXPECT_EQ(es[3].data, "bin/hello");
  EXPECT_TRUE(S_ISCHR(es[4].mode));
  EXPECT_EQ(es[4].rdev_major, 5u);
  EXPECT_EQ(es[4].rdev_minor, 1u);
  // Inodes are distinct, or the kernel would hard-link members together.
  EXPECT_NE(es[1].ino, es[2].ino);
}

TEST(CpioWriter, ReaderRejectsATruncatedArchive) {
  std::ostringstream out;
  CpioWriter w(out);
  w.add_file("f", 0644, "0123456789");
  w.finish();
  std::string a = out.str();
  EXPECT_THROW(read_newc(a.substr(0, a.size() - 130)), RuntimeError);
  EXPECT_THROW(read_newc("garbage"), RuntimeError);
}

// The independent check: GNU cpio lists and extracts what we wrote.
TEST(CpioWriter, GnuCpioReadsTheArchive) {
  auto cpio = find_program("cpio");
  if (!cpio) GTEST_SKIP() << "cpio is not installed (apt-get install cpio); the round trip above still ran";
  char tmpl[] = "/tmp/initramfs_test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  fs::path dir = tmpl;
  {
    std::ofstream f(dir / "a.cpio", std::ios::binary);
    CpioWriter w(f);
    w.add_dir("d", 0755);
    w.add_file("d/x", 0640, std::string(1001, 'x'));
    w.add_symlink("d/l", "x");
    w.finish();
  }
  ChildOptions o;
  o.stdout_file = dir / "list";
  o.stderr_file = dir / "err";
  // -t: list; -i with --to-stdout would need a shell; list + verbose is enough.
  auto r = run_child({cpio->string(), "-t", "-v", "--quiet", "-F", (dir / "a.cpio").string()}, o);
  EXPECT_TRUE(r.succeeded()) << read_file_capped(dir / "err", 4096);
  std::string list = read_file_capped(dir / "list", 1 << 16);
  EXPECT_NE(list.find("d/x"), std::string::npos) << list;
  EXPECT_NE(list.find("1001"), std::string::npos) << list;
  EXPECT_NE(list.find("d/l -> x"), std::string::npos) << list;
  fs::remove_all(dir);
}

TEST(Initramfs, CreatesParentsAndSortsThemFirst) {
  Initramfs fs_;
  fs_.add_bytes("/a/b/c/file", "x");
  fs_.add_symlink("/a-link", "a");
  std::ostringstream out;
  fs_.write(out);
  auto es = read_newc(out.str());
  std::vector<std::string> names;
  for (const auto& e : es) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "a-link", "a/b", "a/b/c", "a/b/c/file"}));
}

TEST(Initramfs, ConflictingContentsAreRefused) {
  Initramfs f;
  f.add_bytes("/x", "one");
  f.add_bytes("/x", "one");  // same: fine
  EXPECT_THROW(f.add_bytes("/x", "two"), RuntimeError);
  EXPECT_THROW(f.add_bytes("/x/y", "under a file"), RuntimeError);
}

// Debian 12 merges /usr: /bin is a link to usr/bin, and the loader is
// reached through two links. The guest must see the same paths.
TEST(Initramfs, HostPathReproducesSymlinksOnTheWay) {
  Initramfs f;
  f.add_host_path("/bin/sleep");
  if (fs::is_symlink("/bin")) {
    ASSERT_TRUE(f.contains("/bin"));
    EXPECT_EQ(f.entries().at("bin").kind, Initramfs::Kind::symlink);
    EXPECT_TRUE(f.contains("/usr/bin/sleep"));
  } else {
    EXPECT_EQ(f.entries().at("bin/sleep").kind, Initramfs::Kind::file_host);
  }
  f.add_host_path("/lib64/ld-linux-x86-64.so.2");
  // Whatever the chain, a regular file ends it.
  bool has_real_loader = false;
  for (const auto& [p, n] : f.entries())
    if (p.find("ld-linux-x86-64.so.2") != std::string::npos && n.kind == Initramfs::Kind::file_host)
      has_real_loader = true;
  EXPECT_TRUE(has_real_loader);
  EXPECT_THROW(f.add_host_path("/no/such/file"), EnvironmentError);
}

TEST(Initramfs, ManifestDigestFollowsContents) {
  Initramfs a, b;
  a.add_bytes("/init", "#!/bin/sh\n", 0755);
  b.add_bytes("/init", "#!/bin/sh\n", 0755);
  EXPECT_EQ(a.manifest_digest(), b.manifest_digest());
  b.add_host_file("/bin/sleep", "/bin/sleep");
  EXPECT_NE(a.manifest_digest(), b.manifest_digest());
  Initramfs c;
  c.add_bytes("/init", "#!/bin/sh\n", 0700);
  EXPECT_NE(a.manifest_digest(), c.manifest_digest());
}

TEST(Initramfs, HostFileContentsAreWritten) {
  Initramfs f;
  f.add_host_file("/guest/sleep", "/bin/sleep");
  std::ostringstream out;
  f.write(out);
  auto es = read_newc(out.str());
  const CpioEntry* e = find(es, "guest/sleep");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->data.size(), fs::file_size("/bin/sleep"));
  EXPECT_EQ(e->data.substr(0, 4), "\x7f" "ELF");
  EXPECT_TRUE(e->mode & 0100);
}

// Another user who can write a folder the scenario names swaps the chosen
// file for a link to a file only root may read, or for a FIFO, between
// the choice and the copy: the copy refuses it (issue 26 review, M2).
TEST(Initramfs, AFileReplacedAfterItWasChosenIsNotCopied) {
  char tmpl[] = "/tmp/initramfs-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  fs::path dir = tmpl;
  std::ofstream(dir / "deploy.sh") << "#!/bin/sh\n";
  std::ofstream(dir / "secret") << "root only\n";
  for (const char* swap : {"link", "fifo"}) {
    SCOPED_TRACE(swap);
    fs::remove(dir / "deploy.sh");
    std::ofstream(dir / "deploy.sh") << "#!/bin/sh\n";
    Initramfs f;
    f.add_host_file("/s/deploy.sh", dir / "deploy.sh");
    fs::remove(dir / "deploy.sh");
    if (std::string(swap) == "link") fs::create_symlink(dir / "secret", dir / "deploy.sh");
    else ASSERT_EQ(mkfifo((dir / "deploy.sh").c_str(), 0600), 0);
    std::ostringstream out;
    EXPECT_THROW(f.write(out), EnvironmentError);
    EXPECT_EQ(out.str().find("root only"), std::string::npos);
    fs::path tree = dir / (std::string("tree-") + swap);
    fs::create_directories(tree);
    EXPECT_THROW(f.write_tree(tree), EnvironmentError);
    EXPECT_FALSE(fs::exists(tree / "s" / "deploy.sh") && fs::file_size(tree / "s" / "deploy.sh") > 0);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace harness
