#include "host/image_reader.h"

#include <unistd.h>

#include <fstream>
#include <gtest/gtest.h>

#include "base/child.h"
#include "base/digest.h"
#include "base/error.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

// An ext4 image made by mkfs.ext4 -d from a folder: a file, a link, a folder.
fs::path make_image(const fs::path& dir) {
  fs::path src = dir / "src";
  fs::create_directories(src / "sub");
  std::ofstream(src / "sub" / "stack.img") << "version two\n";
  fs::create_symlink("/etc/shadow", src / "sub" / "link");
  fs::path img = dir / "replay.img";
  std::ofstream(img).close();
  fs::resize_file(img, 8 << 20);
  ChildOptions o;
  auto r = run_child({"mkfs.ext4", "-q", "-F", "-d", src.string(), img.string()}, o);
  EXPECT_TRUE(r.succeeded()) << r.describe();
  return img;
}

FileState read_in(const fs::path& img, const std::string& rel) {
  FileState f;
  f.path = "data/" + rel;
  read_image_file(img, rel, f);
  return f;
}

// The host kernel mounts nothing: debugfs, confined, reads the bytes.
TEST(ImageReader, ReadsAFileOfAnImageWithoutMountingIt) {
  if (geteuid() != 0) GTEST_SKIP() << "changing uid needs root";
  testing::TempDir tmp;
  fs::path img = make_image(tmp.path());
  FileState f = read_in(img, "sub/stack.img");
  EXPECT_TRUE(f.exists);
  EXPECT_EQ(f.size, 12u);
  EXPECT_EQ(f.head, "version two\n");
  Sha256 sha;
  sha.update(std::string_view("version two\n"));
  EXPECT_EQ(f.sha256, sha.hex_final());
  EXPECT_FALSE(read_in(img, "sub/missing").exists);
  FileState link = read_in(img, "sub/link");
  EXPECT_FALSE(link.exists) << "a link is not followed, on the host or in the image";
  EXPECT_NE(link.head.find("not a regular file (symlink)"), std::string::npos) << link.head;
  EXPECT_NE(read_in(img, "sub").head.find("not a regular file (directory)"), std::string::npos);
}

// A guest can leave a sparse file of a terabyte in 8 MiB: it is not
// written out to be read (debugfs's output is also capped at the image's
// size, by RLIMIT_FSIZE).
TEST(ImageReader, AFileLargerThanItsWholeImageIsNotReadOut) {
  if (geteuid() != 0) GTEST_SKIP() << "changing uid needs root";
  testing::TempDir tmp;
  fs::path src = tmp.path() / "src";
  fs::create_directories(src);
  std::ofstream(src / "huge").close();
  fs::resize_file(src / "huge", 1ull << 40);
  fs::path img = tmp.path() / "replay.img";
  std::ofstream(img).close();
  fs::resize_file(img, 8 << 20);
  ASSERT_TRUE(run_child({"mkfs.ext4", "-q", "-F", "-d", src.string(), img.string()}, ChildOptions{}).succeeded());
  FileState f = read_in(img, "huge");
  EXPECT_TRUE(f.exists);
  EXPECT_EQ(f.size, 1ull << 40);
  EXPECT_TRUE(f.sha256.empty());
  EXPECT_NE(f.head.find("claims 1099511627776 bytes in a 8388608-byte filesystem; not read"), std::string::npos)
      << f.head;
}

TEST(ImageReader, BytesThatAreNoFilesystemAreAnErrorNotAnEmptyFile) {
  if (geteuid() != 0) GTEST_SKIP() << "changing uid needs root";
  testing::TempDir tmp;
  fs::path img = tmp.path() / "zeros.img";
  std::ofstream(img) << std::string(1 << 20, '\0');
  EXPECT_THROW(read_in(img, "x"), RuntimeError);
}

}  // namespace
}  // namespace harness
