#include "vm/kernel_modules.h"

#include <fmt/format.h>
#include <functional>
#include <fstream>
#include <sstream>

#include "base/error.h"

namespace harness {

namespace fs = std::filesystem;

std::string module_name(const std::string& path_or_name) {
  std::string n = fs::path(path_or_name).filename().string();
  size_t ko = n.find(".ko");
  if (ko != std::string::npos) n.resize(ko);
  for (char& c : n)
    if (c == '-') c = '_';
  return n;
}

static std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  if (!in) throw EnvironmentError(fmt::format("{}: cannot read; is the guest kernel's module tree installed "
                                              "(apt-get install linux-image-cloud-amd64)?",
                                              p.string()));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

ModuleIndex ModuleIndex::load(const fs::path& dir) {
  std::string builtin;
  if (fs::exists(dir / "modules.builtin")) builtin = slurp(dir / "modules.builtin");
  return parse(dir, slurp(dir / "modules.dep"), builtin);
}

ModuleIndex ModuleIndex::parse(const fs::path& dir, const std::string& dep_text,
                               const std::string& builtin_text) {
  ModuleIndex idx;
  idx.dir_ = dir;
  std::istringstream in(dep_text);
  std::string line;
  while (std::getline(in, line)) {
    // "kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko ..."
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string rel = line.substr(0, colon);
    std::string name = module_name(rel);
    idx.path_[name] = rel;
    std::istringstream deps(line.substr(colon + 1));
    std::string d;
    auto& list = idx.deps_[name];
    while (deps >> d) list.push_back(module_name(d));
  }
  std::istringstream b(builtin_text);
  while (std::getline(b, line))
    if (!line.empty()) idx.builtin_.insert(module_name(line));
  return idx;
}

bool ModuleIndex::builtin(const std::string& name) const { return builtin_.count(module_name(name)) > 0; }
bool ModuleIndex::known(const std::string& name) const { return path_.count(module_name(name)) > 0; }

std::vector<fs::path> ModuleIndex::load_order(const std::vector<std::string>& names) const {
  std::vector<fs::path> out;
  std::set<std::string> done, visiting;
  std::function<void(const std::string&, const std::string&)> visit = [&](const std::string& raw,
                                                                           const std::string& wanted_by) {
    std::string n = module_name(raw);
    if (done.count(n)) return;
    if (builtin(n) && !known(n)) {
      done.insert(n);
      return;
    }
    auto it = path_.find(n);
    if (it == path_.end())
      throw EnvironmentError(fmt::format("kernel module {}{} is neither in {}/modules.dep nor built in; "
                                         "this guest kernel cannot run the VM backend",
                                         n, wanted_by.empty() ? "" : " (needed by " + wanted_by + ")",
                                         dir_.string()));
    if (!visiting.insert(n).second)
      throw EnvironmentError(fmt::format("{}/modules.dep has a dependency cycle through {}", dir_.string(), n));
    // modules.dep lists the full closure, deepest last; visiting each keeps
    // the order right whatever the listing order is.
    auto d = deps_.find(n);
    if (d != deps_.end())
      for (const auto& dep : d->second) visit(dep, n);
    visiting.erase(n);
    done.insert(n);
    out.push_back(dir_ / it->second);
  };
  for (const auto& n : names) visit(n, "");
  return out;
}

}  // namespace harness
