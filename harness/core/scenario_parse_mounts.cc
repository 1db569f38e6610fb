#include "core/scenario_parse.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/edit_distance.h"
#include "core/action_parse.h"

namespace harness {

void read_mounts(ScenarioParse& p) {
  auto& [root, base, s, produced, untrusted] = p;
  if (auto mounts = root.optional("mounts")) {
    std::set<WorkPath> mountpoints;
    mounts->limit_items(kMaxMounts, "mounts");
    for (const auto& n : mounts->array()) {
      n.expect_object("mount");
      MountSpec m;
      m.image = work_path(n.require("image"));
      p.remember(n.at_key("image"));
      // An image nothing makes is a typo; one a setup `run` action may
      // install is checked when the run gets there.
      bool setup_runs = false;
      std::vector<std::string> makeable(produced.begin(), produced.end());
      for (const auto& a : s.setup) {
        setup_runs = setup_runs || a.kind == ActionKind::run;
        if (is_write_action(a.kind)) makeable.push_back(a.to);
      }
      if (!setup_runs && std::find(makeable.begin(), makeable.end(), m.image) == makeable.end()) {
        auto hint = closest_match(m.image, makeable);
        n.at_key("image").fail(fmt::format(
            "{} is not made by any image, copy or setup action, so there is nothing to mount{}", m.image,
            hint ? fmt::format(" (did you mean \"{}\"?)", *hint) : std::string()));
      }
      m.mountpoint = work_path(n.require("mountpoint"));
      if (auto o = n.optional("options")) m.options = o->string();
      std::set<std::string> opts;
      std::stringstream ss(m.options);
      for (std::string opt; std::getline(ss, opt, ',');) {
        static const std::set<std::string> allowed = {"loop", "ro", "rw", "nosuid", "nodev",
                                                      "noatime", "relatime", "sync"};
        if (!allowed.count(opt))
          n.at_key("options").fail(fmt::format("mount option \"{}\" is not supported (use {})",
                                               opt, fmt::join(allowed, ",")));
        opts.insert(opt);
      }
      if (!opts.count("loop"))
        n.at_key("options").fail("images are files: the options must include \"loop\"");
      if (opts.count("ro") && opts.count("rw")) n.at_key("options").fail("both \"ro\" and \"rw\"");
      for (const auto& other : mountpoints) {
        if (other == m.mountpoint)
          n.at_key("mountpoint").fail(fmt::format("mountpoint {} is used twice", m.mountpoint));
        if (lies_inside(m.mountpoint, other))
          n.at_key("mountpoint").fail(fmt::format("mountpoint {} lies inside mountpoint {}",
                                                  m.mountpoint, other));
        if (lies_inside(m.image, other))
          n.at_key("image").fail(fmt::format(
              "{} lies inside mountpoint {}: an image on another mounted filesystem is refused (images are "
              "opened beneath the work directory without crossing a mount, RESOLVE_NO_XDEV, so the run would "
              "stop with EXDEV)",
              m.image, other));
      }
      mountpoints.insert(m.mountpoint);
      s.mounts.push_back(std::move(m));
    }
  }
}

}  // namespace harness
