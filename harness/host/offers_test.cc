#include "host/offers.h"

#include <gtest/gtest.h>

#include <fstream>

#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

Action run_action(std::vector<std::string> argv) {
  Action a;
  a.kind = ActionKind::run;
  a.argv = std::move(argv);
  return a;
}

// The gate's shape: store/app.img is what data/app.img holds, store-v2 has
// another version; the installer is told the folder and the name.
TEST(Offers, AFolderAndANameOfferTheFileOfTheInstalledName) {
  testing::TempDir tmp;
  RunDir run(tmp.path() / "run");
  for (const char* d : {"store", "store-v2", "data", "elsewhere"}) run.make_dirs(d);
  std::ofstream(run.absolute("store/app.img")) << "v1 bytes";
  std::ofstream(run.absolute("data/app.img")) << "v1 bytes";
  std::ofstream(run.absolute("store-v2/app.img")) << "v2 bytes";
  std::ofstream(run.absolute("elsewhere/other.img")) << "not named like the installed file";
  std::string w = run.work().string();
  Scenario s;
  s.mounts.push_back(MountSpec{"data/app.img", "mnt/app", "loop,ro"});
  FaultSpec same{"redeploy", {}, {run_action({"/bin/sh", "/x/install.sh", w + "/store", w + "/data", "app"})}, false};
  FaultSpec next{"redeploy-new", {}, {run_action({"/x/install.sh", w + "/store-v2", w + "/data", "app"})}, false};
  FaultSpec other{"other", {}, {run_action({"/x/tool", w + "/elsewhere/other.img", "/etc/passwd"})}, false};
  s.faults = {same, next, other};
  auto offers = find_offers(s, run);
  ASSERT_EQ(offers.size(), 2u);
  EXPECT_EQ(offers[0].fault, "redeploy");
  EXPECT_EQ(offers[0].file, "store/app.img");
  EXPECT_EQ(offers[0].installed, "data/app.img");
  EXPECT_TRUE(offers[0].same_as_installed);
  EXPECT_EQ(offers[1].fault, "redeploy-new");
  EXPECT_EQ(offers[1].file, "store-v2/app.img");
  EXPECT_FALSE(offers[1].same_as_installed);
  EXPECT_EQ(offers[1].sha256.size(), 64u);
}

// A file named directly, as `cp {work}/v2/stack.img {work}/data/` does.
TEST(Offers, AFileNamedDirectlyIsOffered) {
  testing::TempDir tmp;
  RunDir run(tmp.path() / "run");
  run.make_dirs("v2");
  run.make_dirs("data");
  std::ofstream(run.absolute("v2/stack.img")) << "new";
  std::ofstream(run.absolute("data/stack.img")) << "old";
  std::string w = run.work().string();
  Scenario s;
  Expectation e;
  e.kind = ExpectationKind::installed;
  e.path = "data/stack.img";
  s.expect = {e};
  s.faults = {FaultSpec{"install", {}, {run_action({"/bin/cp", w + "/v2/stack.img", w + "/data/stack.img"})}, false}};
  auto offers = find_offers(s, run);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].file, "v2/stack.img");
  EXPECT_FALSE(offers[0].same_as_installed);
}

}  // namespace
}  // namespace harness
