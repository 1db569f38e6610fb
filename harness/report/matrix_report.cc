#include "report/matrix_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "base/terminal_text.h"
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

// The first reason a cell is not safe (a failed invariant, an error),
// shortened at a word, for the table and its "Why" list.
std::string why(const json& cell, size_t max = 300) {
  for (const auto& e : array_or_empty(cell, "evidence"))
    for (const auto& f : array_or_empty(e, "failed"))
      if (f.is_string()) return shorten_at_word(f.get<std::string>(), max);
  return "";
}

std::string state_of(const json& c) { return str_or(c, "state", c.value("safe", false) ? "safe" : "unsafe"); }

std::string verdict_word(const json& c) {
  std::string s = state_of(c);
  if (s != "unsafe") return s;
  return str_or(c, "expected_unsafe").empty() ? "UNSAFE" : "UNSAFE (expected)";
}

bool unexpected_unsafe(const json& c) { return state_of(c) == "unsafe" && str_or(c, "expected_unsafe").empty(); }

std::string cell_list(const json& m, bool (*pick)(const json&)) {
  std::vector<std::string> out;
  for (const auto& c : array_or_empty(m, "cells"))
    if (pick(c)) out.push_back(fmt::format("{} \u00d7 {}", str_or(c, "installer"), str_or(c, "fault")));
  return fmt::format("{}", fmt::join(out, ", "));
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
  unsigned safe = 0, unsafe = 0, unexpected = 0, errors = 0;
  for (const auto& c : cells) {
    safe += c.safe();
    unsafe += c.state() == "unsafe";
    unexpected += c.unexpected_unsafe();
    errors += c.state() == "error";
  }
  out["safe_cells"] = safe;
  out["unsafe_cells"] = unsafe;
  out["unexpected_unsafe_cells"] = unexpected;
  out["error_cells"] = errors;
  out["inconclusive_cells"] = cells.size() - safe - unsafe - errors;
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

std::string shorten_at_word(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  size_t cut = text.rfind(' ', max > 0 ? max - 1 : 0);
  // One long word (a path): cut it, but never inside a UTF-8 character.
  if (cut == std::string::npos || cut < max / 2) {
    cut = max > 0 ? max - 1 : 0;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  }
  while (cut > 0 && (text[cut - 1] == ' ' || text[cut - 1] == ',' || text[cut - 1] == ';' || text[cut - 1] == ':')) --cut;
  return text.substr(0, cut) + "\u2026";
}

std::string matrix_counts_text(const json& m) {
  return fmt::format("{} safe, {} UNSAFE ({} not expected), {} inconclusive, {} error", count_or(m, "safe_cells"),
                     count_or(m, "unsafe_cells"), count_or(m, "unexpected_unsafe_cells"),
                     count_or(m, "inconclusive_cells"), count_or(m, "error_cells"));
}

std::string gate_text(const json& m) {
  auto inconclusive = [](const json& c) { return state_of(c) == "inconclusive" && str_or(c, "expected_unsafe").empty(); };
  std::vector<std::string> parts;
  if (std::string e = cell_list(m, [](const json& c) { return state_of(c) == "error"; }); !e.empty())
    parts.push_back("exit 4: a run stopped on an error in " + e);
  if (std::string u = cell_list(m, unexpected_unsafe); !u.empty())
    parts.push_back("exit 1: UNSAFE, not expected: " + u);
  if (std::string i = cell_list(m, inconclusive); !i.empty()) parts.push_back("exit 5: inconclusive: " + i);
  if (parts.empty()) return "gate: exit 0: no cell is UNSAFE that was not expected to be, none inconclusive or in error";
  // Cell names come from matrix.json files (shards another user may have
  // written): shown on a terminal, never as control sequences.
  return terminal_safe(fmt::format("gate: {}", fmt::join(parts, "; ")));
}

std::string matrix_markdown(const json& m) {
  const auto installers = m.value("installers", std::vector<std::string>{});
  const auto faults = m.value("faults", std::vector<std::string>{});
  std::string out = "# Installer fault matrix\n\n";
  out += fmt::format("{} cells on the {} backend, {} run{} each, {:.0f} s of runs: {}. A cell is safe "
                     "when every run of it kept every invariant: no write to the mounted image, no abnormal exec, a "
                     "complete known version installed with agreeing sidecars, and the next run converges.\n\n",
                     array_or_empty(m, "cells").size(), str_or(m, "backend", "host"), count_or(m, "repeat"),
                     count_or(m, "repeat") == 1 ? "" : "s", m.value("seconds", 0.0), matrix_counts_text(m));
  out += fmt::format("**{}**\n\n", md_escape(gate_text(m)));
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
             : unexpected_unsafe(*c) || word == "error"
                 ? fmt::format(" **{}** ({}/{} passed{}) |", word, count_or(*c, "passed"), count_or(*c, "runs"), points)
                 : fmt::format(" {} ({}/{} passed{}) |", word, count_or(*c, "passed"), count_or(*c, "runs"), points);
    }
    out += "\n";
  }
  out += "\nA run is not counted as safe when its fault did not act (a kill that came after the installer had "
         "finished): such a cell is inconclusive. A cell whose run stopped on an error is \"error\": nothing was "
         "judged there. \"UNSAFE (expected)\" does not fail the gate (`harness matrix --help`).\n\n"
         "## Why the cells that are not safe are not\n\n";
  for (const auto& c : array_or_empty(m, "cells"))
    if (!c.value("safe", false)) {
      std::string expected = str_or(c, "expected_unsafe");
      out += fmt::format("- **{} × {}** ({}): {} (`{}`){}\n", md_escape(str_or(c, "installer")),
                         md_escape(str_or(c, "fault")), verdict_word(c), md_escape(why(c)), str_or(c, "scenario_file"),
                         expected.empty() || state_of(c) != "unsafe" ? "" : fmt::format("; expected: {}", md_escape(expected)));
    }
  out += "\n## Faults\n\n";
  for (const auto& [name, f] : object_or_empty(m, "legend").items())
    out += fmt::format("- `{}`: {}\n", name, md_escape(str_or(f, "description")));
  return out;
}

std::string matrix_html(const json& m) {
  const auto installers = m.value("installers", std::vector<std::string>{});
  const auto faults = m.value("faults", std::vector<std::string>{});
  std::string body = fmt::format("<h1>Installer fault matrix</h1>\n<p class=\"lead\">{} cells on the {} backend, {} run(s) "
                                 "each: {}.</p>\n<p><b>{}</b></p>\n",
                                 array_or_empty(m, "cells").size(), html_escape(str_or(m, "backend", "host")),
                                 count_or(m, "repeat"), html_escape(matrix_counts_text(m)), html_escape(gate_text(m)));
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
      std::string state = state_of(*c);
      std::string cls = state == "safe" ? "pass" : state == "unsafe" ? (unexpected_unsafe(*c) ? "fail" : "expected")
                        : state == "error" ? "error" : "inconclusive";
      body += fmt::format("<td class=\"{}\" title=\"{}\"><b>{}</b><br>{}<br><a href=\"{}\">scenario</a></td>", cls,
                          html_escape(why(*c)), html_escape(verdict_word(*c)), links,
                          html_escape(str_or(*c, "scenario_file")));
    }
    body += "</tr>\n";
  }
  body += "</tbody></table>\n<h2>Why</h2>\n<ul>\n";
  for (const auto& c : array_or_empty(m, "cells"))
    if (!c.value("safe", false))
      body += fmt::format("<li><b>{} × {}</b> ({}): {}</li>\n", html_escape(str_or(c, "installer")),
                          html_escape(str_or(c, "fault")), html_escape(verdict_word(c)), html_escape(why(c)));
  body += "</ul>\n";
  return html_document("Installer fault matrix", body);
}

}  // namespace harness
