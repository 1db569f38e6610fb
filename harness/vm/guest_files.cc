#include "vm/guest_files.h"

#include <sys/stat.h>

#include <fmt/format.h>
#include <set>

#include "base/child.h"
#include "base/error.h"
#include "base/program_lookup.h"
#include "vm/elf_deps.h"

namespace harness {

namespace fs = std::filesystem;

namespace {

// `p` is `dir` or beneath it (lexically).
bool within(const fs::path& p, const fs::path& dir) {
  auto rel = p.lexically_normal().lexically_relative(dir.lexically_normal());
  return !rel.empty() && *rel.begin() != "..";
}

class Selection {
 public:
  Selection(const Scenario& s, const PlanPaths& paths, const HostPathPolicy* policy)
      : s_(s), paths_(paths), policy_(policy) {
    dir_ = fs::absolute(paths.scenario_dir).lexically_normal();
    std::error_code ec;
    real_dir_ = fs::weakly_canonical(dir_, ec);
  }

  std::vector<GuestFile> take() { return std::move(out_); }

  void scenario_file() { file(fs::absolute(s_.file).lexically_normal(), "the scenario file"); }

  void image_file(const fs::path& from, const std::string& field) {
    judge(from, HostUse::data, field);
    add(fs::absolute(from).lexically_normal(), field);
  }

  // A "programs" entry (`declared`), or a command's argv[0].
  void program(const std::string& raw, const std::string& field, bool declared = false) {
    if (own(raw)) return;
    const std::string name = expand_placeholders(raw, paths_);
    // A path is judged before it is looked up: under --untrusted, whether
    // a path outside what the scenario may name exists is not for it to learn.
    if (name.find('/') != std::string::npos) judge(name, HostUse::program, field);
    else if (policy_) return untrusted_program(name, field);
    ProgramLookup l = declared ? lookup_declared(name) : lookup_program(name);
    if (!l.found()) throw field_error(s_, field, l.why + ", so it cannot be brought into the guest");
    judge(l.path, HostUse::program, field);
    file(fs::absolute(l.path).lexically_normal(), field);
  }

  void command(const std::vector<std::string>& argv, const std::string& base) {
    if (argv.empty()) return;
    program(argv[0], base + "[0]");
    auto script = interpreted_script(argv);
    for (size_t i = 1; i < argv.size(); ++i)
      if (!own(argv[i])) named(expand_placeholders(argv[i], paths_), fmt::format("{}[{}]", base, i), script && i == 1);
  }

  // Not the scenario's to name, so not judged (HostPathPolicy).
  void harness_tools() {
    policy_ = nullptr;
    std::set<std::string> fses;
    for (const auto& img : s_.images) fses.insert(img.fs);
    for (const auto& sc : s_.scratch)
      if (!sc.power_cut) fses.insert(sc.fs);  // a power-cut folder's disk is made on the host
    for (const auto& f : fses) {
      auto mkfs = find_program("mkfs." + f);
      if (!mkfs)
        throw EnvironmentError(fmt::format("mkfs.{} not found on the host; the guest needs it too: install e2fsprogs "
                                           "(apt-get install -y e2fsprogs)", f));
      file(*mkfs, "mkfs for the scenario's " + f + " filesystems");
    }
    if (!fses.empty() && fs::exists("/etc/mke2fs.conf")) file("/etc/mke2fs.conf", "mkfs's configuration");
    for (const auto& sc : s_.scratch)
      if (sc.io_errors)
        if (auto e2fsck = find_program("e2fsck")) file(*e2fsck, "e2fsck for the io_errors scratch " + sc.path);
  }

 private:
  // Written with {work}, or expanded into the run's work directory: the
  // guest makes its own.
  bool own(const std::string& raw) const {
    if (raw.find("{work}") != std::string::npos) return true;
    return !paths_.work.empty() && within(fs::path(raw), paths_.work);
  }

  // An argument: brought in if it names something beneath {scenario_dir};
  // the script an interpreter is given must be there (or declared).
  void named(const std::string& arg, const std::string& field, bool script) {
    fs::path p(arg);
    if (!p.is_absolute()) return;  // relative to {work}, where run actions start
    p = p.lexically_normal();
    // Under --untrusted: a path beneath the scenario's folder is judged
    // before anything is looked up, and so is the script an interpreter
    // is given (elsewhere nothing is brought in, so nothing is looked at).
    const bool mine = dir_ != "/" && within(p, dir_);
    if (policy_ && (mine || script)) judge_named(p, field);
    struct stat st {};
    const bool exists = ::stat(p.c_str(), &st) == 0;
    if (mine) {
      if (!exists) {
        if (script)
          throw field_error(s_, field, fmt::format("{} does not exist, so the guest cannot have it", p.string()));
        return;  // perhaps something the command makes
      }
      std::error_code ec;
      fs::path real = fs::weakly_canonical(p, ec);
      if (ec || !within(real, real_dir_))
        throw field_error(s_, field, fmt::format("{} leads outside {{scenario_dir}} ({}) to {}: the guest gets only "
                                                 "what is beneath it; copy the file there",
                                                 p.string(), dir_.string(), real.string()));
      judge(p, HostUse::data, field);
      if (S_ISDIR(st.st_mode)) folder(p, field);
      else if (S_ISREG(st.st_mode)) file(p, field);
      return;
    }
    if (!script || seen_.count(p)) return;
    if (!exists) throw field_error(s_, field, fmt::format("{} does not exist", p.string()));
    throw field_error(s_, field,
                      fmt::format("{} is the script this command runs, but the guest would not have it: only files "
                                  "beneath {{scenario_dir}} ({}) that an argv names, and the \"programs\", are brought "
                                  "in; move it beneath the scenario's folder, or add \"{}\" to \"programs\"",
                                  p.string(), dir_.string(), p.string()));
  }

  // A folder beneath {scenario_dir}, whole: every file and link in it,
  // no link leading outside.
  void folder(const fs::path& dir, const std::string& field) {
    add(dir, field);
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
      const fs::path& p = it->path();
      if (it->is_symlink()) {
        // Judged before it is followed (under --untrusted), then it must
        // lead somewhere now: a link that leads nowhere is one whose
        // target someone may make later, anywhere it points.
        judge(p, HostUse::data, field);
        std::error_code ec;
        fs::path real = fs::canonical(p, ec);
        if (ec)
          throw field_error(s_, field, fmt::format("{} holds {}, a link that leads nowhere ({}): the guest gets only "
                                                   "what is beneath {{scenario_dir}}; remove it",
                                                   dir.string(), p.string(), ec.message()));
        judge(p, HostUse::data, field);
        if (!within(real, real_dir_))
          throw field_error(s_, field, fmt::format("{} holds {}, a link to {} outside {{scenario_dir}} ({}): the guest "
                                                   "gets only what is beneath it",
                                                   dir.string(), p.string(), real.string(), dir_.string()));
        add(p, field);
      } else if (it->is_directory()) {
        judge(p, HostUse::data, field);
        add(p, field);
      } else if (it->is_regular_file()) {
        judge(p, HostUse::data, field);
        file(p, field);
      }  // sockets, FIFOs, devices: nothing to bring
    }
  }

  // A file, then what running it needs.
  void file(const fs::path& p, const std::string& why) {
    if (!add(p, why)) return;
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111 || is_elf(p))) return;
    auto words = shebang_words(p);
    if (!words.empty()) {
      judge(words[0], HostUse::program, field_of(why));
      if (!fs::exists(words[0]))
        throw field_error(s_, field_of(why), fmt::format("{}'s #! interpreter {} does not exist on this machine, so "
                                                         "it cannot be brought into the guest",
                                                         p.string(), words[0]));
      // "#!/usr/bin/env python3": env finds python3 in PATH, in the guest too.
      if (fs::path(words[0]).filename() == "env")
        for (size_t i = 1; i < words.size(); ++i)
          if (words[i][0] != '-') {
            program(words[i], field_of(why));
            break;
          }
    }
    std::vector<fs::path> deps;
    try {
      deps = runtime_deps(p, policy_ ? MayLook([this](const fs::path& d) { return may_bring(d); }) : MayLook());
    } catch (const EnvironmentError& e) {
      throw EnvironmentError(fmt::format("{} ({}) cannot be brought into the guest: {}", p.string(), why, e.what()));
    }
    for (const auto& d : deps) {
      // A #! line, an ELF interpreter or run path the scenario's own
      // program names is the scenario naming a host file.
      if (policy_ && !may_bring(d)) judge(d, HostUse::library, field_of(why));
      add(d, "needed by " + p.string());
    }
  }

  // Under --untrusted a bare name is looked up only where the scenario may
  // take programs from (the standard folders, then the allowed ones), never
  // in the rest of root's PATH (/root/.cargo/bin): what is there is not
  // the scenario's to learn, nor to have opened.
  void untrusted_program(const std::string& name, const std::string& field) {
    std::vector<fs::path> dirs = standard_program_dirs();
    for (const auto& d : policy_->allowed()) dirs.push_back(d);
    for (const auto& d : dirs) {
      const fs::path c = d / name;
      if (policy_->refusal(c, HostUse::program, dir_)) continue;  // judged before it is looked at
      struct stat st {};
      if (::stat(c.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111)) {
        judge(c, HostUse::program, field);
        file(c, field);
        return;
      }
    }
    std::string where;
    for (const auto& d : dirs) where += (where.empty() ? "" : ", ") + d.string();
    throw field_error(s_, field, fmt::format("{} was not found in {} (under --untrusted a program named without a "
                                             "folder is looked up only there), so it cannot be brought into the guest",
                                             name, where));
  }

  // Under --untrusted: whether a file a program of the scenario's asks for
  // (a #! interpreter, its loader, a library) may be brought in, as a
  // program or a library.
  bool may_bring(const fs::path& d) const {
    return !policy_ || !policy_->refusal(d, HostUse::program, dir_) || !policy_->refusal(d, HostUse::library, dir_);
  }

  // A path an argv names, under --untrusted: refused unless the policy
  // allows it as a file of the scenario's; a path beneath the scenario's
  // folder that does not exist (yet) is fine when nothing on its way
  // leads out of the folder (something the command makes).
  void judge_named(const fs::path& p, const std::string& field) const {
    bool missing_in_own = false;
    auto why = policy_->refusal(p, HostUse::data, dir_, &missing_in_own);
    if (why && !missing_in_own) throw field_error(s_, field, *why);
  }

  // Under --untrusted: refused (exit 2, at `field`) unless the policy allows it.
  void judge(const fs::path& p, HostUse use, const std::string& field) const {
    if (!policy_) return;
    if (auto why = policy_->refusal(p, use, dir_)) throw field_error(s_, field, *why);
  }

  // Listed once; false if it was already.
  bool add(const fs::path& p, const std::string& why) {
    if (!seen_.insert(p).second) return false;
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode)) bytes_ += static_cast<unsigned long long>(st.st_size);
    out_.push_back({p, why});
    if (bytes_ > kMaxGuestFileBytes || out_.size() > kMaxGuestFiles)
      throw field_error(s_, field_of(why),
                        fmt::format("the files brought into the guest come to more than {} MiB or {} files (at {}); "
                                    "name smaller files or folders beneath {{scenario_dir}}",
                                    kMaxGuestFileBytes >> 20, kMaxGuestFiles, p.string()));
    return true;
  }

  // The scenario field a reason names ("$.programs[0]"), for locating an error.
  std::string field_of(const std::string& why) const {
    if (why.rfind("$", 0) == 0) return why;
    for (auto it = out_.rbegin(); it != out_.rend(); ++it)
      if (it->why.rfind("$", 0) == 0) return it->why;
    return "$";
  }

  const Scenario& s_;
  const PlanPaths& paths_;
  const HostPathPolicy* policy_;
  fs::path dir_, real_dir_;
  std::vector<GuestFile> out_;
  std::set<fs::path> seen_;
  unsigned long long bytes_ = 0;
};

}  // namespace

std::vector<GuestFile> guest_files(const Scenario& s, const PlanPaths& paths, const HostPathPolicy* untrusted) {
  Selection sel(s, paths, untrusted);
  sel.scenario_file();
  // The guest validates the scenario as the host did, and that reads them
  // (its images are built on the host, so nothing else does).
  for (size_t i = 0; i < s.images.size(); ++i)
    for (size_t j = 0; j < s.images[i].files.size(); ++j)
      sel.image_file(s.images[i].files[j].from, fmt::format("$.images[{}].files[{}].from", i, j));
  for (size_t i = 0; i < s.programs.size(); ++i) sel.program(s.programs[i], fmt::format("$.programs[{}]", i), true);
  sel.command(s.workload.argv, "$.workload.argv");
  auto actions = [&](const std::vector<Action>& list, const std::string& base) {
    for (size_t i = 0; i < list.size(); ++i)
      if (list[i].kind == ActionKind::run) sel.command(list[i].argv, fmt::format("{}[{}].argv", base, i));
  };
  actions(s.setup, "$.setup");
  for (size_t f = 0; f < s.faults.size(); ++f) actions(s.faults[f].actions, fmt::format("$.faults[{}].actions", f));
  actions(s.finally, "$.finally");
  sel.harness_tools();
  return sel.take();
}

}  // namespace harness
