#include "cli/shard_file.h"
#include "cli/matrix.h"
#include "cli/usage.h"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "base/atomic_write.h"
#include "base/error.h"
#include "base/terminal_text.h"
#include "cli/derived_runs.h"
#include "cli/exit_code.h"
#include "cli/run_options.h"
#include "core/matrix.h"
#include "host/device_mapper.h"
#include "report/matrix_report.h"

namespace harness {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kMatrixFiles[] = {"matrix.json", "matrix.md", "matrix.html"};

void write_matrix_outputs(const fs::path& dir, const json& m) {
  write_file_atomically(dir / kMatrixFiles[0], m.dump(2) + "\n");
  write_file_atomically(dir / kMatrixFiles[1], matrix_markdown(m));
  write_file_atomically(dir / kMatrixFiles[2], matrix_html(m));
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string w; std::getline(in, w, ',');)
    if (!w.empty()) out.push_back(w);
  return out;
}

template <typename T>
std::vector<T> keep_named(const std::vector<T>& all, const std::optional<std::vector<std::string>>& names,
                          const char* flag) {
  if (!names) return all;
  std::vector<T> out;
  for (const auto& n : *names) {
    auto it = std::find_if(all.begin(), all.end(), [&](const T& t) { return t.name == n; });
    if (it == all.end()) {
      std::vector<std::string> known;
      for (const auto& t : all) known.push_back(t.name);
      throw Error(ErrorKind::usage, fmt::format("{}: no \"{}\" (known: {})", flag, n, fmt::join(known, ", ")));
    }
    out.push_back(*it);
  }
  return out;
}

}  // namespace

int cmd_matrix(const std::vector<std::string>& args) {
  // The matrix's own options; the rest are every run command's.
  std::vector<std::string> rest;
  std::vector<std::string> commands;
  std::optional<std::vector<std::string>> only_installers, only_faults;
  std::vector<std::string> programs;  // what the user's installers call (every cell's "programs")
  GateRules rules;
  for (size_t i = 0; i < args.size(); ++i) {
    auto value = [&](const char* flag) -> std::string {
      if (i + 1 >= args.size()) throw Error(ErrorKind::usage, fmt::format("{} needs a value", flag));
      return args[++i];
    };
    if (args[i] == "--installer") commands.push_back(value("--installer"));
    else if (args[i] == "--installers") only_installers = split_list(value("--installers"));
    else if (args[i] == "--faults") only_faults = split_list(value("--faults"));
    else if (args[i] == "--program") programs.push_back(value("--program"));
    else if (args[i] == "--allow-unsafe" || args[i] == "--require-safe") {
      auto& to = args[i] == "--allow-unsafe" ? rules.allow_unsafe : rules.require_safe;
      try {
        for (auto& c : parse_cell_refs(args[i], value(args[i].c_str()))) to.push_back(std::move(c));
      } catch (const std::invalid_argument& e) {
        throw Error(ErrorKind::usage, e.what());
      }
    } else rest.push_back(args[i]);
  }
  RunOptionsArgs ra = parse_run_options(rest, 1);
  if (ra.help) {
    fmt::print("{}", usage_text("matrix"));
    return kExitPass;
  }
  if (!ra.scenarios.empty())
    throw Error(ErrorKind::usage, fmt::format("matrix takes no scenario file (it derives its own), got {}\n{}",
                                              ra.scenarios[0].string(), usage_text("matrix")));
  if (!ra.out) throw Error(ErrorKind::usage, "matrix needs --out DIR\n" + usage_text("matrix"));
  settle_run_options(ra);
  const fs::path dir = fs::absolute(*ra.out);

  std::vector<MatrixInstaller> installers = builtin_installers();
  try {
    for (const auto& c : commands) installers.push_back(custom_installer(c, fs::current_path().string()));
    check_row_names(installers);
    check_gate_rules(rules, installers);
  } catch (const std::invalid_argument& e) {
    throw Error(ErrorKind::usage, e.what());
  }
  installers = keep_named(installers, only_installers, "--installers");
  // On the host backend, eio needs this kernel's device-mapper.
  const std::optional<std::string> no_dm = ra.backend == BackendKind::vm ? std::nullopt : device_mapper_missing();
  std::vector<MatrixFault> all_faults;
  for (const auto& f : matrix_faults())
    if ((!f.vm_only && !(f.device_mapper && no_dm)) || ra.backend == BackendKind::vm || only_faults) all_faults.push_back(f);
  std::vector<MatrixFault> faults = keep_named(all_faults, only_faults, "--faults");
  for (const auto& f : faults) {
    if (f.vm_only && ra.backend != BackendKind::vm)
      throw Error(ErrorKind::usage, fmt::format("--faults {}: needs --backend vm (the power is cut on a VM's disk)", f.name));
    if (f.device_mapper && no_dm)
      throw EnvironmentError(fmt::format("--faults {}: {}", f.name, *no_dm));
  }
  std::error_code ec;
  if (fs::exists(dir / kMatrixFiles[0], ec))
    throw Error(ErrorKind::usage, fmt::format("{}: holds a matrix already; choose a new --out", dir.string()));

  std::vector<MatrixCell> cells = derive_cells(installers, faults, rules);
  if (!programs.empty())
    for (auto& c : cells) c.scenario["programs"] = programs;
  std::vector<DerivedScenario> docs;
  std::map<std::string, const MatrixCell*> by_name;
  for (const auto& c : cells) {
    docs.push_back({c.name + ".json", c.scenario});
    by_name[c.name] = &c;
  }
  std::vector<Scenario> scenarios = write_derived(docs, dir, "cells", ra);

  MatrixMeta meta;
  meta.backend = to_string(ra.backend);
  meta.repeat = ra.repeat;
  meta.legend = faults;
  for (const auto& i : installers) meta.installers.push_back(i.name);
  for (const auto& f : faults) meta.faults.push_back(f.name);
  std::map<std::string, CellRuns> runs;
  for (const auto& s : scenarios) {
    const MatrixCell* c = by_name.at(s.name);
    runs[s.name] = CellRuns{c->installer, c->fault, c->name, c->expected_unsafe};
  }
  auto t0 = std::chrono::steady_clock::now();
  int rc = run_derived(scenarios, dir, ra, [&](const RunOutcome&, const json& report) {
    auto it = runs.find(report.value("scenario", ""));
    if (it == runs.end()) return;
    add_cell_run(it->second, report, report["run"].value("run_dir", ""));
    const json& last = it->second.evidence.back();
    std::string why;
    for (const auto& f : last.value("failed", json::array())) {
      why = f.get<std::string>();
      break;
    }
    // The reason may quote a guest's words (an installer's stderr).
    fmt::print("{:12} {:16} {:13} {}\n", it->second.installer, it->second.fault, terminal_safe(last.value("verdict", "")),
               terminal_safe(shorten_at_word(why, 140)));
    std::fflush(stdout);
  });
  meta.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<CellRuns> done;
  for (const auto& [_, c] : runs)
    if (c.runs) done.push_back(c);
  json m = build_matrix(meta, done);
  write_matrix_outputs(dir, m);
  fmt::print("\n{} cells in {:.0f} s: {}\n{}\nmatrix    {}\n", done.size(), meta.seconds, matrix_counts_text(m),
             gate_text(m), (dir / kMatrixFiles[0]).string());
  return more_serious(rc, matrix_exit_code(done));
}

json merge_matrices(const std::vector<fs::path>& files, const fs::path& out) {
  std::vector<json> shards;
  for (const auto& f : files) {
    json m = read_shard_file(f, "matrix.json");
    if (!m.contains("cells"))
      throw Error(ErrorKind::invalid_scenario, fmt::format("{}: not a matrix.json", f.string()));
    // Run directories are relative to each shard's folder; make them
    // relative to the merged one.
    for (auto& c : m["cells"])
      for (auto& e : c["evidence"])
        e["run_dir"] = fs::relative(f.parent_path() / e.value("run_dir", ""), out).string();
    shards.push_back(std::move(m));
  }
  json merged = join_matrices(shards);
  std::error_code ec;
  fs::create_directories(out, ec);
  write_matrix_outputs(out, merged);
  return merged;
}

}  // namespace harness
