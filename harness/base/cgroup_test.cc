// Cgroup: finding our cgroup v2 directory (pure), and, as root on a
// machine with a writable cgroup2 mount, real cgroups with real processes
// that leave their group and session.
#include "base/cgroup.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include "base/child.h"
#include "base/procfs.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;
using testing::processes_with;
using testing::survivors;
using testing::testprog;
using testing::unique_token;

const char* kHybridMountinfo =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

TEST(Cgroup2Place, FindsTheUnifiedMountOfAHybridHost) {
  std::string why;
  auto p = cgroup2_place(kHybridMountinfo, "4:memory:/x\n0::/user.slice/session-2.scope\n", why);
  ASSERT_TRUE(p) << why;
  EXPECT_EQ(p->dir, "/sys/fs/cgroup/unified/user.slice/session-2.scope");
  EXPECT_EQ(p->proc_path, "/user.slice/session-2.scope");
  p = cgroup2_place(kHybridMountinfo, "0::/\n", why);
  ASSERT_TRUE(p) << why;
  EXPECT_EQ(p->dir, "/sys/fs/cgroup/unified");
  EXPECT_EQ(p->proc_path, "/");
}

TEST(Cgroup2Place, AMountOfPartOfTheHierarchyAndAnEscapedMountpoint) {
  // A container's view: the mount shows /ci/job-7 of the hierarchy, at a
  // mountpoint with a space in it (mountinfo writes \040).
  std::string mi = "50 1 0:40 /ci/job-7 /run/my\\040cg rw - cgroup2 cgroup2 rw\n";
  std::string why;
  auto p = cgroup2_place(mi, "0::/ci/job-7/harness\n", why);
  ASSERT_TRUE(p) << why;
  EXPECT_EQ(p->dir, "/run/my cg/harness");
  // Our cgroup outside what the mount shows: not usable.
  EXPECT_FALSE(cgroup2_place(mi, "0::/ci/job-70\n", why));
  EXPECT_NE(why.find("no cgroup2 filesystem"), std::string::npos) << why;
}

TEST(Cgroup2Place, SaysWhyThereIsNone) {
  std::string why;
  EXPECT_FALSE(cgroup2_place("35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n", "0::/\n", why));
  EXPECT_NE(why.find("no cgroup2 filesystem"), std::string::npos) << why;
  EXPECT_FALSE(cgroup2_place(kHybridMountinfo, "4:memory:/\n", why));
  EXPECT_NE(why.find("no cgroup v2"), std::string::npos) << why;
}

// A root test needs a cgroup2 mount we may write to.
class CgroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to make cgroups";
    std::string why;
    auto p = own_cgroup2(why);
    if (!p) GTEST_SKIP() << "no writable cgroup2 here: " << why;
    place = *p;
    name = "harness-unittest-" + std::to_string(getpid()) + "-" + std::to_string(++serial);
  }
  CgroupPlace place;
  std::string name;
  static inline int serial = 0;
};

// A shell in `cg` that starts `hang TOKEN` detached (setsid, its own
// session and group) and a double-forked daemon, then exits itself.
void start_escapees(const Cgroup& cg, const std::string& token) {
  ChildOptions o;
  o.cgroup = &cg;
  o.timeout = std::chrono::seconds(10);
  std::string hang = testprog("hang");
  ChildResult r = run_child(
      {"/bin/sh", "-c", "setsid " + hang + " " + token + "-setsid & (" + hang + " " + token + "-daemon &) ; sleep 0.05"},
      o);
  ASSERT_TRUE(r.succeeded()) << r.describe();
}

TEST_F(CgroupTest, HoldsWhatLeftItsGroupAndSessionAndKillsItAll) {
  std::string token = unique_token("cg");
  {
    Cgroup cg = Cgroup::create(place, name);
    EXPECT_TRUE(fs::is_directory(place.dir / name));
    EXPECT_EQ(cg.place().proc_path, (place.proc_path == "/" ? "" : place.proc_path) + "/" + name);
    struct stat st {};
    ASSERT_EQ(stat((place.dir / name).c_str(), &st), 0);
    EXPECT_EQ(cg.id(), st.st_ino);
    start_escapees(cg, token);
    // The shell is gone; both escapees live on, outside its group, in the cgroup.
    auto live = processes_with(token);
    ASSERT_EQ(live.size(), 2u);
    auto members = cg.members();
    for (pid_t p : live) {
      EXPECT_NE(std::find(members.begin(), members.end(), p), members.end()) << p;
      EXPECT_EQ(process_cgroup(p), cg.place().proc_path);
    }
    EXPECT_TRUE(cg.populated());
    EXPECT_TRUE(cg.kill_all());
    EXPECT_FALSE(cg.populated());
    EXPECT_TRUE(cg.members().empty());
  }
  EXPECT_FALSE(fs::exists(place.dir / name)) << "the destructor removes it";
  EXPECT_TRUE(survivors(token).empty());
}

TEST_F(CgroupTest, KillsEachMemberWhereTheKernelHasNoCgroupKill) {
  std::string token = unique_token("cgsig");
  Cgroup cg = Cgroup::create(place, name);
  start_escapees(cg, token);
  ASSERT_EQ(processes_with(token).size(), 2u);
  EXPECT_TRUE(cg.kill_all(std::chrono::seconds(2), CgroupKill::signal_each));
  EXPECT_TRUE(survivors(token).empty());
  // Thawed again: a new member runs.
  ChildOptions o;
  o.cgroup = &cg;
  EXPECT_TRUE(run_child({"/bin/true"}, o).succeeded());
}

TEST_F(CgroupTest, TheDestructorKillsAndRemovesSubCgroupsToo) {
  std::string token = unique_token("cgsub");
  {
    Cgroup run = Cgroup::create(place, name);
    Cgroup leaf = Cgroup::create(run.place(), "run-1");
    start_escapees(leaf, token);
    EXPECT_EQ(run.members().size(), 2u) << "members() counts the cgroups below";
    EXPECT_TRUE(run.populated());
    // The run's cgroup goes first, with the leaf still held.
    run.remove();
    EXPECT_FALSE(fs::exists(place.dir / name));
  }
  EXPECT_TRUE(survivors(token).empty());
}

TEST_F(CgroupTest, RemoveReapsTheMembersThatWereOurChildren) {
  // Ours (a Child's, or an orphan re-parented to us as a child subreaper):
  // killed, and reaped, never left a zombie.
  pid_t child = 0;
  {
    Cgroup cg = Cgroup::create(place, name);
    ChildOptions o;
    o.cgroup = &cg;
    Child c({testprog("hang")}, o);
    child = c.pid();
    cg.remove();  // what a Child would otherwise wait for is not waited for here
    EXPECT_FALSE(process_stat(child)) << "pid " << child << " is left a zombie";
    // The Child finds its process reaped: an error, never a status.
    EXPECT_THROW(c.wait(), RuntimeError);
  }
}

TEST_F(CgroupTest, WaitEmptyEndsWhenTheLastMemberExits) {
  Cgroup cg = Cgroup::create(place, name);
  ChildOptions o;
  o.cgroup = &cg;
  ASSERT_TRUE(run_child({"/bin/sh", "-c", testprog("sleep_ms") + " 200 &"}, o).succeeded());
  EXPECT_TRUE(cg.populated());
  EXPECT_FALSE(cg.wait_empty(MonoClock::now() + std::chrono::milliseconds(20)));
  EXPECT_TRUE(cg.wait_empty(MonoClock::now() + std::chrono::seconds(5)));
  bool stop = true;
  ASSERT_TRUE(run_child({"/bin/sh", "-c", testprog("hang") + " &"}, o).succeeded());
  EXPECT_FALSE(cg.wait_empty(MonoClock::now() + std::chrono::seconds(5), [&] { return stop; }));
}

TEST_F(CgroupTest, NeverCreatesOverAnExistingDirectory) {
  Cgroup cg = Cgroup::create(place, name);
  EXPECT_THROW(Cgroup::create(place, name), EnvironmentError);
}

TEST_F(CgroupTest, AdoptsOnlyAHarnessCgroupThatIsStillTheSameOne) {
  std::string token = unique_token("cgadopt");
  Cgroup cg = Cgroup::create(place, name);
  start_escapees(cg, token);
  EXPECT_FALSE(Cgroup::adopt(cg.place().dir, cg.id() + 1)) << "another id: another cgroup";
  EXPECT_FALSE(Cgroup::adopt("relative/" + name, cg.id()));
  EXPECT_FALSE(Cgroup::adopt("/tmp", 0)) << "not named harness-*";
  fs::path plain = fs::temp_directory_path() / name;
  fs::create_directory(plain);
  struct stat st {};
  ASSERT_EQ(stat(plain.c_str(), &st), 0);
  EXPECT_FALSE(Cgroup::adopt(plain, st.st_ino)) << "a directory that is no cgroup";
  fs::remove(plain);
  auto adopted = Cgroup::adopt(cg.place().dir, cg.id());
  ASSERT_TRUE(adopted);
  adopted->remove();
  EXPECT_TRUE(survivors(token).empty());
  EXPECT_FALSE(fs::exists(cg.place().dir));
}

}  // namespace
}  // namespace harness
