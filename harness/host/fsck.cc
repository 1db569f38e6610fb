#include "host/fsck.h"

#include <fmt/format.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/child.h"
#include "base/error.h"
#include "host/confined_image_tool.h"

namespace harness {

namespace fs = std::filesystem;


int e2fsck_repair(const fs::path& target, const std::atomic<bool>* stop) {
  auto prog = find_program("e2fsck");
  if (!prog) throw EnvironmentError("e2fsck not found (a disk is checked after a power cut or I/O errors): apt-get install -y e2fsprogs");
  ChildOptions o;
  o.timeout = std::chrono::milliseconds(60000);
  o.stop = stop;
  auto r = run_child({prog->string(), "-f", "-y", target.string()}, o);
  if (r.timed_out || !WIFEXITED(r.wait_status)) return 8;
  return WEXITSTATUS(r.wait_status);
}

int e2fsck_repair_unprivileged(const fs::path& image) {
  ConfinedImageRun r;
  r.argv = {"e2fsck", "-f", "-y"};
  r.image = image;
  r.writable = true;
  ChildResult res = run_confined_on_image(r);
  if (res.timed_out || !WIFEXITED(res.wait_status)) return 8;
  return WEXITSTATUS(res.wait_status);
}

std::string fsck_outcome(int rc) {
  if (rc == 0) return "clean";
  if (rc < 4) return "repaired";
  return fmt::format("errors left (exit {})", rc);
}

}  // namespace harness
