#include "vm/guest_bundle.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "base/error.h"
#include "core/scenario.h"
#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

Plan heroku_plan(const fs::path& work) {
  Scenario s = load_scenario(std::string(HARNESS_SOURCE_DIR) + "/scenarios/heroku-2017-truncation.json");
  return make_plan(s, default_plan_paths(s, work));
}

// The initramfs is the same for every scenario: the agent, its libraries,
// the modules and busybox (off PATH). The scenario comes on the scratch disk.
TEST(GuestBundle, TheInitramfsIsGenericAgentLibrariesModulesAndInit) {
  GuestBundleSpec spec;
  spec.harness_exe = "/bin/true";  // any dynamic program stands in for the agent
  if (access("/bin/busybox", X_OK) != 0) GTEST_SKIP() << "busybox-static is not installed";
  spec.busybox = "/bin/busybox";
  spec.busybox_applets = {"sh", "mount", "insmod"};
  spec.modules = {};
  Initramfs ir;
  try {
    ir = build_guest_initramfs(spec);
  } catch (const EnvironmentError& e) {
    if (std::string(e.what()).find("dynamically linked") != std::string::npos) GTEST_SKIP() << e.what();
    throw;
  }
  for (const char* p : {"/init", "/.hb/busybox", "/.hb/bin/sh", "/dev/console", "/proc", "/sys", "/scratch", "/tmp"})
    EXPECT_TRUE(ir.contains(p)) << p;
  bool libc = false;
  for (const auto& [p, n] : ir.entries()) libc = libc || p.find("libc.so.6") != std::string::npos;
  EXPECT_TRUE(libc);
  EXPECT_FALSE(ir.contains(fs::absolute(heroku_plan("/tmp/r/work").scenario.file).lexically_normal().string()));
  // /init is the agent's binary; its plan is beside it, and says where the run's part is.
  const auto& init = ir.entries().at("init");
  EXPECT_EQ(init.kind, Initramfs::Kind::symlink);
  EXPECT_EQ(init.bytes, "/bin/true");
  GuestInitConfig cfg = guest_init_config_from_json(
      nlohmann::json::parse(ir.entries().at(std::string(kGuestInitConfigPath).substr(1)).bytes));
  EXPECT_EQ(cfg.scratch_device, "/dev/vda");
  EXPECT_EQ(cfg.scratch_dir, "/scratch");
  EXPECT_EQ(cfg.run_file, kGuestRunFile);
}

TEST(GuestBundle, TheRunFileCarriesTheAgentsArgumentsAndAPathWithoutApplets) {
  GuestBundleSpec spec;
  spec.harness_exe = "/x/harness";
  Plan plan = heroku_plan("/tmp/r/work");
  GuestRun r = guest_run(spec, plan, {{"/opt/tools/bin/rsync", "$.programs[0]"}, {"/usr/bin/cat", "$.setup[0].argv[0]"},
                                      {"/opt/lib/libx.so", "needed by /opt/tools/bin/rsync"}});
  ASSERT_GE(r.agent_args.size(), 2u);
  EXPECT_EQ(r.agent_args[0], "--scenario");
  EXPECT_EQ(r.agent_args[1], fs::absolute(plan.scenario.file).lexically_normal().string());
  EXPECT_EQ(r.path_env, std::string(kGuestPath) + ":/opt/tools/bin") << r.path_env;
  EXPECT_EQ(r.path_env.find(kGuestBusyboxDir), std::string::npos) << r.path_env;
  EXPECT_EQ(r.bundle_dir, kGuestBundleDir);
}

TEST(GuestBundle, TheBundleIsTheHostFilesAtTheirPathsWithoutSetUidBits) {
  testing::TempDir tmp;
  fs::path prog = tmp.path() / "opt/tool";
  fs::create_directories(prog.parent_path());
  std::ofstream(prog) << "#!/bin/sh\necho hi\n";
  fs::permissions(prog, fs::perms::owner_all | fs::perms::set_uid);
  fs::create_symlink("tool", tmp.path() / "opt/tool-link");
  fs::path root = tmp.path() / "scratch-root";
  GuestRun run{"/usr/bin", {"--scenario", "/s.json"}, kGuestBundleDir};
  uint64_t bytes = write_guest_bundle(root, {{tmp.path() / "opt/tool-link", "$.programs[0]"}}, run);
  EXPECT_EQ(bytes, 18u);
  fs::path in = root / "bundle" / tmp.path().relative_path() / "opt";
  EXPECT_EQ(fs::read_symlink(in / "tool-link"), "tool");
  EXPECT_EQ(testing::slurp(in / "tool"), "#!/bin/sh\necho hi\n");
  EXPECT_EQ(fs::status(in / "tool").permissions(), fs::perms::owner_all);
  GuestRun back = guest_run_from_json(nlohmann::json::parse(testing::slurp(root / "harness-run.json")));
  EXPECT_EQ(back.agent_args, run.agent_args);
}

}  // namespace
}  // namespace harness
