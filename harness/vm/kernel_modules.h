// KernelModules: which .ko files a guest must insmod, in which order, for
// the drivers it needs — resolved through the kernel's own modules.dep
// (the file depmod writes), with modules.builtin consulted so that a
// driver built into the kernel is simply skipped.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace harness {

// "virtio_blk" for ".../virtio_blk.ko" (also .ko.xz/.ko.zst/.ko.gz);
// '-' and '_' are the same to the kernel, so names are normalised to '_'.
std::string module_name(const std::string& path_or_name);

class ModuleIndex {
 public:
  // Reads DIR/modules.dep and, if present, DIR/modules.builtin. Throws
  // EnvironmentError naming the file when it is missing.
  static ModuleIndex load(const std::filesystem::path& modules_dir);
  // From the text of those files (for tests on made-up trees too).
  static ModuleIndex parse(const std::filesystem::path& modules_dir, const std::string& dep_text,
                           const std::string& builtin_text);

  bool builtin(const std::string& name) const;
  bool known(const std::string& name) const;
  // Absolute .ko paths for `names` and their dependencies, each dependency
  // before its users, no duplicates; built-in modules are left out.
  // Throws EnvironmentError for an unknown module or a dependency cycle.
  std::vector<std::filesystem::path> load_order(const std::vector<std::string>& names) const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::map<std::string, std::string> path_;               // name -> relative path
  std::map<std::string, std::vector<std::string>> deps_;  // name -> dep names
  std::set<std::string> builtin_;
};

}  // namespace harness
