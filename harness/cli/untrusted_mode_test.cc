#include "cli/untrusted_mode.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/error.h"
#include "cli/run_options.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

ErrorKind kind_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "nothing was refused";
  return ErrorKind::runtime;
}

TEST(UntrustedMode, TheHostBackendIsRefusedAndNoVmHereIsTheMachinesProblem) {
  RunOptionsArgs ra = parse_run_options({"a.json", "--untrusted", "--backend", "host"});
  EXPECT_EQ(kind_of([&] { settle_run_options(ra); }), ErrorKind::usage);
  EXPECT_NO_THROW(check_untrusted_backend("vm", "vm", ""));
  EXPECT_EQ(kind_of([] { check_untrusted_backend("", "host", "qemu-system-x86_64 not found"); }),
            ErrorKind::environment);
  RunOptionsArgs vm = parse_run_options({"a.json", "--untrusted", "--backend", "vm", "--allow-host-path", "/opt"});
  settle_run_options(vm);
  ASSERT_TRUE(vm.vm.untrusted);
  EXPECT_EQ(vm.vm.untrusted->allowed(), std::vector<fs::path>{"/opt"});
  RunOptionsArgs plain = parse_run_options({"a.json", "--backend", "vm"});
  settle_run_options(plain);
  EXPECT_FALSE(plain.vm.untrusted);
}

TEST(UntrustedMode, AnAllowedFolderMustExistAndMeansNothingWithoutTheMode) {
  EXPECT_EQ(kind_of([] { untrusted_policy({false, {"/opt"}}); }), ErrorKind::usage);
  EXPECT_EQ(kind_of([] { untrusted_policy({true, {"/no/such/folder"}}); }), ErrorKind::usage);
  EXPECT_FALSE(untrusted_policy({}));
  EXPECT_TRUE(untrusted_policy({true, {}}));
}

Scenario in_folder(const fs::path& dir) {
  Scenario s;
  s.file = dir / "s.json";
  std::ofstream(s.file) << "{}";
  s.name = "s";
  return s;
}

TEST(UntrustedMode, APowerCutFolderIsRefused) {
  testing::TempDir tmp;
  Scenario s = in_folder(tmp.path());
  HostPathPolicy policy = *untrusted_policy({true, {}});
  EXPECT_NO_THROW(check_untrusted_scenario(s, policy));
  s.scratch.push_back(ScratchSpec{"data", 16, "ext4", true});
  try {
    check_untrusted_scenario(s, policy);
    ADD_FAILURE() << "a power-cut folder under --untrusted";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.json_path(), "$.scratch[0].power_cut");
    EXPECT_NE(std::string(e.what()).find("parsing the guest's bytes on this host"), std::string::npos) << e.what();
  }
}

TEST(UntrustedMode, HostFilesTheScenarioNamesAreJudgedWhereTheyLead) {
  testing::TempDir tmp;
  Scenario s = in_folder(tmp.path());
  HostPathPolicy policy = *untrusted_policy({true, {}});
  std::ofstream(tmp.path() / "mine.txt") << "mine";
  s.images.push_back(ImageSpec{"i", "images/i.img", "ext4", 4, {ImageFile{tmp.path() / "mine.txt", "m", {}}}});
  s.workload.argv = {"/bin/sh", "-c", "true"};
  EXPECT_NO_THROW(check_untrusted_scenario(s, policy));
  s.images[0].files.push_back(ImageFile{"/etc/passwd", "p", {}});
  try {
    check_untrusted_scenario(s, policy);
    ADD_FAILURE() << "/etc/passwd as an image's file";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.json_path(), "$.images[0].files[1].from");
  }
  s.images[0].files.pop_back();
  s.programs = {"/etc/passwd"};
  try {
    check_untrusted_scenario(s, policy);
    ADD_FAILURE() << "/etc/passwd as a declared program";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.json_path(), "$.programs[0]");
  }
  // A script of the scenario's own whose #! names a file outside.
  s.programs.clear();
  std::ofstream(tmp.path() / "x.sh") << "#!/etc/passwd\n";
  fs::permissions(tmp.path() / "x.sh", fs::perms::owner_all);
  s.workload.argv = {(tmp.path() / "x.sh").string()};
  try {
    check_untrusted_scenario(s, policy);
    ADD_FAILURE() << "a #! line naming /etc/passwd";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.json_path(), "$.workload.argv[0]");
  } catch (const Error& e) {
    ADD_FAILURE() << "not located: " << e.what();
  }
}

// A folder another user may write in could have a checked file swapped for
// a link before it is read: the scenario is refused there.
TEST(UntrustedMode, AScenarioInAFolderOthersMayWriteInIsRefused) {
  testing::TempDir tmp;
  fs::path shared = tmp.path() / "shared";
  fs::create_directories(shared);
  Scenario s = in_folder(shared);
  HostPathPolicy policy = *untrusted_policy({true, {}});
  EXPECT_NO_THROW(check_untrusted_scenario(s, policy));
  fs::permissions(shared, fs::perms::all);  // 0777, not sticky
  EXPECT_EQ(kind_of([&] { check_untrusted_scenario(s, policy); }), ErrorKind::environment);
  // Sticky (as /tmp): nobody can rename what is there, but anyone can add.
  fs::permissions(shared, fs::perms::all | fs::perms::sticky_bit);
  EXPECT_EQ(kind_of([&] { check_untrusted_scenario(s, policy); }), ErrorKind::environment);
}

// The review's attack: a link in a folder the scenario brings into the
// guest, leading nowhere yet; another user later makes its target a link
// to /etc/shadow. Refused while it leads nowhere.
TEST(UntrustedMode, AFolderHoldingALinkThatLeadsNowhereIsRefused) {
  testing::TempDir tmp;
  Scenario s = in_folder(tmp.path());
  HostPathPolicy policy = *untrusted_policy({true, {}});
  fs::create_directories(tmp.path() / "store");
  std::ofstream(tmp.path() / "store" / "v1.img") << "v1";
  s.workload.argv = {"/bin/sh", "-c", "true", (tmp.path() / "store").string()};
  EXPECT_NO_THROW(check_untrusted_scenario(s, policy));
  fs::create_symlink(tmp.path() / "later" / "target", tmp.path() / "store" / "current");
  try {
    check_untrusted_scenario(s, policy);
    ADD_FAILURE() << "a link that leads nowhere";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.json_path(), "$.workload.argv[3]");
    EXPECT_NE(e.message().find("leads nowhere"), std::string::npos) << e.message();
  }
}

}  // namespace
}  // namespace harness
