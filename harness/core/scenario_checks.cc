#include "core/scenario_checks.h"

#include <dirent.h>
#include <fcntl.h>

#include <cerrno>
#include <fmt/format.h>

#include "base/edit_distance.h"
#include "base/program_lookup.h"

namespace harness {

namespace fs = std::filesystem;

namespace {

// " (did you mean "/dir/install.sh"?)" for a missing file whose directory
// holds one of a similar name.
std::string similar_file(const std::string& path) {
  fs::path p(path);
  std::error_code ec;
  if (!p.has_parent_path() || !fs::is_directory(p.parent_path(), ec)) return "";
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(p.parent_path(), ec)) names.push_back(e.path().filename().string());
  auto hint = closest_match(p.filename().string(), names);
  return hint ? fmt::format(" (did you mean \"{}\"?)", (p.parent_path() / *hint).string()) : "";
}

std::string as_written(const std::string& raw, const std::string& expanded) {
  return raw == expanded ? "" : fmt::format(" (written \"{}\")", raw);
}

// The names in a work directory, read beneath work/ like every run path.
std::vector<std::string> names_in(const RunDir& dir, const std::string& rel) {
  std::vector<std::string> names;
  try {
    ScopedFd fd = dir.open(rel.empty() ? "." : rel, O_RDONLY | O_DIRECTORY);
    DIR* d = fdopendir(fd.get());
    if (!d) return names;
    fd.release();
    while (dirent* e = readdir(d))
      if (std::string n = e->d_name; n != "." && n != "..") names.push_back(n);
    closedir(d);
  } catch (const Error&) {
  }
  return names;
}

bool under_work(const std::string& raw) { return raw.find("{work}") != std::string::npos; }

void check_one(const Scenario& s, const std::string& json_path, const std::string& raw, const PlanPaths& paths,
               bool path_search) {
  if (under_work(raw)) return;
  std::string prog = expand_placeholders(raw, paths);
  if (!path_search && prog.find('/') == std::string::npos) {
    ProgramLookup l = lookup_program(prog);
    throw field_error(s, json_path,
                      fmt::format("the workload's program is started without a PATH search, so \"{}\" would be "
                                  "looked for in the current directory: give its path{}",
                                  prog, l.found() ? fmt::format(" (\"{}\")", l.path.string()) : std::string()));
  }
  ProgramLookup l = lookup_program(prog);
  if (l.found()) return;
  std::string hint = l.err == ENOENT && prog.find('/') != std::string::npos ? similar_file(prog) : "";
  throw field_error(s, json_path, fmt::format("{}{}{}", l.why, as_written(raw, prog), hint));
}

}  // namespace

void check_programs(const Scenario& s, const PlanPaths& paths) {
  check_one(s, "$.workload.argv[0]", s.workload.argv.at(0), paths, false);
  for (size_t i = 0; i < s.setup.size(); ++i)
    if (s.setup[i].kind == ActionKind::run)
      check_one(s, fmt::format("$.setup[{}].argv[0]", i), s.setup[i].argv.at(0), paths, true);
  for (size_t f = 0; f < s.faults.size(); ++f)
    for (size_t a = 0; a < s.faults[f].actions.size(); ++a)
      if (s.faults[f].actions[a].kind == ActionKind::run)
        check_one(s, fmt::format("$.faults[{}].actions[{}].argv[0]", f, a), s.faults[f].actions[a].argv.at(0), paths,
                  true);
  for (size_t i = 0; i < s.finally.size(); ++i)
    if (s.finally[i].kind == ActionKind::run)
      check_one(s, fmt::format("$.finally[{}].argv[0]", i), s.finally[i].argv.at(0), paths, true);
  for (size_t i = 0; i < s.programs.size(); ++i) {
    std::string prog = expand_placeholders(s.programs[i], paths);
    ProgramLookup l = lookup_declared(prog);
    if (!l.found())
      throw field_error(s, fmt::format("$.programs[{}]", i), fmt::format("{}{}", l.why, as_written(s.programs[i], prog)));
  }
}

void check_workload_started(const Scenario& s, const std::vector<ExecEvent>& warmup) {
  if (warmup.empty()) return;
  const ExecOutcome& first = warmup.front().outcome;
  if (first.cls != ExecClass::exec_failed) return;
  if (first.err != ENOENT && first.err != EACCES && first.err != ENOEXEC) return;
  const std::string& prog = s.workload.argv.at(0);
  ProgramLookup l = lookup_program(prog);
  std::string why = l.found() ? fmt::format("{} could not be executed ({})", prog, errno_name(first.err)) : l.why;
  std::string hint = first.err == ENOENT ? similar_file(prog) : "";
  throw field_error(s, "$.workload.argv[0]",
                    fmt::format("{}{}: the first warm-up exec failed with {}, so no fault was run", why, hint,
                                errno_name(first.err)));
}

void check_mounted_images(const Scenario& s, const RunDir& dir) {
  for (size_t i = 0; i < s.mounts.size(); ++i) {
    try {
      dir.open(s.mounts[i].image, O_RDONLY);
    } catch (const SystemError& e) {
      if (e.err() != ENOENT) throw;
      fs::path image(s.mounts[i].image);
      std::vector<std::string> names;
      for (const auto& n : names_in(dir, image.parent_path().string()))
        names.push_back((image.parent_path() / n).generic_string());
      auto hint = closest_match(s.mounts[i].image, names);
      throw field_error(s, fmt::format("$.mounts[{}].image", i),
                        fmt::format("{} does not exist after setup: no image, copy or setup action made it, so "
                                    "there is nothing to mount{}",
                                    s.mounts[i].image, hint ? fmt::format(" (did you mean \"{}\"?)", *hint) : ""));
    }
  }
}

}  // namespace harness
