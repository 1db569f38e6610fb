#include "cli/shard_file.h"
#include "cli/ablate.h"
#include "cli/usage.h"

#include <sys/stat.h>

#include <fmt/format.h>

#include <fstream>
#include <map>
#include <sstream>

#include "base/atomic_write.h"
#include "base/error.h"
#include "base/interrupt.h"
#include "base/process_group.h"
#include "cli/derived_runs.h"
#include "cli/exit_code.h"
#include "cli/gc.h"
#include "cli/run_options.h"
#include "cli/untrusted_mode.h"
#include "core/ablation.h"
#include "core/scenario.h"
#include "core/sizing.h"
#include "host/mount_namespace.h"
#include "report/ablation_report.h"
#include "report/report_load.h"

namespace harness {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kAblationFiles[] = {"ablation.json", "ablation.md", "ablation.html"};

json read_jsonc(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return json::parse(buf.str(), nullptr, true, /*ignore_comments=*/true);
}

void write_ablation_outputs(const fs::path& dir, const json& a) {
  write_file_atomically(dir / kAblationFiles[0], a.dump(2) + "\n");
  write_file_atomically(dir / kAblationFiles[1], ablation_markdown(a));
  write_file_atomically(dir / kAblationFiles[2], ablation_html(a));
}

}  // namespace

int cmd_ablate(const std::vector<std::string>& args) {
  RunOptionsArgs ra = parse_run_options(args, 5);
  if (ra.help) {
    fmt::print("{}", usage_text("ablate"));
    return kExitPass;
  }
  if (ra.scenarios.size() != 1)
    throw Error(ErrorKind::usage, fmt::format("ablate takes one scenario file, got {}\n{}", ra.scenarios.size(), usage_text("ablate")));
  if (!ra.out) throw Error(ErrorKind::usage, "ablate needs --out DIR\n" + usage_text("ablate"));
  settle_run_options(ra);
  const fs::path scenario_file = fs::absolute(ra.scenarios[0]);
  const fs::path dir = fs::absolute(*ra.out);

  // Validate the original first: an invalid file creates nothing.
  Scenario original = load_scenario(scenario_file, ra.vm.untrusted ? &*ra.vm.untrusted : nullptr);
  if (ra.vm.untrusted) {
    check_untrusted_scenario(original, *ra.vm.untrusted);
    // The variants name the original's files from --out/variants.
    ra.vm.untrusted = ra.vm.untrusted->also_allowing(scenario_file.parent_path());
  }
  std::vector<Variant> variants = derive_variants(read_jsonc(scenario_file), scenario_file.parent_path().string());
  std::error_code ec;
  if (fs::exists(dir / kAblationFiles[0], ec))
    throw Error(ErrorKind::usage, fmt::format("{}: holds an ablation already; choose a new --out", dir.string()));

  // Every variant as a scenario file a user can rerun or edit; each is
  // checked by the parser before anything runs.
  std::vector<DerivedScenario> docs;
  for (const auto& v : variants) docs.push_back({v.name + ".json", v.scenario});
  std::vector<Scenario> scenarios = write_derived(docs, dir, "variants", ra);
  std::map<std::string, const Variant*> by_scenario_name;
  std::vector<const Variant*> mine;
  for (const auto& v : variants) {
    by_scenario_name[v.scenario.value("name", "")] = &v;
    for (const auto& s : scenarios)
      if (s.name == v.scenario.value("name", "")) mine.push_back(&v);
  }
  if (scenarios.empty()) return kExitPass;

  std::map<std::string, VariantRuns> pools;
  int rc = run_derived(scenarios, dir, ra, [&](const RunOutcome&, const json& report) {
    auto it = by_scenario_name.find(report.value("scenario", ""));
    if (it == by_scenario_name.end()) return;
    VariantRuns& pool = pools[it->second->name];
    pool.name = it->second->name;
    add_run(pool, report);
    VariantRuns one;
    add_run(one, report);
    fmt::print("{:48} {} crashes in {} execs after the warm-up; {}\n", it->second->name, one.crashes, one.execs,
               one.breach_runs ? "wrote the mounted image" : "no write to a mounted image");
    std::fflush(stdout);
  });
  std::vector<AblationRow> rows;
  for (const Variant* v : mine)
    if (pools.count(v->name)) rows.push_back(AblationRow{*v, pools[v->name]});
  json a = build_ablation(original.name, ra.repeat, std::string(to_string(ra.backend)), rows);
  write_ablation_outputs(dir, a);
  fmt::print("\n{}\n\n", ablation_sentence(a));
  fmt::print("ablation  {}\n", (dir / kAblationFiles[0]).string());
  return rc;
}

json merge_ablations(const std::vector<fs::path>& files, const fs::path& out) {
  std::vector<AblationRow> rows;
  std::string scenario, backend;
  unsigned repeat = 0;
  for (const auto& f : files) {
    json a = read_shard_file(f, "ablation.json");
    std::string s = a.value("scenario", "");
    if (!scenario.empty() && s != scenario)
      throw Error(ErrorKind::usage, fmt::format("{}: an ablation of {}, not of {}", f.string(), s, scenario));
    scenario = s;
    backend = a.value("backend", "host");
    repeat = std::max(repeat, a.value("repeat", 0u));
    // Run directories are relative to each shard's folder; make them
    // relative to the merged one.
    for (auto r : ablation_rows(a)) {
      for (auto& d : r.runs.run_dirs) d = fs::relative(f.parent_path() / d, out).string();
      rows.push_back(std::move(r));
    }
  }
  json merged = build_ablation(scenario, repeat, backend, rows);
  std::error_code ec;
  fs::create_directories(out, ec);
  write_ablation_outputs(out, merged);
  return merged;
}

}  // namespace harness
