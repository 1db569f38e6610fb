// HostPathPolicy: which host files a scenario may name under --untrusted
// (a CI running contributors' scenarios). The scenario does not choose
// what it may read: its own folder ({scenario_dir}) and the folders the
// OPERATOR allows on the command line (--allow-host-path DIR) hold
// anything it may name; the standard program folders (/usr/bin, /bin,
// /usr/sbin, /sbin) only programs everyone may read and run (as a
// program, or copied into an image: /bin/sleep), and the system library
// folders only programs and libraries everyone may read (a program's
// loader and libraries, /usr/lib/git-core/git), never as an image's file.
// Every path is judged by its name first (so a refusal says nothing of
// whether a path outside those folders exists), then by where it really
// leads (links resolved; a link that leads nowhere is refused), so
// neither "..", nor a link in the scenario's folder, nor a #! line, ELF
// interpreter or run path of the scenario's own program reaches
// /etc/shadow. No user we do not trust may be able to change where it
// leads before it is read (base/private_dir.h why_path_could_change), and
// every folder from the scenario's folder (or the allowed folder it is in)
// down to it must be writable by no one else (/tmp is no scenario's own
// folder), no name on the way hidden (.git), and the file itself have no
// other hard link. "/" is never an allowed folder. What the harness itself needs (mkfs, e2fsck, busybox,
// kernel modules, itself) is not the scenario's to name and is not judged.
#pragma once

#include <filesystem>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace harness {

// What a named path is used as.
enum class HostUse {
  data,     // files[].from, a file an argv names: read, copied into an image or the guest
  program,  // argv[0], "programs", a #! interpreter: executed in the guest
  library,  // an ELF interpreter or shared library a program needs
};

// The folders whose executables a scenario may name without the operator
// saying so: the ones every system's PATH has, root's.
const std::vector<std::filesystem::path>& standard_program_dirs();

class HostPathPolicy {
 public:
  // `allowed`: the operator's --allow-host-path folders (anything beneath
  // them); `library_dirs`: the system's (vm/elf_deps.h system_library_dirs).
  HostPathPolicy(std::vector<std::filesystem::path> allowed, std::vector<std::filesystem::path> library_dirs);

  // nullopt when the scenario in `scenario_dir` may name `p` for `use`;
  // otherwise why not, in words for an error message.
  // `missing_in_own` (when given) is set when the refusal is only that `p`
  // does not exist beneath the scenario's folder (something a command may
  // make).
  std::optional<std::string> refusal(const std::filesystem::path& p, HostUse use,
                                     const std::filesystem::path& scenario_dir, bool* missing_in_own = nullptr) const;

  // The first look, by its name alone (nothing is looked up on disk):
  // nullopt when `p` lies, as written, beneath a folder it may be named
  // from. What a program's own files ask for (a #! interpreter, a run
  // path to probe) is looked at only if it passes.
  std::optional<std::string> refusal_by_name(const std::filesystem::path& p, HostUse use,
                                             const std::filesystem::path& scenario_dir) const;

  const std::vector<std::filesystem::path>& allowed() const { return allowed_; }
  // Starts the budget of one scenario's paths afresh: what one scenario
  // spends (a folder of 10,000 files with 2,000 run-path folders each)
  // never refuses another's. Past it, every path is refused, saying so.
  void begin_scenario() const { spent_ = 0; }
  // The same, with `dir` allowed too: the original's folder for the
  // variants `ablate` derives from it (they live in --out, not beside it).
  HostPathPolicy also_allowing(const std::filesystem::path& dir) const;
  HostPathPolicy(const HostPathPolicy& o)
      : allowed_(o.allowed_), library_dirs_(o.library_dirs_), allowed_real_(o.allowed_real_),
        standard_real_(o.standard_real_), library_real_(o.library_real_) {}
  HostPathPolicy& operator=(const HostPathPolicy& o) {
    if (this != &o) {
      allowed_ = o.allowed_;
      library_dirs_ = o.library_dirs_;
      allowed_real_ = o.allowed_real_;
      standard_real_ = o.standard_real_;
      library_real_ = o.library_real_;
      std::lock_guard<std::mutex> lock(mu_);
      own_real_.clear();
      spent_ = 0;
    }
    return *this;
  }

 private:
  struct Answer {
    std::optional<std::string> why;
    bool missing_in_own = false;
  };
  Answer judge_path(const std::filesystem::path& p, HostUse use, const std::filesystem::path& scenario_dir) const;
  std::filesystem::path own_real(const std::filesystem::path& scenario_dir) const;
  std::string refused(const std::string& shown, HostUse use, const std::filesystem::path& scenario_dir) const;
  bool in_allowed(const std::filesystem::path& x, bool resolved) const;
  bool may_visit(const std::filesystem::path& x, HostUse use, const std::filesystem::path& scenario_dir) const;
  // A path resolved one name at a time, as the kernel does, never looking
  // at a place the path may not lead through (outside).
  struct Walked {
    std::filesystem::path resolved;  // where it leads (up to the missing name)
    bool outside = false;            // it led out of every folder it may be named from
    bool missing = false;            // a name on the way does not exist (or a link leads nowhere)
    bool changeable = false;         // a user we do not trust could change where it leads
  };
  // At most this many names resolved for one path, and for all the paths
  // one policy judges (a scenario's): a link chain full of "d/../" is
  // refused, not followed for minutes.
  static constexpr int kMaxWalkNames = 4096;
  static constexpr long kMaxScenarioCost = 500000;
  Walked walk(const std::filesystem::path& a, HostUse use, const std::filesystem::path& scenario_dir) const;
  bool in_system(const std::filesystem::path& x, HostUse use, bool resolved) const;

  std::vector<std::filesystem::path> allowed_;       // as given, absolute
  std::vector<std::filesystem::path> library_dirs_;  // as given
  // Where each leads, resolved once.
  std::vector<std::filesystem::path> allowed_real_, standard_real_, library_real_;
  mutable std::mutex mu_;  // own_real_: a batch's worker threads share the policy
  mutable std::map<std::string, std::filesystem::path> own_real_;
  // What judging a scenario's paths has cost: one per path judged, one per
  // name a walk resolved. Per scenario (begin_scenario()).
  mutable std::atomic<long> spent_{0};
};

}  // namespace harness
