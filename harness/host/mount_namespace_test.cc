#include "host/mount_namespace.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "base/error.h"
#include "testing/test_support.h"

namespace harness {
namespace {

Scenario with_scratch(bool power_cut) {
  Scenario s;
  s.name = power_cut ? "cut" : "plain";
  ScratchSpec sc;
  sc.path = "data";
  sc.size_mib = 16;
  sc.power_cut = power_cut;
  s.scratch = {sc};
  return s;
}

TEST(MountNamespace, TheHostBackendAlwaysMountsHere) {
  EXPECT_TRUE(mounts_on_this_host(BackendKind::host, {}));
  EXPECT_TRUE(mounts_on_this_host(BackendKind::host, {with_scratch(false)}));
}

TEST(MountNamespace, TheVmBackendMountsHereOnlyForAPowerCut) {
  EXPECT_FALSE(mounts_on_this_host(BackendKind::vm, {}));
  EXPECT_FALSE(mounts_on_this_host(BackendKind::vm, {with_scratch(false), Scenario{}}));
  EXPECT_TRUE(mounts_on_this_host(BackendKind::vm, {with_scratch(false), with_scratch(true)}));
}

// In a child, so that this test process keeps its namespace: 0 entered,
// 1 refused with the advice to run as root, 2 refused otherwise (3: the
// chroot itself failed). With `chroot_to`, the child enters it first.
int enter_in_child(std::string& message, const char* chroot_to = nullptr) {
  int pipefd[2];
  if (pipe(pipefd) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    close(pipefd[0]);
    int code = 0;
    if (chroot_to && (chroot(chroot_to) != 0 || chdir("/") != 0)) _exit(3);
    try {
      enter_private_mount_namespace();
    } catch (const EnvironmentError& e) {
      code = std::string(e.what()).find("; run the harness as root") != std::string::npos ? 1 : 2;
      ssize_t unused = write(pipefd[1], e.what(), strlen(e.what()));
      (void)unused;
    }
    _exit(code);
  }
  close(pipefd[1]);
  char buf[512];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof buf)) > 0) message.append(buf, static_cast<size_t>(n));
  close(pipefd[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(MountNamespace, EnteringNeedsPrivilegeAndSaysSo) {
  std::string message;
  int code = enter_in_child(message);
  if (geteuid() != 0) {
    EXPECT_EQ(code, 1) << message;
    EXPECT_NE(message.find("cannot create a private mount namespace (unshare): "), std::string::npos) << message;
    EXPECT_NE(message.find("(EPERM)"), std::string::npos) << message;
  } else {
    // Root may still lack CAP_SYS_ADMIN (a container); then it says why.
    EXPECT_TRUE(code == 0 || code == 1) << code << ": " << message;
  }
}

// A chroot made by hand (debootstrap) has a root that is no mount point;
// the harness cannot make its mounts private there and says what to do.
TEST(MountNamespace, AChrootWhoseRootIsNoMountPointIsExplained) {
  if (geteuid() != 0) GTEST_SKIP() << "chroot needs root (CI runs this test as root)";
  testing::TempDir dir;
  std::string message;
  int code = enter_in_child(message, dir.path().c_str());
  EXPECT_EQ(code, 2) << message;
  EXPECT_NE(message.find("(EINVAL); the root directory is not a mount point (a chroot?)"), std::string::npos)
      << message;
  EXPECT_NE(message.find("mount --bind DIR DIR"), std::string::npos) << message;
}

}  // namespace
}  // namespace harness
