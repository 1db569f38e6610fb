// GuestFiles: the host files a scenario brings into its guest VM, each at
// the same absolute path as on the host, and why. Only what the scenario
// names, so that a script that runs on the host runs in the guest, and
// nothing that merely appears in an argument:
//   - the scenario file, and the files its images are made from (the
//     guest checks the scenario as the host did);
//   - the program (argv[0]) of the workload and of every run action
//     (setup, faults, finally), found in PATH when bare, except one inside
//     the run's work directory (the guest makes its own);
//   - every argv element that names a file or folder beneath
//     {scenario_dir} (`["/bin/sh", "{scenario_dir}/deploy.sh", ...]`);
//     `["cp", "/etc/shadow", "x"]` brings nothing but cp;
//   - the scenario's "programs" (what its scripts call: rsync, sha256sum);
//   - for each of those, its #! interpreter (through env, the program env
//     looks for) and its shared libraries, read from the files (elf_deps.h);
//   - what the harness itself runs in the guest for the scenario: mkfs for
//     its images and scratch folders, e2fsck for io_errors.
// The guest has no other programs: a script that calls one the scenario
// does not declare fails there (exit 127), and the run says which program
// and which field brings it in (core/missing_command.h).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/host_path_policy.h"
#include "core/plan.h"

namespace harness {

struct GuestFile {
  std::filesystem::path path;  // absolute, on the host and in the guest
  std::string why;             // "$.setup[0].argv[1]", "$.programs[0]", "needed by /usr/bin/rsync", ...
};

// What the files named beneath {scenario_dir} (folders with all they hold)
// and the programs may come to; more is refused (exit 2).
inline constexpr unsigned long long kMaxGuestFileBytes = 512ull << 20;
inline constexpr size_t kMaxGuestFiles = 10000;

// `s`'s argv may be as written or expanded with `paths` (both work); a
// path under paths.work (when set) or written with {work} is the run's
// own. Throws the located ScenarioError (exit 2) for what validation can
// know cannot be brought in: a declared program not found; a file the
// scenario names beneath {scenario_dir} that resolves outside it (a
// symlink), or that is missing when it is the script an interpreter
// (sh, bash, python3...) is given; such a script outside {scenario_dir}
// that "programs" does not list; a #! interpreter that does not exist;
// more than the limits above. A missing shared library is the machine's
// problem (EnvironmentError). With `untrusted` (--untrusted), every host
// file the scenario names -- an image's file, a program, a #! interpreter,
// a loader or library its own program asks for -- must be one the policy
// allows, else the located ScenarioError; the harness's own tools are not
// judged.
std::vector<GuestFile> guest_files(const Scenario& s, const PlanPaths& paths,
                                   const HostPathPolicy* untrusted = nullptr);

}  // namespace harness
