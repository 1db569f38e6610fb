#include "cli/untrusted_mode.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <future>

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
    // Judged before it is followed: its target is missing.
    EXPECT_NE(e.message().find("current does not exist beneath the scenario's folder"), std::string::npos)
        << e.message();
  }
}

// The message a refused scenario gets, or "" when it was not refused.
std::string refusal_of(const Scenario& s, const HostPathPolicy& policy) {
  try {
    check_untrusted_scenario(s, policy);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// The second review's first finding: a #! chain two deep made root open
// the file the inner script names before anything judged it: a FIFO hung
// validation for ever, a device was opened. It is judged by its name
// first, and never opened.
TEST(UntrustedMode, ANestedInterpreterIsJudgedBeforeItIsOpened) {
  testing::TempDir tmp, outside;
  const fs::path dir = tmp.path() / "contrib";
  fs::create_directories(dir);
  const fs::path fifo = outside.path() / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  std::ofstream(dir / "top") << "#!" << (dir / "inner").string() << "\n";
  std::ofstream(dir / "inner") << "#!" << fifo.string() << "\n";
  fs::permissions(dir / "top", fs::perms::owner_all);
  fs::permissions(dir / "inner", fs::perms::owner_all);
  Scenario s = in_folder(dir);
  s.workload.argv = {(dir / "top").string()};
  HostPathPolicy policy = *untrusted_policy({true, {}});
  auto judged = std::async(std::launch::async, [&] { return refusal_of(s, policy); });
  if (judged.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    ADD_FAILURE() << "validation hangs on " << fifo;
    std::ofstream(fifo) << "x";  // unblock the reader so that the test can end
  }
  const std::string why = judged.get();
  EXPECT_NE(why.find(fifo.string() + " is not the scenario's to name"), std::string::npos) << why;
}

// The second review's second finding: answers that said whether a host
// path exists. Each pair differs only by whether its target exists; each
// answer must read the same.
TEST(UntrustedMode, NoAnswerSaysWhetherAHostPathOutsideExists) {
  testing::TempDir tmp, outside;
  const fs::path dir = tmp.path() / "contrib";
  fs::create_directories(dir);
  std::ofstream(outside.path() / "present") << "secret";
  fs::permissions(outside.path() / "present", fs::perms::owner_all);
  fs::create_symlink(outside.path(), dir / "ld");
  HostPathPolicy policy = *untrusted_policy({true, {}});
  auto answer = [&](const std::string& target, const std::function<void(Scenario&, const std::string&)>& use) {
    Scenario s = in_folder(dir);
    s.workload.argv = {"/bin/true"};
    use(s, target);
    std::string why = refusal_of(s, policy);
    EXPECT_FALSE(why.empty()) << "accepted: " << target;
    const size_t at = why.find(target);
    if (at != std::string::npos) why.replace(at, target.size(), "TARGET");
    return why;
  };
  const std::string present = (outside.path() / "present").string(), absent = (outside.path() / "absent").string();
  const std::string via_present = (dir / "ld" / "present").string(), via_absent = (dir / "ld" / "absent").string();
  // A script an interpreter is given.
  auto script = [](Scenario& s, const std::string& t) { s.workload.argv = {"/bin/sh", t}; };
  EXPECT_EQ(answer(present, script), answer(absent, script));
  // A first-level #! line of the scenario's own script.
  auto shebang = [&](Scenario& s, const std::string& t) {
    const fs::path x = dir / ("x-" + std::to_string(std::hash<std::string>{}(t)));
    std::ofstream(x) << "#!" << t << "\n";
    fs::permissions(x, fs::perms::owner_all);
    s.workload.argv = {x.string()};
  };
  EXPECT_EQ(answer(present, shebang), answer(absent, shebang));
  // A path through a link in the scenario's folder that leads out of it.
  auto named = [](Scenario& s, const std::string& t) { s.workload.argv = {"/bin/sh", "-c", "true", t}; };
  EXPECT_EQ(answer(via_present, named), answer(via_absent, named));
  auto image = [](Scenario& s, const std::string& t) {
    s.images = {ImageSpec{"i", "images/i.img", "ext4", 4, {ImageFile{t, "x", {}}}}};
  };
  EXPECT_EQ(answer(via_present, image), answer(via_absent, image));
}

// The fourth review: a program named without a folder was stat'ed where
// an allowed folder's link led (outside) before it was judged; and an
// allowed folder another user could repoint is refused.
TEST(UntrustedMode, ABareProgramNameIsJudgedBeforeItIsLookedAt) {
  testing::TempDir tmp, outside;
  const fs::path dir = tmp.path() / "contrib", tools = tmp.path() / "tools";
  fs::create_directories(dir);
  fs::create_directories(tools);
  fs::create_symlink(outside.path() / "zzqtool", tools / "zzqtool");
  HostPathPolicy policy = *untrusted_policy({true, {tools}});
  Scenario s = in_folder(dir);
  s.workload.argv = {"zzqtool"};
  const std::string absent = refusal_of(s, policy);
  std::ofstream(outside.path() / "zzqtool") << "#!/bin/sh\n";
  fs::permissions(outside.path() / "zzqtool", fs::perms::owner_all | fs::perms::others_exec);
  const std::string present = refusal_of(s, policy);
  EXPECT_FALSE(absent.empty());
  EXPECT_EQ(absent, present);
  // --allow-host-path through a link in a folder others may write to.
  testing::TempDir shared;
  fs::permissions(shared.path(), fs::perms::all | fs::perms::sticky_bit);
  fs::create_symlink(tools, shared.path() / "theirs");
  ASSERT_EQ(::lchown((shared.path() / "theirs").c_str(), 65534, 65534), 0);
  EXPECT_EQ(kind_of([&] { untrusted_policy({true, {shared.path() / "theirs"}}); }), ErrorKind::environment);
}

// The fifth review: a link in a folder the scenario brings in was followed
// (canonical) before it was judged: root stat'ed outside paths and the
// answer said whether they existed.
TEST(UntrustedMode, ALinkInABroughtFolderIsJudgedBeforeItIsFollowed) {
  testing::TempDir tmp, outside;
  const fs::path dir = tmp.path() / "contrib";
  fs::create_directories(dir / "a");
  fs::create_directories(dir / "b");
  std::ofstream(outside.path() / "present") << "x";
  fs::create_symlink(outside.path() / "present", dir / "a" / "l");
  fs::create_symlink(outside.path() / "absent", dir / "b" / "l");
  HostPathPolicy policy = *untrusted_policy({true, {}});
  auto answer = [&](const char* sub) {
    Scenario s = in_folder(dir);
    s.workload.argv = {"/bin/sh", "-c", "true", (dir / sub).string()};
    std::string why = refusal_of(s, policy);
    const std::string link = (dir / sub / "l").string();
    if (auto at = why.find(link); at != std::string::npos) why.replace(at, link.size(), "LINK");
    if (auto at = why.find((dir / sub).string()); at != std::string::npos) why.replace(at, (dir / sub).string().size(), "DIR");
    return why;
  };
  const std::string present = answer("a"), absent = answer("b");
  EXPECT_FALSE(present.empty());
  EXPECT_EQ(present, absent);
}

// One scenario's costly paths never refuse another's: the budget is per
// scenario.
TEST(UntrustedMode, TheBudgetOfJudgingPathsIsPerScenario) {
  testing::TempDir tmp;
  const fs::path dir = tmp.path() / "contrib";
  fs::create_directories(dir);
  HostPathPolicy policy = *untrusted_policy({true, {}});
  for (int i = 0; i < 600000; ++i) (void)policy.refusal("/etc/x", HostUse::data, dir);
  auto spent = policy.refusal("/bin/sh", HostUse::program, dir);
  ASSERT_TRUE(spent);
  EXPECT_NE(spent->find("took more than"), std::string::npos) << *spent;
  Scenario s = in_folder(dir);
  s.workload.argv = {"/bin/true"};
  EXPECT_EQ(refusal_of(s, policy), "") << "a fresh scenario, a fresh budget";
}

}  // namespace
}  // namespace harness
