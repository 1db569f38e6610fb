#include "core/installed_state.h"

#include <gtest/gtest.h>

#include "core/expectation_fixture.h"

namespace harness {
namespace {

const std::string kV1Sha(64, 'a'), kV1Md5(32, 'b'), kV2Sha(64, 'c'), kV2Md5(32, 'd');

FileState file(const std::string& path, const std::string& sha, const std::string& md5, const char* moment = kMomentAfterFaults) {
  FileState f;
  f.moment = moment;
  f.path = path;
  f.exists = true;
  f.size = 4096;
  f.sha256 = sha;
  f.md5 = md5;
  return f;
}

FileState sidecar(const std::string& path, const std::string& hex, const char* moment = kMomentAfterFaults) {
  FileState f = file(path, "x", "y", moment);
  f.head = hex + "  stack.img\n";
  return f;
}

Expectation expectation() {
  return fixture::installed("data/stack.img", {"v1/stack.img", "v2/stack.img"},
                            {"data/stack.img.sha256", "data/stack.img.md5"});
}

std::vector<FileState> versions(const char* moment = kMomentAfterFaults) {
  return {file("v1/stack.img", kV1Sha, kV1Md5, moment), file("v2/stack.img", kV2Sha, kV2Md5, moment)};
}

TEST(InstalledState, EitherCompleteVersionWithAgreeingSidecarsHolds) {
  for (auto [sha, md5] : {std::pair{kV1Sha, kV1Md5}, std::pair{kV2Sha, kV2Md5}}) {
    auto s = versions();
    s.push_back(file("data/stack.img", sha, md5));
    s.push_back(sidecar("data/stack.img.sha256", sha));
    s.push_back(sidecar("data/stack.img.md5", md5));
    InstalledCheck c = check_installed(expectation(), s, {});
    EXPECT_EQ(c.state, Judgement::held) << c.detail;
  }
}

// Only the .sha256 exists (the .md5 `exists: false`): one sidecar agrees,
// not two.
TEST(InstalledState, OnlyTheSidecarsThatExistAreCountedAsAgreeing) {
  auto s = versions();
  s.push_back(file("data/stack.img", kV1Sha, kV1Md5));
  s.push_back(sidecar("data/stack.img.sha256", kV1Sha));
  FileState md5;
  md5.moment = kMomentAfterFaults;
  md5.path = "data/stack.img.md5";
  s.push_back(md5);
  InstalledCheck c = check_installed(expectation(), s, {});
  EXPECT_EQ(c.state, Judgement::held) << c.detail;
  EXPECT_EQ(c.detail.find("2 sidecars"), std::string::npos) << c.detail;
  EXPECT_NE(c.detail.find("its sidecar data/stack.img.sha256 agrees; data/stack.img.md5 does not exist"),
            std::string::npos)
      << c.detail;
  s.pop_back();
  s.push_back(sidecar("data/stack.img.md5", kV1Md5));
  c = check_installed(expectation(), s, {});
  EXPECT_NE(c.detail.find("its 2 sidecars agree"), std::string::npos) << c.detail;
  EXPECT_EQ(c.detail.find("not exist"), std::string::npos) << c.detail;
}

TEST(InstalledState, ATornCopyFails) {
  auto s = versions();
  s.push_back(file("data/stack.img", std::string(64, 'e'), kV2Md5));
  InstalledCheck c = check_installed(expectation(), s, {});
  EXPECT_NE(c.state, Judgement::held);
  EXPECT_NE(c.state, Judgement::undecided);
  EXPECT_NE(c.detail.find("torn"), std::string::npos) << c.detail;
}

TEST(InstalledState, AMissingImageFails) {
  auto s = versions();
  FileState gone;
  gone.moment = kMomentAfterFaults;
  gone.path = "data/stack.img";
  s.push_back(gone);
  EXPECT_NE(check_installed(expectation(), s, {}).state, Judgement::held);
}

TEST(InstalledState, ASidecarDescribingAnotherVersionOrMalformedFails) {
  auto s = versions();
  s.push_back(file("data/stack.img", kV2Sha, kV2Md5));
  s.push_back(sidecar("data/stack.img.md5", kV1Md5));  // stale: says v1
  InstalledCheck c = check_installed(expectation(), s, {});
  EXPECT_NE(c.state, Judgement::held);
  EXPECT_NE(c.detail.find("sidecar data/stack.img.md5 says md5"), std::string::npos) << c.detail;
  s.back() = sidecar("data/stack.img.md5", "00000000zz");
  c = check_installed(expectation(), s, {});
  EXPECT_NE(c.state, Judgement::held);
  EXPECT_NE(c.detail.find("malformed"), std::string::npos) << c.detail;
}

TEST(InstalledState, AnInstallerThatReportedSuccessInstalledTheNewVersion) {
  Expectation e = expectation();
  e.fault = "redeploy";
  auto s = versions();
  s.push_back(file("data/stack.img", kV1Sha, kV1Md5));
  FaultEvent run;
  run.fault = "redeploy";
  run.action = "run";
  run.ok = true;
  InstalledCheck c = check_installed(e, s, {run});
  EXPECT_NE(c.state, Judgement::held) << "said ok, left v1";
  run.ok = false;  // refused (exit 5): the old image intact is right
  run.outcome = "exit 5";
  EXPECT_EQ(check_installed(e, s, {run}).state, Judgement::held);
}

TEST(InstalledState, TheEndMomentIsJudgedSeparatelyAndMayBeMissing) {
  Expectation e = expectation();
  e.at_end = true;
  auto s = versions();
  s.push_back(file("data/stack.img", std::string(64, 'e'), kV2Md5));  // torn after the faults
  InstalledCheck c = check_installed(e, s, {});
  EXPECT_EQ(c.state, Judgement::undecided) << c.detail;
  for (auto& f : versions(kMomentEnd)) s.push_back(f);
  s.push_back(file("data/stack.img", kV2Sha, kV2Md5, kMomentEnd));  // the next run repaired it
  EXPECT_EQ(check_installed(e, s, {}).state, Judgement::held);
}

TEST(InstalledState, SidecarDigests) {
  EXPECT_EQ(sidecar_digest(kV1Md5 + "  x.img\n"), kV1Md5);
  EXPECT_EQ(sidecar_digest("  " + std::string(64, 'A')), std::string(64, 'a'));
  EXPECT_EQ(sidecar_digest("abc  x.img"), "");
  EXPECT_EQ(sidecar_digest(std::string(31, 'a') + "g"), "");
  EXPECT_EQ(sidecar_digest(""), "");
}

TEST(InstalledState, PathsToRecordAreEachNamedOnce) {
  Expectation a = expectation(), b = expectation();
  b.at_end = true;
  EXPECT_EQ(paths_to_record({a, b}),
            (std::vector<std::string>{"data/stack.img", "v1/stack.img", "v2/stack.img", "data/stack.img.sha256",
                                      "data/stack.img.md5"}));
}

}  // namespace
}  // namespace harness
