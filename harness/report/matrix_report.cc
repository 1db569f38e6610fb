#include "report/matrix_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "report/report_html.h"
#include "report/report_md.h"
#include "report/report_view.h"

namespace harness {

using nlohmann::json;

namespace {

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

const json* cell_at(const json& m, const std::string& installer, const std::string& fault) {
  for (const auto& c : array_or_empty(m, "cells"))
    if (str_or(c, "installer") == installer && str_or(c, "fault") == fault) return &c;
  return nullptr;
}

// The first failed invariant of a cell, shortened, for the table.
std::string why(const json& cell) {
  for (const auto& e : array_or_empty(cell, "evidence"))
    for (const auto& f : array_or_empty(e, "failed"))
      if (f.is_string()) {
        std::string s = f.get<std::string>();
        return s.size() > 160 ? s.substr(0, 157) + "..." : s;
      }
  return "";
}

std::string verdict_word(const json& c) {
  std::string s = str_or(c, "state", c.value("safe", false) ? "safe" : "unsafe");
  return s == "unsafe" ? "UNSAFE" : s;
}

}  // namespace

json build_matrix(const MatrixMeta& meta, const std::vector<CellRuns>& cells) {
  json out{{"backend", meta.backend}, {"repeat", meta.repeat}, {"seconds", meta.seconds},
           {"installers", meta.installers}, {"faults", meta.faults}, {"cells", json::array()}};
  json legend = json::object();
  for (const auto& f : meta.legend) legend[f.name] = {{"description", f.description}, {"mounted", f.mounted}};
  out["legend"] = legend;
  for (const auto& installer : meta.installers)
    for (const auto& fault : meta.faults)
      for (const auto& c : cells)
        if (c.installer == installer && c.fault == fault) out["cells"].push_back(to_json(c));
  unsigned safe = 0, unsafe = 0;
  for (const auto& c : cells) {
    safe += c.safe();
    unsafe += c.state() == "unsafe";
  }
  out["safe_cells"] = safe;
  out["unsafe_cells"] = unsafe;
  out["inconclusive_cells"] = cells.size() - safe - unsafe;
  return out;
}

MatrixMeta matrix_meta(const json& m) {
  MatrixMeta meta;
  meta.backend = str_or(m, "backend", "host");
  meta.repeat = m.value("repeat", 1u);
  meta.seconds = m.value("seconds", 0.0);
  meta.installers = m.value("installers", std::vector<std::string>{});
  meta.faults = m.value("faults", std::vector<std::string>{});
  for (const auto& [name, f] : object_or_empty(m, "legend").items())
    meta.legend.push_back(MatrixFault{name, str_or(f, "description"), f.value("mounted", true)});
  return meta;
}

std::vector<CellRuns> matrix_cells(const json& m) {
  std::vector<CellRuns> out;
  for (const auto& c : array_or_empty(m, "cells")) out.push_back(cell_runs_from_json(c));
  return out;
}

json join_matrices(const std::vector<json>& shards) {
  MatrixMeta meta;
  std::vector<CellRuns> cells;
  bool first = true;
  for (const auto& m : shards) {
    MatrixMeta one = matrix_meta(m);
    if (first) {
      meta = one;
      meta.seconds = 0;
      first = false;
    }
    meta.seconds += one.seconds;
    meta.repeat = std::max(meta.repeat, one.repeat);
    for (const auto& i : one.installers) add_unique(meta.installers, i);
    for (const auto& f : one.faults) add_unique(meta.faults, f);
    for (const auto& f : one.legend)
      if (std::none_of(meta.legend.begin(), meta.legend.end(), [&](const MatrixFault& g) { return g.name == f.name; }))
        meta.legend.push_back(f);
    for (auto c : matrix_cells(m)) cells.push_back(std::move(c));
  }
  return build_matrix(meta, cells);
}

std::string matrix_markdown(const json& m) {
  const auto installers = m.value("installers", std::vector<std::string>{});
  const auto faults = m.value("faults", std::vector<std::string>{});
  std::string out = "# Installer fault matrix\n\n";
  out += fmt::format("{} cells on the {} backend, {} run{} each, {:.0f} s of runs: {} safe, {} unsafe, {} inconclusive. A cell is safe "
                     "when every run of it kept every invariant: no write to the mounted image, no abnormal exec, a "
                     "complete known version installed with agreeing sidecars, and the next run converges.\n\n",
                     array_or_empty(m, "cells").size(), str_or(m, "backend", "host"), count_or(m, "repeat"),
                     count_or(m, "repeat") == 1 ? "" : "s", m.value("seconds", 0.0), count_or(m, "safe_cells"),
                     count_or(m, "unsafe_cells"), count_or(m, "inconclusive_cells"));
  out += "| installer |";
  for (const auto& f : faults) out += fmt::format(" {} |", md_escape(f));
  out += "\n|---|";
  for (size_t i = 0; i < faults.size(); ++i) out += "---|";
  out += "\n";
  for (const auto& inst : installers) {
    out += fmt::format("| {} |", md_escape(inst));
    for (const auto& f : faults) {
      const json* c = cell_at(m, inst, f);
      if (!c) {
        out += " — |";
        continue;
      }
      std::string points;
      const json& cps = array_or_empty(*c, "crash_points");
      size_t n = cps.size(), broken = 0;
      // A power cut's crash points say whether the invariant held there.
      bool power_cut = n && cps[0].contains("entries");
      for (const auto& p : cps) broken += p.contains("held") && !p.value("held", true);
      if (power_cut) points = fmt::format(", {} crash point{}, {} broken", n, n == 1 ? "" : "s", broken);
      else if (n)
        points = fmt::format(", {} {}{}", n, cps[0].value("action", "kill") == "io_error" ? "disk failure" : "kill",
                             n == 1 ? "" : "s");
      std::string word = verdict_word(*c);
      out += word == "safe" ? fmt::format(" safe ({}/{}{}) |", count_or(*c, "passed"), count_or(*c, "runs"), points)
                            : fmt::format(" **{}** ({}/{} passed{}) |", word, count_or(*c, "passed"), count_or(*c, "runs"),
                                          points);
    }
    out += "\n";
  }
  out += "\nA run is not counted as safe when its fault did not act (a kill that came after the installer had "
         "finished): such a cell is inconclusive.\n\n## Why the unsafe and inconclusive cells are\n\n";
  for (const auto& c : array_or_empty(m, "cells"))
    if (!c.value("safe", false))
      out += fmt::format("- **{} × {}** ({}): {} (`{}`)\n", md_escape(str_or(c, "installer")),
                         md_escape(str_or(c, "fault")), verdict_word(c), md_escape(why(c)), str_or(c, "scenario_file"));
  out += "\n## Faults\n\n";
  for (const auto& [name, f] : object_or_empty(m, "legend").items())
    out += fmt::format("- `{}`: {}\n", name, md_escape(str_or(f, "description")));
  return out;
}

std::string matrix_html(const json& m) {
  const auto installers = m.value("installers", std::vector<std::string>{});
  const auto faults = m.value("faults", std::vector<std::string>{});
  std::string body = fmt::format("<h1>Installer fault matrix</h1>\n<p class=\"lead\">{} cells on the {} backend, {} run(s) "
                                 "each: {} safe, {} unsafe.</p>\n",
                                 array_or_empty(m, "cells").size(), html_escape(str_or(m, "backend", "host")),
                                 count_or(m, "repeat"), count_or(m, "safe_cells"), count_or(m, "unsafe_cells"));
  body += "<table><thead><tr><th>installer</th>";
  for (const auto& f : faults) body += fmt::format("<th>{}</th>", html_escape(f));
  body += "</tr></thead><tbody>\n";
  for (const auto& inst : installers) {
    body += fmt::format("<tr><th>{}</th>", html_escape(inst));
    for (const auto& f : faults) {
      const json* c = cell_at(m, inst, f);
      if (!c) {
        body += "<td>—</td>";
        continue;
      }
      std::string links;
      unsigned k = 0;
      for (const auto& e : array_or_empty(*c, "evidence"))
        links += fmt::format("<a href=\"{}/report.html\">run {} ({})</a> ", html_escape(str_or(e, "run_dir")), ++k,
                             html_escape(str_or(e, "verdict")));
      bool safe = c->value("safe", false);
      body += fmt::format("<td class=\"{}\" title=\"{}\"><b>{}</b><br>{}<br><a href=\"{}\">scenario</a></td>",
                          safe ? "pass" : verdict_word(*c) == "UNSAFE" ? "fail" : "inconclusive", html_escape(why(*c)), verdict_word(*c), links,
                          html_escape(str_or(*c, "scenario_file")));
    }
    body += "</tr>\n";
  }
  body += "</tbody></table>\n<h2>Why</h2>\n<ul>\n";
  for (const auto& c : array_or_empty(m, "cells"))
    if (!c.value("safe", false))
      body += fmt::format("<li><b>{} × {}</b>: {}</li>\n", html_escape(str_or(c, "installer")),
                          html_escape(str_or(c, "fault")), html_escape(why(c)));
  body += "</ul>\n";
  return html_document("Installer fault matrix", body);
}

}  // namespace harness
