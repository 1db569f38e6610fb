#include "host/file_state.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "base/digest.h"
#include "base/error.h"
#include "base/scoped_fd.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

class FileStateTest : public ::testing::Test {
 protected:
  // The state read from a file holding `bytes`.
  FileState state_of(const std::string& bytes) {
    fs::path p = tmp_.path() / "f";
    std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
    ScopedFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
    EXPECT_TRUE(fd.is_open());
    FileState f;
    f.path = "data/f";
    read_file_state(fd.get(), f);
    return f;
  }
  testing::TempDir tmp_;
};

TEST_F(FileStateTest, DigestsSizeAndHeadOfASmallFile) {
  FileState f = state_of("abc");
  EXPECT_TRUE(f.exists);
  EXPECT_EQ(f.size, 3u);
  EXPECT_EQ(f.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(f.md5, "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(f.head, "abc");
  EXPECT_EQ(f.path, "data/f") << "the path is the caller's";
}

TEST_F(FileStateTest, AnEmptyFileExistsWithTheEmptyDigests) {
  FileState f = state_of("");
  EXPECT_TRUE(f.exists);
  EXPECT_EQ(f.size, 0u);
  EXPECT_EQ(f.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(f.md5, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(f.head, "");
}

TEST_F(FileStateTest, ALargeFileKeepsOnlyItsFirst256BytesAsHead) {
  // Bigger than one read (1 MiB), so the digests cover several chunks.
  std::string bytes;
  for (size_t i = 0; bytes.size() < (3u << 20) + 17; ++i) bytes += std::to_string(i) + "\n";
  FileState f = state_of(bytes);
  EXPECT_EQ(f.size, bytes.size());
  EXPECT_EQ(f.head, bytes.substr(0, 256));
  Sha256 sha;
  sha.update(bytes);
  Md5 md5;
  md5.update(bytes);
  EXPECT_EQ(f.sha256, sha.hex_final());
  EXPECT_EQ(f.md5, md5.hex_final());
}

TEST_F(FileStateTest, AReadErrorThrowsNamingThePath) {
  // A directory opens but cannot be read.
  ScopedFd fd(::open(tmp_.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(fd.is_open());
  FileState f;
  f.path = "data/dir";
  try {
    read_file_state(fd.get(), f);
    FAIL() << "read a directory";
  } catch (const SystemError& e) {
    EXPECT_EQ(e.err(), EISDIR);
    EXPECT_NE(std::string(e.what()).find("data/dir: read"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(f.exists);
}

}  // namespace
}  // namespace harness
