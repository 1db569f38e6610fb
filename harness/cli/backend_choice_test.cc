#include "cli/backend_choice.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

TEST(BackendChoice, AnExplicitChoiceSaysSo) {
  auto c = choose_backend(BackendKind::host);
  EXPECT_EQ(c.kind, BackendKind::host);
  EXPECT_EQ(c.why, "--backend host");
  EXPECT_EQ(backend_lines(c, {}), "backend   host (--backend host)\n");
}

TEST(BackendChoice, TheDefaultSaysWhyThisMachineGetsIt) {
  auto c = choose_backend(std::nullopt);
  EXPECT_EQ(c.why.rfind("the default", 0), 0u) << c.why;
  // A host default names what a VM lacks here.
  if (c.kind == BackendKind::host) {
    EXPECT_NE(c.why.find("a VM cannot run: "), std::string::npos) << c.why;
  }
}

TEST(BackendChoice, AVmSizingIsStatedUpFront) {
  Scenario s;
  s.name = "gate-in-place";
  s.sizing = "vm sizing: iterations 100 (as written: 1500)";
  Scenario t;
  t.name = "unsized";
  EXPECT_EQ(backend_lines({BackendKind::vm, "--backend vm"}, {s, t}),
            "backend   vm (--backend vm)\n"
            "sizing    gate-in-place: vm sizing: iterations 100 (as written: 1500)\n");
}

}  // namespace
}  // namespace harness
