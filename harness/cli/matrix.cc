#include "cli/matrix.h"

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "base/atomic_write.h"
#include "base/error.h"
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

constexpr const char* kMatrixUsage =
    "usage: harness matrix --out DIR [--installer CMD] [--installers LIST] [--faults LIST] [--repeat K]\n"
    "                      [--backend host|vm] [-j N] [--shard I/N] [--kernel PATH] [--memory MIB] [--accel A]\n"
    "  runs every installer (legacy, regressed, hardened; with --installer also yours, a command with\n"
    "  {source} {dest} {name}, e.g. \"examples/gate/install-rename.sh {source} {dest} {name}\") against every\n"
    "  overwriting fault (redeploy while mounted, kill at random points, kill at the Nth write, ENOSPC,\n"
    "  racing installers, corrupted sidecars, root overwrite; EIO mid-copy where device-mapper is (always with\n"
    "  --backend vm); with --backend vm also a power cut at every flush),\n"
    "  K times each (default 1), and checks the\n"
    "  installer's invariants after each: DIR/matrix.json, DIR/matrix.md, DIR/matrix.html; every cell is\n"
    "  a scenario file in DIR/cells/. --installers/--faults keep only the named rows/columns (comma-separated).\n"
    "  With --shard I/N a stable subset runs; `harness merge` joins the shards.\n"
    "  --program P (repeatable): a program your installer calls (rsync, sha256sum; a bare name found in PATH,\n"
    "  or a path), brought into the guest with --backend vm: every cell's \"programs\".\n";

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
  for (size_t i = 0; i < args.size(); ++i) {
    auto value = [&](const char* flag) -> std::string {
      if (i + 1 >= args.size()) throw Error(ErrorKind::usage, fmt::format("{} needs a value", flag));
      return args[++i];
    };
    if (args[i] == "--installer") commands.push_back(value("--installer"));
    else if (args[i] == "--installers") only_installers = split_list(value("--installers"));
    else if (args[i] == "--faults") only_faults = split_list(value("--faults"));
    else if (args[i] == "--program") programs.push_back(value("--program"));
    else rest.push_back(args[i]);
  }
  RunOptionsArgs ra = parse_run_options(rest, 1);
  if (ra.help) {
    fmt::print("{}", kMatrixUsage);
    return kExitPass;
  }
  if (!ra.scenarios.empty())
    throw Error(ErrorKind::usage, fmt::format("matrix takes no scenario file (it derives its own), got {}\n{}",
                                              ra.scenarios[0].string(), kMatrixUsage));
  if (!ra.out) throw Error(ErrorKind::usage, std::string("matrix needs --out DIR\n") + kMatrixUsage);
  settle_run_options(ra);
  const fs::path dir = fs::absolute(*ra.out);

  std::vector<MatrixInstaller> installers = builtin_installers();
  for (const auto& c : commands) {
    try {
      installers.push_back(custom_installer(c, fs::current_path().string()));
    } catch (const std::invalid_argument& e) {
      throw Error(ErrorKind::usage, e.what());
    }
  }
  installers = keep_named(installers, only_installers, "--installers");
  // On the host backend, eio needs this kernel's device-mapper.
  const std::optional<std::string> no_dm = ra.backend == "vm" ? std::nullopt : device_mapper_missing();
  std::vector<MatrixFault> all_faults;
  for (const auto& f : matrix_faults())
    if ((!f.vm_only && !(f.device_mapper && no_dm)) || ra.backend == "vm" || only_faults) all_faults.push_back(f);
  std::vector<MatrixFault> faults = keep_named(all_faults, only_faults, "--faults");
  for (const auto& f : faults) {
    if (f.vm_only && ra.backend != "vm")
      throw Error(ErrorKind::usage, fmt::format("--faults {}: needs --backend vm (the power is cut on a VM's disk)", f.name));
    if (f.device_mapper && no_dm)
      throw EnvironmentError(fmt::format("--faults {}: {}", f.name, *no_dm));
  }
  std::error_code ec;
  if (fs::exists(dir / kMatrixFiles[0], ec))
    throw Error(ErrorKind::usage, fmt::format("{}: holds a matrix already; choose a new --out", dir.string()));

  std::vector<MatrixCell> cells = derive_cells(installers, faults);
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
  meta.backend = ra.backend;
  meta.repeat = ra.repeat;
  meta.legend = faults;
  for (const auto& i : installers) meta.installers.push_back(i.name);
  for (const auto& f : faults) meta.faults.push_back(f.name);
  std::map<std::string, CellRuns> runs;
  for (const auto& s : scenarios) {
    const MatrixCell* c = by_name.at(s.name);
    runs[s.name] = CellRuns{c->installer, c->fault, c->name};
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
    fmt::print("{:12} {:16} {:13} {}\n", it->second.installer, it->second.fault, last.value("verdict", ""),
               why.substr(0, 140));
    std::fflush(stdout);
  });
  meta.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<CellRuns> done;
  for (const auto& [_, c] : runs)
    if (c.runs) done.push_back(c);
  json m = build_matrix(meta, done);
  write_matrix_outputs(dir, m);
  fmt::print("\n{} cells: {} safe, {} unsafe, {} inconclusive, in {:.0f} s\nmatrix    {}\n", done.size(),
             m.value("safe_cells", 0u), m.value("unsafe_cells", 0u), m.value("inconclusive_cells", 0u), meta.seconds,
             (dir / kMatrixFiles[0]).string());
  return rc;
}

json merge_matrices(const std::vector<fs::path>& files, const fs::path& out) {
  std::vector<json> shards;
  for (const auto& f : files) {
    json m = json::parse(std::ifstream(f), nullptr, false);
    if (m.is_discarded() || !m.is_object() || !m.contains("cells"))
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
