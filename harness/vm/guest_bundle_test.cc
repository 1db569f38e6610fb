#include "vm/guest_bundle.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "base/error.h"
#include "core/scenario.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

Plan heroku_plan(const fs::path& work) {
  Scenario s = load_scenario(std::string(HARNESS_SOURCE_DIR) + "/scenarios/heroku-2017-truncation.json");
  return make_plan(s, default_plan_paths(s, work));
}

bool has(const std::vector<fs::path>& v, const std::string& suffix) {
  for (const auto& p : v)
    if (p.string().size() >= suffix.size() && p.string().compare(p.string().size() - suffix.size(), suffix.size(), suffix) == 0)
      return true;
  return false;
}

TEST(GuestBundle, HostFilesOfTheHerokuScenario) {
  Plan plan = heroku_plan("/tmp/some-run/work");
  auto files = scenario_host_files(plan);
  EXPECT_TRUE(has(files, "/bin/sleep")) << ::testing::PrintToString(files);  // the image's content
  EXPECT_TRUE(has(files, "mkfs.ext4")) << ::testing::PrintToString(files);   // the agent builds the image
  // {work}/mnt/demo/sleep is made inside the guest, never taken from the host.
  for (const auto& f : files) EXPECT_EQ(f.string().find("/tmp/some-run"), std::string::npos) << f;
}

// Programs come along (argv[0] of the workload and of run actions, through
// PATH when needed) and the files images are built from; an absolute path
// elsewhere in an argument is only a string to the guest, never a file to
// copy off the host.
TEST(GuestBundle, OnlyProgramsAndImageFilesComeAlong) {
  Scenario s = parse_scenario(R"({
    "name": "t", "description": "d", "timeout_s": 10,
    "images": [{"name": "i", "size_mib": 4, "files": [{"from": "/etc/hostname", "to": "h"}]}],
    "workload": {"argv": [")" TESTPROGS_DIR R"(/sleep_ms", "/etc/shadow"], "iterations": 1},
    "faults": [{"name": "f", "schedule": {"kind": "while_workload"},
                "actions": [{"action": "run", "argv": ["true"]},
                            {"action": "run", "argv": ["cat", "/etc/passwd", "{work}/x"]}]}],
    "expect": [{"classes": ["abnormal"], "at_most": 0}]
  })", "/tmp/t.json");
  Plan plan = make_plan(s, default_plan_paths(s, "/tmp/r/work"));
  auto files = scenario_host_files(plan);
  EXPECT_TRUE(has(files, "/sleep_ms"));
  EXPECT_TRUE(has(files, "/true"));  // resolved through PATH
  EXPECT_TRUE(has(files, "/cat"));
  EXPECT_TRUE(has(files, "/etc/hostname"));
  EXPECT_FALSE(has(files, "/etc/passwd")) << ::testing::PrintToString(files);
  EXPECT_FALSE(has(files, "/etc/shadow")) << ::testing::PrintToString(files);
  EXPECT_FALSE(has(files, "/x"));
}

TEST(GuestBundle, InitramfsHoldsAgentLibrariesModulesAndInit) {
  Plan plan = heroku_plan("/tmp/some-run/work");
  GuestBundleSpec spec;
  spec.harness_exe = "/bin/true";  // any dynamic program stands in for the agent
  if (access("/bin/busybox", X_OK) != 0) GTEST_SKIP() << "busybox-static is not installed";
  spec.busybox = "/bin/busybox";
  spec.busybox_applets = {"sh", "mount", "insmod"};
  spec.modules = {};
  Initramfs ir;
  try {
    ir = build_guest_initramfs(spec, plan);
  } catch (const EnvironmentError& e) {
    if (std::string(e.what()).find("dynamically linked") != std::string::npos) GTEST_SKIP() << e.what();
    throw;
  }
  for (const char* p : {"/init", "/.hb/busybox", "/.hb/bin/sh", "/dev/console", "/proc", "/sys", "/scratch", "/tmp"})
    EXPECT_TRUE(ir.contains(p)) << p;
  EXPECT_TRUE(ir.contains("/bin/sleep") || ir.contains("/usr/bin/sleep"));
  bool libc = false;
  for (const auto& [p, n] : ir.entries()) libc = libc || p.find("libc.so.6") != std::string::npos;
  EXPECT_TRUE(libc);
  // The scenario file at its own absolute path, so the agent reads it unchanged.
  EXPECT_TRUE(ir.contains(fs::absolute(plan.scenario.file).lexically_normal().string()));
  // /init is the agent's binary; its plan is beside it.
  const auto& init = ir.entries().at("init");
  EXPECT_EQ(init.kind, Initramfs::Kind::symlink);
  EXPECT_EQ(init.bytes, "/bin/true");
  GuestInitConfig cfg = guest_init_config_from_json(
      nlohmann::json::parse(ir.entries().at(std::string(kGuestInitConfigPath).substr(1)).bytes));
  EXPECT_EQ(cfg.scratch_device, "/dev/vda");
  EXPECT_EQ(cfg.scratch_dir, "/scratch");
  ASSERT_GE(cfg.agent_args.size(), 2u);
  EXPECT_EQ(cfg.agent_args[0], "--scenario");
  EXPECT_EQ(cfg.agent_args[1], fs::absolute(plan.scenario.file).lexically_normal().string());
}

TEST(GuestBundle, InitLoadsModulesInTheGivenOrderAndRunsTheAgentsArguments) {
  GuestBundleSpec spec;
  spec.modules = {"/lib/modules/k/a.ko", "/lib/modules/k/b c.ko"};
  GuestInitConfig c = guest_init_config(spec, {"/x/harness", "agent", "--scenario", "/it's.json"});
  EXPECT_EQ(c.modules, (std::vector<std::string>{"/lib/modules/k/a.ko", "/lib/modules/k/b c.ko"}));
  EXPECT_EQ(c.agent_args, (std::vector<std::string>{"--scenario", "/it's.json"}));
  // The host's programs first; busybox's applets only as a last resort.
  EXPECT_EQ(c.path_env.rfind(":/.hb/bin"), c.path_env.size() - 9) << c.path_env;
}

}  // namespace
}  // namespace harness
