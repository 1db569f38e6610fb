#include "report/ablation_report.h"

#include <fmt/format.h>

#include "report/report_html.h"
#include "report/report_md.h"
#include "report/report_view.h"

namespace harness {

using nlohmann::json;

namespace {

json pool_to_json(const VariantRuns& r) {
  return json{{"runs", r.runs},
              {"crash_runs", r.crash_runs},
              {"breach_runs", r.breach_runs},
              {"failed_runs", r.failed_runs},
              {"counts", {{"execs", r.execs}, {"crashes", r.crashes}}},
              {"run_dirs", r.run_dirs}};
}

VariantRuns pool_from_json(const std::string& name, const json& j) {
  VariantRuns r;
  r.name = name;
  r.runs = j.value("runs", 0u);
  r.crash_runs = j.value("crash_runs", 0u);
  r.breach_runs = j.value("breach_runs", 0u);
  r.failed_runs = j.value("failed_runs", 0u);
  const json& c = j.value("counts", json::object());
  r.execs = c.value("execs", 0UL);
  r.crashes = c.value("crashes", 0UL);
  r.run_dirs = j.value("run_dirs", std::vector<std::string>{});
  return r;
}

std::string percent_interval(const BinomialInterval& ci) {
  return fmt::format("{:.3g}..{:.3g}", ci.low, ci.high);
}

}  // namespace

json build_ablation(const std::string& scenario, unsigned repeat, const std::string& backend,
                    const std::vector<AblationRow>& rows) {
  json out{{"scenario", scenario}, {"repeat", repeat}, {"backend", backend}, {"ingredients", json::array()}};
  const AblationRow* original = nullptr;
  for (const auto& r : rows)
    if (r.variant.name == "original") original = &r;
  if (original) {
    json o = pool_to_json(original->runs);
    o["ci95"] = percent_interval(clopper_pearson(original->runs.crashes, original->runs.execs, 0.95));
    out["original"] = o;
  }
  for (const auto& r : rows) {
    if (r.variant.name == "original") continue;
    json row = pool_to_json(r.runs);
    row["name"] = r.variant.name;
    row["ingredient"] = r.variant.ingredient;
    row["description"] = r.variant.description;
    row["scenario_file"] = "variants/" + r.variant.name + ".json";
    BinomialInterval ci = clopper_pearson(r.runs.crashes, r.runs.execs, 0.95);
    row["ci95"] = percent_interval(ci);
    if (original) {
      IngredientResult res = judge(original->runs, r.runs);
      row["necessary"] = std::string(to_string(res.necessity));
      row["effect"] = res.effect;
    } else {
      // A shard without the original: `harness merge` judges once joined.
      row["necessary"] = nullptr;
      row["effect"] = nullptr;
    }
    out["ingredients"].push_back(std::move(row));
  }
  return out;
}

std::vector<AblationRow> ablation_rows(const json& ablation) {
  std::vector<AblationRow> rows;
  if (ablation.contains("original") && ablation["original"].is_object()) {
    AblationRow o;
    o.variant.name = "original";
    o.variant.ingredient = "nothing (the scenario as written)";
    o.runs = pool_from_json("original", ablation["original"]);
    rows.push_back(std::move(o));
  }
  for (const auto& i : array_or_empty(ablation, "ingredients")) {
    AblationRow r;
    r.variant.name = str_or(i, "name");
    r.variant.ingredient = str_or(i, "ingredient");
    r.variant.description = str_or(i, "description");
    r.runs = pool_from_json(r.variant.name, i);
    rows.push_back(std::move(r));
  }
  return rows;
}

std::string ablation_sentence(const json& ablation) {
  std::vector<std::string> needs, helps, not_needed, undecided;
  for (const auto& i : array_or_empty(ablation, "ingredients")) {
    std::string n = str_or(i, "necessary");
    if (n == "necessary") needs.push_back(str_or(i, "description"));
    else if (n == "contributing") helps.push_back(str_or(i, "description"));
    else if (n == "not needed") not_needed.push_back(str_or(i, "description"));
    else if (n == "undecided") undecided.push_back(str_or(i, "description"));
  }
  const json& o = object_or_empty(ablation, "original");
  std::string symptom = count_or(o, "crash_runs") > 0 ? "The crash" : "The write to the mounted image";
  if (count_or(o, "crash_runs") == 0 && count_or(o, "breach_runs") == 0 && count_or(o, "failed_runs") > 0)
    return fmt::format("{} of the original scenario's runs stopped on an error and none showed the symptom: nothing "
                       "was decided (see their reports, and rerun).",
                       count_or(o, "failed_runs"));
  if (count_or(o, "crash_runs") == 0 && count_or(o, "breach_runs") == 0)
    return "The original scenario showed neither a crash nor a write to a mounted image: nothing to explain.";
  std::string s = fmt::format("{} needs: {}.", symptom, needs.empty() ? "none of the ingredients alone" : fmt::format("{}", fmt::join(needs, "; ")));
  if (!helps.empty()) s += fmt::format(" Makes it more likely: {}.", fmt::join(helps, "; "));
  if (!not_needed.empty()) s += fmt::format(" Not needed: {}.", fmt::join(not_needed, "; "));
  if (!undecided.empty())
    s += fmt::format(" Undecided, because runs stopped on an error (rerun them): {}.", fmt::join(undecided, "; "));
  return s;
}

std::string ablation_markdown(const json& a) {
  std::string out = fmt::format("# Ablation: {}\n\n", md_escape(str_or(a, "scenario")));
  out += ablation_sentence(a) + "\n\n";
  const json& o = object_or_empty(a, "original");
  out += fmt::format("Each variant removes or weakens one ingredient and ran {} times on the {} backend beside the "
                     "original ({} of {} runs crashed; {} crashes in {} execs after the warm-up, 95% CI {}).\n\n",
                     count_or(a, "repeat"), str_or(a, "backend", "host"), count_or(o, "crash_runs"),
                     count_or(o, "runs"), count_or(object_or_empty(o, "counts"), "crashes"),
                     count_or(object_or_empty(o, "counts"), "execs"), str_or(o, "ci95", "?"));
  out += "| without | verdict | runs with a crash | crashes / execs | 95% CI | runs with a write | variant |\n";
  out += "|---|---|---:|---:|---|---:|---|\n";
  for (const auto& i : array_or_empty(a, "ingredients")) {
    const json& c = object_or_empty(i, "counts");
    out += fmt::format("| {} | **{}** | {} / {} | {} / {} | {} | {} / {} | `{}` |\n", md_escape(str_or(i, "ingredient")),
                       str_or(i, "necessary", "not judged"), count_or(i, "crash_runs"), count_or(i, "runs"),
                       count_or(c, "crashes"), count_or(c, "execs"), str_or(i, "ci95"), count_or(i, "breach_runs"),
                       count_or(i, "runs"), str_or(i, "scenario_file"));
  }
  out += "\nnecessary: the symptom is gone in every run without it; contributing: it remains, but its rate's 95% "
         "Clopper-Pearson interval lies below the original's; not needed: otherwise; undecided: a run of the variant "
         "or of the original stopped on an error.\n";
  return out;
}

std::string ablation_html(const json& a) {
  std::string body = fmt::format("<h1>Ablation: {}</h1>\n<p class=\"lead\">{}</p>\n", html_escape(str_or(a, "scenario")),
                                 html_escape(ablation_sentence(a)));
  body += "<table><thead><tr><th>without</th><th>verdict</th><th>runs with a crash</th><th>crashes / execs</th>"
          "<th>95% CI</th><th>runs with a write</th><th>runs</th></tr></thead><tbody>\n";
  for (const auto& i : array_or_empty(a, "ingredients")) {
    const json& c = object_or_empty(i, "counts");
    std::string links;
    unsigned k = 0;
    for (const auto& d : array_or_empty(i, "run_dirs"))
      if (d.is_string())
        links += fmt::format("<a href=\"{}/report.html\">{}</a> ", html_escape(d.get<std::string>()), ++k);
    body += fmt::format(
        "<tr><td>{}</td><td><b>{}</b></td><td>{} / {}</td><td>{} / {}</td><td>{}</td><td>{} / {}</td><td>{}"
        "<br><a href=\"{}\">scenario</a></td></tr>\n",
        html_escape(str_or(i, "ingredient")), html_escape(str_or(i, "necessary", "not judged")),
        count_or(i, "crash_runs"), count_or(i, "runs"), count_or(c, "crashes"), count_or(c, "execs"),
        html_escape(str_or(i, "ci95")), count_or(i, "breach_runs"), count_or(i, "runs"), links,
        html_escape(str_or(i, "scenario_file")));
  }
  body += "</tbody></table>\n";
  return html_document("Ablation: " + str_or(a, "scenario"), body);
}

}  // namespace harness
