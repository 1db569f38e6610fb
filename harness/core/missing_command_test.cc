#include "core/missing_command.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <map>

namespace harness {
namespace {

// A machine with these programs (name or path -> where), and these #! lines.
CommandProbe fake(std::map<std::string, std::string> programs, std::map<std::string, std::string> shebangs = {},
                  std::map<std::string, int> broken = {}) {
  CommandProbe p;
  p.program = [programs, broken](const std::string& name) {
    ProgramLookup l;
    if (auto b = broken.find(name); b != broken.end()) {
      l.err = b->second;
      l.why = name + " is broken";
    } else if (auto it = programs.find(name); it != programs.end()) {
      l.path = it->second;
    } else {
      l.err = ENOENT;
      l.why = name + " was not found";
    }
    return l;
  };
  p.interpreter = [shebangs](const std::string& file) -> std::optional<std::string> {
    auto it = shebangs.find(file);
    if (it == shebangs.end()) return std::nullopt;
    return it->second;
  };
  return p;
}

std::vector<std::string> names(const std::vector<MissingPiece>& v) {
  std::vector<std::string> out;
  for (const auto& m : v) out.push_back(m.name);
  return out;
}

TEST(MissingCommand, ShellsAndEnvNameTheProgramTheyCouldNotFind) {
  EXPECT_EQ(missing_candidates("/x/deploy.sh: 5: rsync: not found\n"), std::vector<std::string>{"rsync"});
  EXPECT_EQ(missing_candidates("deploy.sh: line 7: sha256sum: command not found\n"),
            std::vector<std::string>{"sha256sum"});
  EXPECT_EQ(missing_candidates("/usr/bin/env: 'python3': No such file or directory\n"),
            std::vector<std::string>{"python3"});
  EXPECT_EQ(missing_candidates("sh: 0: cannot open /s/x.sh: No such file\n"), std::vector<std::string>{"/s/x.sh"});
  EXPECT_EQ(missing_candidates("bash: ./x.sh: /usr/bin/tool: bad interpreter: No such file or directory\n"),
            std::vector<std::string>{"/usr/bin/tool"});
  EXPECT_EQ(missing_candidates("bash: /opt/t/run: No such file or directory\n"), std::vector<std::string>{"/opt/t/run"});
}

TEST(MissingCommand, ADataFileTheCommandCouldNotOpenIsNoCandidate) {
  // cp's own complaint about its argument names no program.
  EXPECT_TRUE(missing_candidates("cp: cannot stat 'store/app.img': No such file or directory\n").empty());
  EXPECT_TRUE(missing_candidates("cat: app.img: No such file or directory\n").empty());
  EXPECT_TRUE(missing_candidates("everything went fine\n").empty());
}

TEST(MissingCommand, OnlyWhatTheMachineConfirmsMissingIsReported) {
  // The script says rsync and sha256sum were not found; this machine has
  // sha256sum, so only rsync is reported.
  auto probe = fake({{"/bin/sh", "/bin/sh"}, {"sha256sum", "/usr/bin/sha256sum"}});
  auto m = find_missing(127, {"/bin/sh", "/s/deploy.sh"}, "deploy.sh: 4: rsync: not found\ndeploy.sh: 5: sha256sum: not found\n",
                        probe);
  EXPECT_EQ(names(m), std::vector<std::string>{"rsync"});
}

TEST(MissingCommand, NothingIsReportedForOtherExitCodes) {
  auto probe = fake({{"/bin/sh", "/bin/sh"}});
  EXPECT_TRUE(find_missing(1, {"/bin/sh", "x"}, "x: 1: rsync: not found\n", probe).empty());
  EXPECT_TRUE(find_missing(0, {"/nope"}, "", probe).empty());
}

TEST(MissingCommand, TheProgramAndItsInterpreterAreCheckedWithoutAnyStderr) {
  auto probe = fake({{"/s/run.py", "/s/run.py"}}, {{"/s/run.py", "python3"}});
  auto m = find_missing(127, {"/s/run.py"}, "", probe);
  EXPECT_EQ(names(m), std::vector<std::string>{"python3"});
  EXPECT_EQ(m.at(0).err, ENOENT);
  EXPECT_EQ(names(find_missing(127, {"/gone"}, "", probe)), std::vector<std::string>{"/gone"});
}

TEST(MissingCommand, NotExecutableCountsOnlyForExit126) {
  auto probe = fake({{"/bin/sh", "/bin/sh"}}, {}, {{"/s/tool", EACCES}});
  EXPECT_TRUE(find_missing(127, {"/bin/sh", "-c", "/s/tool"}, "sh: 1: /s/tool: Permission denied\n", probe).empty());
  auto m = find_missing(126, {"/bin/sh", "-c", "/s/tool"}, "sh: 1: /s/tool: Permission denied\n", probe);
  ASSERT_EQ(names(m), std::vector<std::string>{"/s/tool"});
  EXPECT_EQ(m[0].err, EACCES);
}

TEST(MissingCommand, TheMessageNamesTheProgramAndTheFieldThatBringsItIn) {
  std::string one = missing_message({{"rsync", ENOENT}}, MissingWhere::guest);
  EXPECT_EQ(one, "rsync is not in the guest: add it to the scenario's \"programs\" (harness matrix: --program rsync)");
  std::string two = missing_message({{"rsync", ENOENT}, {"sha256sum", ENOENT}}, MissingWhere::guest);
  EXPECT_NE(two.find("rsync, sha256sum are not in the guest: add them"), std::string::npos) << two;
  EXPECT_NE(two.find("--program rsync --program sha256sum"), std::string::npos) << two;
  std::string host = missing_message({{"rsync", ENOENT}}, MissingWhere::host);
  EXPECT_EQ(host.rfind("rsync was not found on this machine", 0), 0u) << host;
  EXPECT_EQ(host.find("programs"), std::string::npos) << host;
  EXPECT_EQ(missing_message({}, MissingWhere::guest), "");
  EXPECT_NE(missing_message({{"/s/tool", EACCES}}, MissingWhere::guest).find("/s/tool cannot be executed in the guest (EACCES)"),
            std::string::npos);
}

}  // namespace
}  // namespace harness
