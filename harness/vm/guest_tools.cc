#include "vm/guest_tools.h"

#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <boost/process.hpp>
#include <fmt/format.h>
#include <map>
#include <mutex>

#include "base/error.h"
#include "vm/bzimage.h"
#include "vm/elf_deps.h"

namespace harness {

namespace fs = std::filesystem;
namespace bp = boost::process;

std::vector<std::string> busybox_applets(const fs::path& busybox) {
  static std::mutex m;
  static std::map<fs::path, std::vector<std::string>> memo;
  std::lock_guard<std::mutex> lock(m);
  if (auto it = memo.find(busybox); it != memo.end()) return it->second;
  std::error_code ec;
  bp::ipstream out;
  bp::child c(busybox.string(), "--list", bp::std_out > out, bp::std_err > bp::null, bp::std_in < bp::null, ec);
  if (ec) throw EnvironmentError(fmt::format("{} --list: {}", busybox.string(), ec.message()));
  std::vector<std::string> applets;
  std::string line;
  while (std::getline(out, line))
    if (!line.empty()) applets.push_back(line);
  c.wait(ec);
  memo[busybox] = applets;
  return applets;
}

std::optional<fs::path> find_static_busybox() {
  for (const char* cand : {"/bin/busybox", "/usr/bin/busybox", "/sbin/busybox"}) {
    if (access(cand, X_OK) != 0) continue;
    try {
      if (!elf_interpreter(cand)) return fs::path(cand);
    } catch (const Error&) {
    }
  }
  return std::nullopt;
}

GuestKernel find_guest_kernel(const std::optional<fs::path>& explicit_image) {
  auto complete = [](const fs::path& image) -> std::optional<GuestKernel> {
    auto rel = kernel_release_of_image(image);
    if (!rel) {
      std::string f = image.filename().string();
      if (f.rfind("vmlinuz-", 0) == 0) rel = f.substr(8);
    }
    if (!rel) return std::nullopt;
    fs::path mods = fs::path("/lib/modules") / *rel;
    if (!fs::exists(mods / "modules.dep")) return std::nullopt;
    return GuestKernel{image, *rel, mods};
  };
  if (explicit_image) {
    if (access(explicit_image->c_str(), R_OK) != 0)
      throw EnvironmentError(errno_message(explicit_image->string() + ": cannot read the guest kernel", errno));
    auto k = complete(*explicit_image);
    if (!k)
      throw EnvironmentError(fmt::format("{}: no module tree for it under /lib/modules (its modules.dep is "
                                         "needed for virtio and loop)", explicit_image->string()));
    return *k;
  }
  std::vector<fs::path> images;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/boot", ec))
    if (e.path().filename().string().rfind("vmlinuz-", 0) == 0) images.push_back(e.path());
  std::sort(images.begin(), images.end(), [](const fs::path& a, const fs::path& b) {
    return strverscmp(a.filename().c_str(), b.filename().c_str()) > 0;
  });
  bool unreadable = false;
  for (const auto& img : images) {
    if (access(img.c_str(), R_OK) != 0) {
      unreadable = true;
      continue;
    }
    if (auto k = complete(img)) return *k;
  }
  if (unreadable)
    throw EnvironmentError("the guest kernel in /boot is not readable by this user: run as root, or pass "
                           "--kernel with a readable copy");
  throw EnvironmentError("no guest kernel: install one with apt-get install -y linux-image-cloud-amd64, or "
                         "pass --kernel PATH");
}

}  // namespace harness
