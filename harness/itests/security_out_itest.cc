// Issue 26, item 2 and item 8, through the real CLI as root: where the
// harness writes. Another local user (`nobody`) plants a link in a sticky
// shared folder, or owns a folder named as --out; the harness must refuse
// before it makes or writes anything there, and what it makes must not be
// writable by others whatever the umask. Victims are folders this test
// makes; nothing real is at risk.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "itests/security_support.h"

namespace harness::itest {
namespace {

using nlohmann::json;

// fs.protected_symlinks=0 for the life of the test (the kernel's own
// defence would stop root following nobody's link in a sticky folder,
// and many machines run without it), then as it was.
class ProtectedSymlinksOff {
 public:
  ProtectedSymlinksOff() : before_(slurp(kPath)) { write("0"); }
  ~ProtectedSymlinksOff() { write(before_); }
  ProtectedSymlinksOff(const ProtectedSymlinksOff&) = delete;
  ProtectedSymlinksOff& operator=(const ProtectedSymlinksOff&) = delete;

 private:
  static constexpr const char* kPath = "/proc/sys/fs/protected_symlinks";
  static void write(const std::string& v) { std::ofstream(kPath) << v; }
  std::string before_;
};

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

// The attack of issue 26: nobody's link in a sticky folder points at a
// root-owned folder, so every folder above --out "is" root's; mid-run they
// point it at a victim's folder. The code before removed victim/run/work
// and wrote the report files into victim/run. Here a setup action of the
// scenario repoints the link as nobody, at a moment the run cannot miss.
TEST(SecurityOut, AnotherUsersLinkAboveOutIsRefusedBeforeAnythingIsMade) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  ProtectedSymlinksOff unprotected;
  TempDir tmp;
  fs::permissions(tmp.path(), fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);  // nobody reaches the shared folder
  fs::path shared = shared_folder(tmp);
  fs::path decoy = tmp.path() / "rootowned", victim = tmp.path() / "victim";
  fs::create_directories(decoy);
  fs::create_directories(victim / "run" / "work");
  Victim precious(victim / "run" / "work" / "precious");
  fs::path link = shared / "link";
  fs::create_directory_symlink(decoy, link);
  ASSERT_EQ(lchown(link.c_str(), kNobody, kNobody), 0);
  json s = quick_scenario("repoint");
  s["setup"] = json::array({{{"action", "run"},
                             {"argv", {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "ln", "-sfn",
                                       victim.string(), link.string()}}}});
  fs::path sc = write_scenario_file(tmp.path(), s);
  auto res = run_harness({"run", "--backend", "host", sc.string(), "--out", (link / "run").string()}, tmp.path());
  EXPECT_EQ(res.exit_code, 3) << res.out << res.err;
  EXPECT_NE(res.err.find(link.string() + ": a symbolic link (owned by uid 65534)"), std::string::npos) << res.err;
  precious.expect_untouched();
  for (const char* f : {"report.json", "report.md", "report.html", "junit.xml"})
    EXPECT_FALSE(fs::exists(victim / "run" / f)) << f << " was written into the victim's folder";
  EXPECT_TRUE(fs::is_empty(decoy)) << "nothing is made through the link";
}

// With umask 000 the code before made --out's missing parents 0777
// without the sticky bit: anyone could then rename the run folder away.
TEST(SecurityOut, FoldersMadeForOutAreNotWritableByOthersWhateverTheUmask) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path shared = shared_folder(tmp);
  fs::path sc = write_scenario_file(tmp.path(), quick_scenario("umask"));
  mode_t old = umask(0);
  auto res = run_harness({"run", "--backend", "host", sc.string(), "--out", (shared / "x" / "a" / "run").string()},
                         tmp.path());
  umask(old);
  EXPECT_EQ(res.exit_code, 0) << res.out << res.err;
  for (const fs::path& p : {shared / "x", shared / "x" / "a", shared / "x" / "a" / "run"})
    EXPECT_EQ(mode_of(p), 0755u) << p;
  // The report files too: 0644, not 0666.
  EXPECT_EQ(mode_of(shared / "x" / "a" / "run" / "report.md"), 0644u);
}

// item 8: ablate writes its variants into DIR/variants and reads them back
// to run them. Into a folder another user owns, nothing is written: the
// code before wrote every variant there (and read them back, a window for
// a swap) before the run folders were refused.
TEST(SecurityOut, DerivedScenariosAreNotWrittenWhereAnotherUserCouldSwapThem) {
  HARNESS_REQUIRE_ROOT_AND_LOOP();
  TempDir tmp;
  fs::path theirs = shared_folder(tmp) / "theirs";
  fs::create_directories(theirs);
  chmod(theirs.c_str(), 0777);
  chown_tree(theirs, kNobody);
  fs::path sc = write_scenario_file(tmp.path(), quick_scenario("ablated"));
  auto res = run_harness({"ablate", sc.string(), "--backend", "host", "--repeat", "1", "--out", theirs.string()},
                         tmp.path());
  EXPECT_EQ(res.exit_code, 3) << res.out << res.err;
  EXPECT_NE(res.err.find(theirs.string() + ": owned by uid 65534"), std::string::npos) << res.err;
  EXPECT_TRUE(fs::is_empty(theirs)) << "a variant was written where nobody could swap it";
}

}  // namespace
}  // namespace harness::itest
