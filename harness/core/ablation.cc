#include "core/ablation.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>

#include "core/exec_class.h"

namespace harness {

using nlohmann::json;

namespace {

// A variant of `base` under a new name, with `edit` applied; nullopt when
// the edit does not apply.
Variant make(const json& base, const std::string& suffix, const std::string& ingredient,
             const std::string& description, const std::function<bool(json&)>& edit) {
  Variant v;
  v.name = suffix;
  v.ingredient = ingredient;
  v.description = description;
  v.scenario = base;
  v.scenario["name"] = base.value("name", std::string("scenario")) + "--" + suffix;
  if (!edit(v.scenario)) v.name.clear();
  return v;
}

json& faults_of(json& s) {
  if (!s.contains("faults") || !s["faults"].is_array()) s["faults"] = json::array();
  return s["faults"];
}

// Expectations that name a fault which no longer exists would make the
// variant invalid; they describe the original, so they go with it.
void drop_expectations_of_missing_faults(json& s) {
  if (!s.contains("expect")) return;
  std::set<std::string> names;
  for (const auto& f : faults_of(s)) names.insert(f.value("name", ""));
  json kept = json::array();
  for (const auto& e : s["expect"])
    if (!(e.contains("fault_outcome") && e.contains("fault") && !names.count(e["fault"].get<std::string>())))
      kept.push_back(e);
  // A scenario needs one expectation: the symptom count the ablation reads
  // is in every report anyway.
  if (kept.empty()) kept.push_back({{"classes", {"sigsegv", "sigbus"}}, {"at_least", 1}});
  s["expect"] = kept;
}

bool is_eviction(const json& a) {
  std::string k = a.value("action", "");
  return k == "drop_caches" || k == "evict";
}

std::string action_word(const json& a) {
  std::string k = a.value("action", "?");
  if (a.contains("label") && a["label"].is_string()) return fmt::format("{} ({})", k, a["label"].get<std::string>());
  return k;
}

}  // namespace

// {scenario_dir} in argv strings and relative images[].files[].from are
// relative to the original file; the variants live elsewhere.
void rebase(json& s, const std::string& dir) {
  if (dir.empty()) return;
  auto fix_argv = [&](json& action_or_workload) {
    if (!action_or_workload.contains("argv") || !action_or_workload["argv"].is_array()) return;
    for (auto& a : action_or_workload["argv"]) {
      if (!a.is_string()) continue;
      std::string v = a.get<std::string>();
      for (size_t at; (at = v.find("{scenario_dir}")) != std::string::npos;) v.replace(at, 14, dir);
      a = v;
    }
  };
  if (s.contains("workload")) fix_argv(s["workload"]);
  for (const char* list : {"setup", "finally"})
    if (s.contains(list) && s[list].is_array())
      for (auto& a : s[list]) fix_argv(a);
  for (auto& f : faults_of(s))
    if (f.contains("actions") && f["actions"].is_array())
      for (auto& a : f["actions"]) fix_argv(a);
  if (s.contains("images") && s["images"].is_array())
    for (auto& img : s["images"])
      if (img.contains("files") && img["files"].is_array())
        for (auto& f : img["files"])
          if (f.contains("from") && f["from"].is_string() && !f["from"].get<std::string>().empty() &&
              f["from"].get<std::string>().front() != '/')
            f["from"] = dir + "/" + f["from"].get<std::string>();
}

std::vector<Variant> derive_variants(const json& original, const std::string& scenario_dir) {
  json base = original;
  base.erase("$schema");
  rebase(base, scenario_dir);
  // Rates compare only over runs of full length.
  base["early_stop"] = false;
  std::vector<Variant> out;
  Variant o;
  o.name = "original";
  o.ingredient = "nothing (the scenario as written)";
  o.scenario = base;
  out.push_back(o);
  // A variant the same as an earlier one (cache eviction that was one
  // fault action) is that one.
  auto add = [&](Variant v) {
    if (v.name.empty()) return;
    json body = v.scenario;
    body.erase("name");
    for (const auto& w : out) {
      json other = w.scenario;
      other.erase("name");
      if (other == body) return;
    }
    out.push_back(std::move(v));
  };

  const json faults = base.contains("faults") ? base["faults"] : json::array();
  for (size_t i = 0; i < faults.size(); ++i) {
    std::string fname = faults[i].value("name", fmt::format("{}", i));
    const json actions = faults[i].value("actions", json::array());
    bool evicts_only = !actions.empty() && std::all_of(actions.begin(), actions.end(), is_eviction);
    add(make(base, "without-fault-" + fname, fmt::format("fault \"{}\"", fname),
             evicts_only ? fmt::format("cache eviction (fault \"{}\")", fname) : fmt::format("fault \"{}\"", fname),
             [&](json& s) {
               auto& f = faults_of(s);
               f.erase(f.begin() + static_cast<long>(i));
               drop_expectations_of_missing_faults(s);
               return true;
             }));
    for (size_t k = 0; k < actions.size() && actions.size() > 1; ++k)
      add(make(base, fmt::format("without-{}-action-{}-{}", fname, k + 1, actions[k].value("action", "?")),
               fmt::format("action {} of fault \"{}\": {}", k + 1, fname, action_word(actions[k])),
               is_eviction(actions[k])
                   ? fmt::format("cache eviction ({} in fault \"{}\")", action_word(actions[k]), fname)
                   : fmt::format("{} in fault \"{}\"", action_word(actions[k]), fname),
               [&](json& s) {
                 auto& a = faults_of(s)[i]["actions"];
                 a.erase(a.begin() + static_cast<long>(k));
                 return true;
               }));
    for (size_t k = 0; k < actions.size(); ++k) {
      const json& a = actions[k];
      if (a.value("action", "") == "overwrite_truncate") {
        std::string to = a.value("to", "the image");
        add(make(base, fmt::format("{}-{}-overwrite-without-truncation", fname, k + 1),
                 fmt::format("truncation in fault \"{}\" (overwrite in place instead)", fname),
                 fmt::format("a truncating rewrite of {}", to), [&](json& s) {
                   faults_of(s)[i]["actions"][k]["action"] = "overwrite";
                   faults_of(s)[i]["actions"][k].erase("label");
                   return true;
                 }));
        add(make(base, fmt::format("{}-{}-atomic-replace", fname, k + 1),
                 fmt::format("the in-place rewrite in fault \"{}\" (temp file + rename instead)", fname),
                 fmt::format("rewriting {} in place (a rename is safe)", to), [&](json& s) {
                   faults_of(s)[i]["actions"][k]["action"] = "atomic_replace";
                   faults_of(s)[i]["actions"][k].erase("label");
                   return true;
                 }));
      }
      // An installer the scenario runs in its regressed mode: the same
      // installer, hardened.
      if (a.value("action", "") == "run" && a.contains("argv") && a["argv"].is_array()) {
        json argv = a["argv"];
        bool swapped = false;
        for (size_t j = 0; j + 1 < argv.size(); ++j)
          if (argv[j] == "--mode" && argv[j + 1] == "regressed") {
            argv[j + 1] = "hardened";
            swapped = true;
          }
        if (swapped)
          add(make(base, fmt::format("{}-{}-hardened-installer", fname, k + 1),
                   fmt::format("the regressed installer in fault \"{}\" (hardened instead)", fname),
                   "the regressed installer (the hardened one in its place prevents it)", [&](json& s) {
                     faults_of(s)[i]["actions"][k]["argv"] = argv;
                     faults_of(s)[i]["actions"][k]["label"] = "stack-install (hardened)";
                     return true;
                   }));
      }
    }
  }

  // Cache eviction, everywhere at once (drop_caches, evict).
  add(make(base, "without-cache-eviction", "cache eviction (drop_caches, evict)", "cache eviction", [&](json& s) {
    bool any = false;
    json kept_faults = json::array();
    for (auto f : faults_of(s)) {
      json kept = json::array();
      for (const auto& a : f.value("actions", json::array())) {
        if (is_eviction(a)) any = true;
        else kept.push_back(a);
      }
      if (kept.empty()) continue;  // a fault that only evicted goes with it
      f["actions"] = kept;
      kept_faults.push_back(f);
    }
    s["faults"] = kept_faults;
    drop_expectations_of_missing_faults(s);
    return any;
  }));

  const json workload = base.value("workload", json::object());
  if (workload.value("concurrency", 1) > 1)
    add(make(base, "concurrency-1", "concurrent execs (one at a time instead)", "concurrent execs", [](json& s) {
      s["workload"]["concurrency"] = 1;
      return true;
    }));
  if (workload.value("warmup", 3) > 1)
    add(make(base, "warmup-1", "the warm-up (one exec instead)", "a warm page cache before the faults", [](json& s) {
      s["workload"]["warmup"] = 1;
      return true;
    }));
  return out;
}

void add_run(VariantRuns& pool, const json& report) {
  const json& run = report.value("run", json::object());
  if (run.is_object() && run.contains("run_dir")) pool.run_dirs.push_back(run.value("run_dir", ""));
  bool failed = report.value("verdict", "") == "error" ||
                (run.is_object() && ((run.contains("error") && run["error"].is_string()) ||
                                     run.value("interrupted", false)));
  if (failed) {
    ++pool.failed_runs;
    return;
  }
  ++pool.runs;
  auto count = [&](const char* key, std::string_view cls) -> unsigned long {
    const json& c = report.value(key, json::object());
    return c.is_object() ? c.value(std::string(cls), 0UL) : 0UL;
  };
  unsigned long crashes = 0, execs = 0;
  for (ExecClass c : kAllExecClasses) {
    auto name = to_string(c);
    unsigned long after_warmup = count("counts", name) - std::min(count("counts", name), count("counts_warmup", name));
    execs += after_warmup;
    if (is_crash(c)) crashes += after_warmup;
  }
  pool.execs += execs;
  pool.crashes += crashes;
  if (crashes) ++pool.crash_runs;
  if (report.contains("writers") && report["writers"].is_array() && !report["writers"].empty()) ++pool.breach_runs;
}

std::string_view to_string(Necessity n) {
  switch (n) {
    case Necessity::necessary: return "necessary";
    case Necessity::contributing: return "contributing";
    case Necessity::not_needed: return "not needed";
    case Necessity::no_symptom: return "no symptom to explain";
    case Necessity::undecided: return "undecided";
  }
  return "?";
}

IngredientResult judge(const VariantRuns& original, const VariantRuns& variant) {
  IngredientResult r;
  r.ci95 = clopper_pearson(variant.crashes, variant.execs, 0.95);
  if (original.failed_runs || variant.failed_runs || variant.runs == 0 || original.runs == 0) {
    r.necessity = Necessity::undecided;
    r.effect = fmt::format("{} of its {} runs and {} of the original's {} stopped on an error (see their reports)",
                           variant.failed_runs, variant.runs + variant.failed_runs, original.failed_runs,
                           original.runs + original.failed_runs);
    return r;
  }
  if (original.crash_runs > 0) {
    r.effect = fmt::format("crashes in {} of {} runs (original: {} of {}); {} in {} execs (original: {} in {})",
                           variant.crash_runs, variant.runs, original.crash_runs, original.runs, variant.crashes,
                           variant.execs, original.crashes, original.execs);
    BinomialInterval o = clopper_pearson(original.crashes, original.execs, 0.95);
    if (variant.crash_runs == 0) r.necessity = Necessity::necessary;
    else if (r.ci95.high < o.low) r.necessity = Necessity::contributing;
    else r.necessity = Necessity::not_needed;
    return r;
  }
  if (original.breach_runs > 0) {
    r.effect = fmt::format("a write to a mounted image in {} of {} runs (original: {} of {})", variant.breach_runs,
                           variant.runs, original.breach_runs, original.runs);
    BinomialInterval o = clopper_pearson(original.breach_runs, original.runs, 0.95);
    BinomialInterval v = clopper_pearson(variant.breach_runs, variant.runs, 0.95);
    if (variant.breach_runs == 0) r.necessity = Necessity::necessary;
    else if (v.high < o.low) r.necessity = Necessity::contributing;
    else r.necessity = Necessity::not_needed;
    return r;
  }
  r.necessity = Necessity::no_symptom;
  r.effect = "the original showed neither a crash nor a write to a mounted image";
  return r;
}

}  // namespace harness
