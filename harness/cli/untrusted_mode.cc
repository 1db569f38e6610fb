#include "cli/untrusted_mode.h"

#include <sys/stat.h>

#include <fmt/format.h>

#include "base/error.h"
#include "base/private_dir.h"
#include "vm/elf_deps.h"
#include "vm/guest_files.h"

namespace harness {

namespace fs = std::filesystem;

std::optional<HostPathPolicy> untrusted_policy(const UntrustedArgs& a) {
  if (!a.untrusted) {
    if (!a.allow_host_paths.empty())
      throw Error(ErrorKind::usage, "--allow-host-path widens what --untrusted allows; it means nothing without it");
    return std::nullopt;
  }
  for (const auto& d : a.allow_host_paths) {
    std::error_code ec;
    if (!fs::is_directory(d, ec))
      throw Error(ErrorKind::usage, fmt::format("--allow-host-path {}: not an existing folder", d.string()));
    if (fs::absolute(d).lexically_normal() == "/" || fs::canonical(d, ec) == "/")
      throw Error(ErrorKind::usage, "--allow-host-path /: that is the whole machine; name the folders a scenario needs");
    // As written, and where it really leads (a ".." in a link's target is
    // resolved by the kernel after the link).
    auto why = why_path_could_change(fs::absolute(d));
    if (!why) why = why_path_could_change(fs::canonical(d, ec));
    if (why)
      throw EnvironmentError(fmt::format("--allow-host-path {}: another user could make it lead elsewhere ({}); name a "
                                         "folder only root (or you) can change",
                                         d.string(), *why));
  }
  return HostPathPolicy(a.allow_host_paths, system_library_dirs());
}

void check_untrusted_backend(const std::string& requested, const std::string& chosen, const std::string& why_not_vm) {
  if (chosen == "vm") return;
  if (!requested.empty())
    throw Error(ErrorKind::usage,
                fmt::format("--untrusted runs scenarios only in a VM, not with --backend {}: on the host a "
                            "scenario's workload and run actions execute as root on this machine",
                            requested));
  throw EnvironmentError(fmt::format("--untrusted runs scenarios only in a VM, and a VM cannot run here: {}; "
                                     "`harness doctor` says what a VM needs",
                                     why_not_vm));
}

void check_untrusted_scenario(const Scenario& s, const HostPathPolicy& policy) {
  // What is judged here is read again later by path: another user who
  // could rename things in the scenario's folder could swap a checked
  // file for a link to /etc/shadow in between.
  const fs::path dir = fs::absolute(s.file).parent_path();
  if (auto why = untrusted_parent(dir / "scenario"))
    throw EnvironmentError(fmt::format("--untrusted: {}'s folder can be changed by a user we do not trust while its "
                                       "files are checked and read ({}); copy it into a folder only root (or you) can "
                                       "write in",
                                       s.file.string(), *why));
  // Nor may anyone else add names to it (a sticky /tmp): a file it names
  // that is not there yet, or a folder it brings in whole, would be theirs.
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0 && (st.st_mode & (S_IWGRP | S_IWOTH)))
    throw EnvironmentError(fmt::format("--untrusted: {}'s folder {} is writable by its group or by others (mode {:o}): "
                                       "another user could add files the scenario names; copy it into a folder only "
                                       "root (or you) can write in",
                                       s.file.string(), dir.string(), st.st_mode & 07777));
  policy.begin_scenario();
  guest_files(s, default_plan_paths(s, fs::path()), &policy);
  for (size_t i = 0; i < s.scratch.size(); ++i)
    if (s.scratch[i].power_cut)
      throw field_error(s, fmt::format("$.scratch[{}].power_cut", i),
                        "a power cut is judged by parsing the guest's bytes on this host (e2fsck and debugfs, as "
                        "nobody), which --untrusted does not allow a contributor's guest");
}

}  // namespace harness
