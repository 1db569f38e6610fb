#include "vm/vm_session.h"

#include <gtest/gtest.h>

#include <fstream>

#include "vm/guest_channel.h"

#include "testing/test_support.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

// The helpers a boot's outcome is described with.

TEST(VmSession, FirstLineOfAMessage) {
  EXPECT_EQ(first_line("qemu-system-x86_64: -kernel vmlinux: error\nmore\n"), "qemu-system-x86_64: -kernel vmlinux: error");
  EXPECT_EQ(first_line("one line"), "one line");
  EXPECT_EQ(first_line(""), "no message");
  EXPECT_EQ(first_line("\nsecond"), "no message") << "an empty first line says nothing";
}

TEST(VmSession, TailOfALogSkipsBlankLines) {
  std::string log = "one\n\ntwo\n\r\nthree\nfour\n\n";
  EXPECT_EQ(tail_lines(log, 3), "two | three | four");
  EXPECT_EQ(tail_lines(log, 10), "one | two | three | four");
  EXPECT_EQ(tail_lines(log, 1), "four");
  EXPECT_EQ(tail_lines(log, 0), "");
  EXPECT_EQ(tail_lines("[    2.1] Run /init\r\nKernel panic\r\n", 2), "[    2.1] Run /init | Kernel panic")
      << "a serial console's CRLF";
}

TEST(VmSession, TailOfAnEmptyLogIsEmpty) { EXPECT_EQ(tail_lines("", 3), ""); }

TEST(VmSession, TailOfALogWithoutAFinalNewline) { EXPECT_EQ(tail_lines("a\nb", 2), "a | b"); }

// A session with a stand-in "qemu": a shell script whose stdout is the
// event channel and whose stdin carries the host's replies, as qemu's are.
class VmSessionRun : public ::testing::Test {
 protected:
  static constexpr const char* kMarker = "m-test";
  // What the guest "says": lines of `script` run by /bin/sh.
  BootResult run(const std::string& script, std::chrono::milliseconds ready_within,
                 std::chrono::milliseconds run_within) {
    fs::path fake = tmp_.path() / "qemu";
    std::ofstream(fake) << "#!/bin/sh\n" << script;
    fs::permissions(fake, fs::perms::owner_all);
    VmConfig cfg;
    cfg.qemu = fake;
    cfg.user = std::nullopt;  // a stand-in in a folder only we may enter
    cfg.kernel = cfg.initrd = fake;  // opened, never read
    RunDir dir(tmp_.path() / "run");
    RunObserver obs;
    obs.on_phase = [this](const std::string& p) { phases_.push_back(p); };
    VmSession session(cfg, kMarker, obs, rec_, dir);
    return session.run(ready_within, run_within, /*watch_for_kvm_errors=*/false);
  }
  // channel_line() ends with the newline echo adds.
  static std::string says(const nlohmann::json& msg) {
    std::string line = channel_line(kMarker, msg);
    return "echo '" + line.substr(0, line.size() - 1) + "'\n";
  }
  testing::TempDir tmp_;
  RunRecord rec_;
  std::vector<std::string> phases_;
};

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_F(VmSessionRun, ReadyThenEndIsAFinishedBootAndTheEndIsAcknowledged) {
  fs::path ack = tmp_.path() / "ack.txt";
  BootResult r = run("echo 'console noise'\n"
                     "echo 'other-marker {\"msg\":\"end\"}'\n" +
                         says({{"msg", "ready"}, {"guest_kernel", "6.1.0-test"}}) + says({{"msg", "end"}}) +
                         "read reply\necho \"$reply\" > " + ack.string() + "\nexit 0\n",
                     seconds(60), seconds(60));
  EXPECT_EQ(r.end, BootEnd::finished);
  EXPECT_TRUE(r.ready);
  EXPECT_FALSE(r.got_record);
  EXPECT_EQ(r.qemu_exit, "exit 0");
  EXPECT_EQ(rec_.environment.at("guest_kernel"), "6.1.0-test");
  EXPECT_EQ(testing::slurp(ack), channel_line(kMarker, {{"msg", "ack"}}));
  EXPECT_EQ(phases_, (std::vector<std::string>{"guest ready"}));
}

TEST_F(VmSessionRun, QemuExitingIsItsOwnEndWithItsStatusAndMessages) {
  BootResult r = run(says({{"msg", "ready"}}) + "echo 'qemu: something broke' >&2\nexit 3\n", seconds(60), seconds(60));
  EXPECT_EQ(r.end, BootEnd::qemu_exited);
  EXPECT_TRUE(r.ready);
  EXPECT_EQ(r.qemu_exit, "exit 3");
  EXPECT_NE(r.qemu_stderr.find("qemu: something broke"), std::string::npos) << r.qemu_stderr;
}

TEST_F(VmSessionRun, AGuestThatNeverGetsReadyIsStoppedAtItsDeadline) {
  BootResult r = run("exec sleep 60\n", milliseconds(300), seconds(60));
  EXPECT_EQ(r.end, BootEnd::not_ready);
  EXPECT_FALSE(r.ready);
  EXPECT_NE(r.qemu_exit.find("SIGKILL"), std::string::npos) << r.qemu_exit;
  EXPECT_TRUE(phases_.empty());
}

TEST_F(VmSessionRun, AReadyGuestThatDoesNotEndTimesOut) {
  BootResult r = run(says({{"msg", "ready"}}) + "exec sleep 60\n", seconds(60), milliseconds(300));
  EXPECT_EQ(r.end, BootEnd::timed_out);
  EXPECT_TRUE(r.ready);
}

TEST_F(VmSessionRun, ALineTooLongIsAGuestErrorAndStopsTheVm) {
  BootResult r = run("head -c " + std::to_string(kMaxChannelLineBytes + 100) + " /dev/zero | tr '\\0' x\nexec sleep 60\n",
                     seconds(60), seconds(60));
  EXPECT_EQ(r.end, BootEnd::guest_error);
  EXPECT_NE(rec_.error.find("a line of more than"), std::string::npos) << rec_.error;
}

}  // namespace
}  // namespace harness
