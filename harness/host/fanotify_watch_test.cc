#include "host/fanotify_watch.h"

#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <optional>

#include "base/error.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

// A group, or the reason there is none (fanotify needs root).
std::optional<FanotifyWatch> group(std::string& why) {
  try {
    return FanotifyWatch();
  } catch (const EnvironmentError& e) {
    why = e.what();
    return std::nullopt;
  }
}

TEST(FanotifyWatch, WithoutPrivilegeTheErrorSaysWhatItNeeds) {
  std::string why;
  if (geteuid() != 0) {
    EXPECT_FALSE(group(why).has_value());
  } else {
    // As root: a child that drops to nobody meets the error path.
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
      ::close(fds[0]);
      std::string msg = "setuid failed";
      if (setgroups(0, nullptr) == 0 && setgid(65534) == 0 && setuid(65534) == 0) {
        msg = "fanotify worked without privilege";
        group(msg);
      }
      ssize_t n = ::write(fds[1], msg.data(), msg.size());
      _exit(n < 0 ? 1 : 0);
    }
    ::close(fds[1]);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) why.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    int st = 0;
    waitpid(pid, &st, 0);
  }
  EXPECT_NE(why.find("fanotify_init failed: "), std::string::npos) << why;
  EXPECT_NE(why.find("write evidence needs root"), std::string::npos) << why;
}

// A child that opens `path` for writing, writes `bytes` and exits.
pid_t writer(const fs::path& path, const std::string& bytes) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) _exit(1);
    if (::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) _exit(2);
    ::close(fd);
    _exit(0);
  }
  return pid;
}

int exit_code(pid_t pid) {
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(FanotifyWatch, AWriterOfAWatchedInodeIsNamedByTheKernel) {
  std::string why;
  auto g = group(why);
  if (!g) GTEST_SKIP() << "needs root: " << why;
  testing::TempDir tmp;
  fs::path file = tmp.path() / "app.img";
  std::ofstream(file) << "0123456789";
  ScopedFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd.is_open());
  struct stat st {};
  ASSERT_EQ(fstat(fd.get(), &st), 0);
  g->watch(fd.get(), "app.img");

  pid_t child = writer(file, "abc");
  bool opened = false, modified = false, closed = false;
  // Read until the child's close-after-write arrives; a held open is
  // answered as it is read, so the child cannot finish before that. The
  // bound only keeps a broken watch from hanging the test.
  for (int rounds = 0; !closed && rounds < 1000; ++rounds) {
    pollfd p{g->fd(), POLLIN, 0};
    if (poll(&p, 1, 10000) <= 0) break;
    g->read_events([&](const FileEvent& e) {
      if (e.pid != child) return;
      EXPECT_EQ(e.inode, st.st_ino);
      EXPECT_EQ(e.dev, st.st_dev);
      opened |= e.open;
      modified |= e.modify;
      closed |= e.close_write;
    });
  }
  if (!closed) kill(child, SIGKILL);  // a broken watch may hold it in open(2)
  EXPECT_EQ(exit_code(child), 0);
  EXPECT_TRUE(modified);
  EXPECT_TRUE(closed);
  EXPECT_EQ(opened, g->holds_opens()) << "opens are held exactly when the kernel has permission events";

  // Unwatched: the same write leaves nothing queued (events are queued as
  // the write happens, so once the writer has exited they would be there).
  g->unwatch(fd.get());
  EXPECT_EQ(exit_code(writer(file, "def")), 0);
  int events = 0;
  g->read_events([&](const FileEvent& e) { events += e.inode == st.st_ino; });
  EXPECT_EQ(events, 0);
  g->close();
  EXPECT_LT(g->fd(), 0);
}

TEST(FanotifyWatch, AClosedGroupReadsNothing) {
  std::string why;
  auto g = group(why);
  if (!g) GTEST_SKIP() << "needs root: " << why;
  g->close();
  int calls = 0;
  g->read_events([&](const FileEvent&) { ++calls; });
  EXPECT_EQ(calls, 0);
  g->unwatch(0);  // harmless on a closed group
}

TEST(FanotifyWatch, ExecWatchesSkipPathsThatAreNotThere) {
  std::string why;
  auto g = group(why);
  if (!g) GTEST_SKIP() << "needs root: " << why;
  // PATH may name folders that do not exist: nothing to mark, no failure.
  EXPECT_EQ(g->watch_execs({"", "/no/such/path"}), "");
}

}  // namespace
}  // namespace harness
