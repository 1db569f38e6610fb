#include "cli/doctor.h"

#include <gtest/gtest.h>

#include "base/child.h"
#include "base/system_info.h"
#include "testing/test_support.h"
#include "vm/accelerator.h"
#include "vm/qemu_vm.h"

namespace harness {
namespace {

// By value: the checks are often a temporary (run_doctor(...)).
Check check_named(const std::vector<Check>& checks, const std::string& name) {
  for (const auto& c : checks)
    if (c.name == name) return c;
  throw std::runtime_error("no check named " + name);
}

// A run with --out DIR/NAME keeps its VM cache in DIR/.cache; doctor
// --runs DIR reads that one, and says where to look when it finds none.
TEST(Doctor, ShowsTheAcceleratorChoiceCachedBesideTheRuns) {
  auto qemu = find_program("qemu-system-x86_64");
  if (!qemu) GTEST_SKIP() << "qemu-system-x86 is not installed (the choice is keyed by its version)";
  ::harness::testing::TempDir tmp;
  AccelCache(tmp.path() / ".cache" / "accelerator.json")
      .store(accel_cache_key(kernel_release(), qemu_version(*qemu)), AccelDecision{Accel::tcg, "test: KVM probe failed", false});
  Check remembered = check_named(run_doctor(tmp.path()), "accelerator");
  EXPECT_NE(remembered.found.find("tcg (remembered in " + (tmp.path() / ".cache" / "accelerator.json").string()),
            std::string::npos)
      << remembered.found;
  EXPECT_NE(remembered.found.find("test: KVM probe failed"), std::string::npos) << remembered.found;
  Check none = check_named(run_doctor(tmp.path() / "elsewhere"), "accelerator");
  EXPECT_NE(none.found.find("nothing remembered in"), std::string::npos) << none.found;
  EXPECT_NE(none.found.find("harness doctor --runs DIR"), std::string::npos) << none.found;
}

}  // namespace
}  // namespace harness
