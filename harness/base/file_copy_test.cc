#include "base/file_copy.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <system_error>

#include "base/scoped_fd.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

class FileCopy : public ::testing::Test {
 protected:
  ScopedFd source(const std::string& bytes) {
    std::ofstream(tmp_.path() / "src", std::ios::binary) << bytes;
    return ScopedFd(::open((tmp_.path() / "src").c_str(), O_RDONLY | O_CLOEXEC));
  }
  ScopedFd target() {
    return ScopedFd(::open((tmp_.path() / "dst").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  }
  std::string copied() { return testing::slurp(tmp_.path() / "dst"); }
  testing::TempDir tmp_;
};

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7) % 26);
  return s;
}

TEST_F(FileCopy, CopiesEverythingAcrossChunks) {
  std::string bytes = pattern(3 * 128 * 1024 + 5);
  ScopedFd src = source(bytes), dst = target();
  EXPECT_EQ(copy_fd(src.get(), dst.get(), "src"), bytes.size());
  EXPECT_EQ(copied(), bytes);
}

TEST_F(FileCopy, CopiesFromTheCurrentOffset) {
  ScopedFd src = source("skip-this|keep this"), dst = target();
  ASSERT_EQ(lseek(src.get(), 10, SEEK_SET), 10);
  EXPECT_EQ(copy_fd(src.get(), dst.get(), "src"), 9u);
  EXPECT_EQ(copied(), "keep this");
}

TEST_F(FileCopy, AnEmptySourceCopiesNothing) {
  ScopedFd src = source(""), dst = target();
  EXPECT_EQ(copy_fd(src.get(), dst.get(), "src"), 0u);
  EXPECT_EQ(copied(), "");
}

TEST_F(FileCopy, ExactlyTheLimitIsAllowed) {
  std::string bytes = pattern(128 * 1024);
  ScopedFd src = source(bytes), dst = target();
  EXPECT_EQ(copy_fd(src.get(), dst.get(), "src", bytes.size()), bytes.size());
  EXPECT_EQ(copied(), bytes);
}

TEST_F(FileCopy, OneByteOverTheLimitIsEfbigAfterTheLimitIsWritten) {
  std::string bytes = pattern(1000);
  ScopedFd src = source(bytes), dst = target();
  try {
    copy_fd(src.get(), dst.get(), "images/app.img", 999);
    FAIL() << "copied past the limit";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EFBIG);
    EXPECT_NE(std::string(e.what()).find("read images/app.img: more than 999 bytes"), std::string::npos) << e.what();
  }
  EXPECT_EQ(copied(), "") << "the read that saw more is not written";
  // A limit of zero refuses any byte.
  ScopedFd src2 = source("x"), dst2 = target();
  EXPECT_THROW(copy_fd(src2.get(), dst2.get(), "src", 0), std::system_error);
  ScopedFd src3 = source(""), dst3 = target();
  EXPECT_EQ(copy_fd(src3.get(), dst3.get(), "src", 0), 0u);
}

TEST_F(FileCopy, AReadOrWriteErrorNamesWhatAndKeepsErrno) {
  ScopedFd dir(::open(tmp_.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)), dst = target();
  try {
    copy_fd(dir.get(), dst.get(), "the folder");
    FAIL() << "read a directory";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EISDIR);
    EXPECT_NE(std::string(e.what()).find("read the folder"), std::string::npos) << e.what();
  }
  ScopedFd src = source("data");
  ScopedFd readonly(::open((tmp_.path() / "src").c_str(), O_RDONLY | O_CLOEXEC));
  try {
    copy_fd(src.get(), readonly.get(), "src");
    FAIL() << "wrote to a read-only descriptor";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EBADF);
    EXPECT_NE(std::string(e.what()).find("write src"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace harness
