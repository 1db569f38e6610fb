#include "report/report_html.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/crash_points.h"
#include "report/crash_rate_svg.h"
#include "report/exercise_view.h"
#include "report/html_table.h"
#include "report/page_cache_svg.h"
#include "report/report_css.h"
#include "report/report_summary.h"
#include "report/report_view.h"
#include "report/timeline_svg.h"
#include "report/writer_groups.h"

namespace harness {

using nlohmann::json;

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
          out += "\uFFFD";
        else
          out += c;
    }
  }
  return out;
}

std::string_view exec_class_color(std::string_view cls) {
  if (cls == "ok") return "#8fa89a";
  if (cls == "sigsegv") return "#d62728";
  if (cls == "sigbus") return "#ff7f0e";
  if (cls == "sigill") return "#9467bd";
  if (cls == "exec_failed") return "#b59a00";
  if (cls == "exit_nonzero") return "#1f77b4";
  if (cls == "other_signal") return "#8c564b";
  if (cls == "hung") return "#111111";
  return "#7f7f7f";
}

namespace {

std::string esc(std::string_view s) { return html_escape(s); }

std::string section(const char* id, const std::string& title, const std::string& inner) {
  return fmt::format("<section id=\"{}\"><h2>{}</h2>\n{}</section>\n", id, esc(title), inner);
}

std::string summary_tables(const json& report) {
  const json& counts = object_or_empty(report, "counts");
  const json& under = object_or_empty(report, "counts_under_fault");
  HtmlTable t({"class", "all execs", "under fault"}, "lrr");
  unsigned long long a = 0, b = 0;
  for (const auto& c : exec_class_names(report)) {
    a += count_or(counts, c);
    b += count_or(under, c);
    t.raw_row({fmt::format("<i class=\"swatch\" style=\"background:{}\"></i>{}", exec_class_color(c), esc(c)),
               std::to_string(count_or(counts, c)), std::to_string(count_or(under, c))});
  }
  t.row({"total", std::to_string(a), std::to_string(b)}, "total");
  const json& ex = object_or_empty(report, "execs");
  std::string out = t.str();
  if (!ex.empty())
    out += fmt::format("<p>{} execs: {} warm-up, {} under fault.</p>\n", count_or(ex, "total", a),
                       count_or(ex, "warmup"), count_or(ex, "under_fault", b));
  out += fmt::format("<p><b>Statistics:</b> {}.</p>\n", esc(statistics_sentence(report)));
  return out;
}

std::string expectations_html(const json& report) {
  const json& exps = array_or_empty(report, "expectations");
  std::string out;
  if (!exps.empty()) {
    HtmlTable t({"result", "expectation", "observed", "detail"}, "llrl");
    for (const auto& e : exps) {
      std::string state = expectation_state(e);
      t.raw_row({fmt::format("<span class=\"{}\">{}</span>", state == "FAILED" ? "failed" : state, state),
                 esc(str_or(e, "text")), esc(e.is_object() && e.contains("observed") ? scalar_text(e["observed"]) : ""),
                 esc(str_or(e, "detail"))});
    }
    out += t.str();
  }
  std::string extra;
  for (const auto& r : array_or_empty(report, "verdict_reasons"))
    if (r.is_string()) {
      std::string s = r.get<std::string>();
      if (s.rfind("held:", 0) != 0 && s.rfind("FAILED:", 0) != 0) extra += "<li>" + esc(s) + "</li>";
    }
  if (!extra.empty()) out += "<ul>" + extra + "</ul>\n";
  return out;
}

// What the faults offered and where they struck (core/exercise.h).
std::string exercise_html(const json& report) {
  std::string items;
  for (const auto& l : exercise_lines(report))
    items += fmt::format("<li><b class=\"{}\">{}</b>: {}</li>", l.label == "NOT EXERCISED" ? "inconclusive" : "",
                         esc(l.label), esc(l.text));
  return items.empty() ? "" : "<ul>" + items + "</ul>\n";
}

std::string faults_html(const json& report) {
  auto rows = fault_action_rows(report);
  if (rows.empty()) return "";
  HtmlTable t({"fault", "action", "label", "fires", "outcomes", "first start", "last end"}, "llmrlrr");
  for (const auto& r : rows)
    t.row({r.fault, r.action, r.label, std::to_string(r.fires), outcomes_text(r), fmt::format("{:.3f} s", r.first_ms / 1000),
           fmt::format("{:.3f} s", r.last_ms / 1000)});
  std::string out = t.str();
  HtmlTable cmds({"fault#fire", "pid", "command", "outcome", "stderr"}, "lrmlm");
  size_t shown = 0, total = 0;
  for (const json* e : events_of(report, "fault")) {
    if (str_or(*e, "action") != "run") continue;
    if (++total > 50) continue;
    ++shown;
    std::vector<std::string> argv;
    for (const auto& a : array_or_empty(*e, "argv")) argv.push_back(scalar_text(a));
    std::string outcome = str_or(*e, "outcome");
    const json& result = object_or_empty(*e, "result");
    if (result.contains("decision"))
      outcome += fmt::format(" ({}: {})", str_or(result, "decision"), str_or(result, "reason"));
    std::string err = str_or(*e, "stderr");
    if (err.size() > 400) err = err.substr(0, 400) + "\u2026";
    cmds.row({fmt::format("{}#{}", str_or(*e, "fault"), count_or(*e, "fire")),
              count_or(*e, "pid") ? std::to_string(count_or(*e, "pid")) : "", fmt::format("{}", fmt::join(argv, " ")),
              outcome, err});
  }
  if (shown) {
    out += "<h3>Commands run by faults</h3>\n" + collapsible("commands run by faults", shown, cmds.str());
    if (total > shown) out += fmt::format("<p>{} more command runs are in report.json.</p>\n", total - shown);
  }
  return out;
}

std::string writers_html(const json& report) {
  const json& writers = array_or_empty(report, "writers");
  if (writers.empty()) return "";
  HtmlTable g({"writers", "program", "started by", "image", "truncating", "first", "last"}, "rllmrrr");
  auto groups = writer_groups(report);
  for (const auto& x : groups)
    g.row({std::to_string(x.writers), x.program, x.started_by, fmt::format("{}", fmt::join(x.paths, ", ")),
           std::to_string(x.truncating), x.first_ms >= 0 ? format_ms(x.first_ms) : "",
           x.last_ms >= 0 ? format_ms(x.last_ms) : ""});
  std::string out = "<p>One row per program and the action that started it. \"truncating\": opened the image with "
                    "truncation, or wrote while it was shorter than when it was mounted.</p>\n" +
                    collapsible("writer groups", groups.size(), g.str());
  HtmlTable t({"writer", "pid", "exe", "argv", "path", "access", "first write", "mounted at", "loop device", "truncated"},
          "lrmmmlrmml");
  for (const auto& w : writers) {
    std::vector<std::string> argv;
    for (const auto& a : array_or_empty(w, "argv")) argv.push_back(scalar_text(a));
    t.row({str_or(w, "who"), w.contains("pid") ? scalar_text(w["pid"]) : "", str_or(w, "exe"),
           fmt::format("{}", fmt::join(argv, " ")), str_or(w, "path"), str_or(w, "access"),
           w.contains("t_ms") ? fmt::format("{:.1f} ms", num_or(w, "t_ms")) : "", str_or(w, "image_mounted_at"),
           str_or(w, "loop_device"), writer_truncated(w) ? "yes" : "no"});
  }
  out += "<h3>Every writer</h3>\n" + collapsible(fmt::format("all {} writers", writers.size()), writers.size(), t.str());
  return out;
}

std::string images_evidence_html(const json& report) {
  const json& ev = array_or_empty(report, "images_evidence");
  if (ev.empty()) return "";
  HtmlTable t({"snapshot", "taken", "path", "size (bytes)", "inode", "sha256", "loop backing inode", "backing replaced",
           "backing deleted"},
          "llmrrmrll");
  for (const auto& s : ev)
    t.row({str_or(s, "when"), snapshot_moment(report, s), str_or(s, "path"), s.contains("size_bytes") ? scalar_text(s["size_bytes"]) : "",
           s.contains("inode") ? scalar_text(s["inode"]) : (bool_or(s, "missing") ? "missing" : ""),
           str_or(s, "sha256", str_or(s, "sha256_error")),
           s.contains("loop_backing_inode") ? scalar_text(s["loop_backing_inode"]) : "",
           s.contains("backing_replaced") ? scalar_text(s["backing_replaced"]) : "",
           s.contains("backing_deleted") ? scalar_text(s["backing_deleted"]) : ""});
  return "<p>Each mounted image's size, digest and inode at named moments; a snapshot describes only the moment it "
         "was taken, placed here against the actions.</p>\n" +
         collapsible("snapshots", ev.size(), t.str());
}

std::string environment_html(const json& report) {
  HtmlTable t({"", ""}, "lm");
  t.css("kv");
  for (const auto& [k, v] : environment_rows(report)) t.row({k, v});
  return t.str();
}

// Rows as image_rows() and mount_rows() give them, the first the header.
std::string rows_table(const std::vector<std::vector<std::string>>& rows, const char* kinds) {
  HtmlTable t(rows.front(), kinds);
  for (size_t i = 1; i < rows.size(); ++i) t.row(rows[i]);
  return t.str();
}

std::string crash_points_html(const json& report) {
  auto tables = crash_point_tables(report);
  if (tables.empty()) return "";
  std::string out = fmt::format("<p>{}</p>\n", esc(kCrashPointsNote));
  for (const auto& t : tables) {
    out += fmt::format("<h3>{}</h3>\n", esc(t.title));
    if (!t.not_judged.empty()) out += fmt::format("<p>{}</p>\n", esc(t.not_judged));
    if (t.rows.size() < 2) continue;
    HtmlTable table(t.rows.front(), "rrlll");
    for (size_t i = 1; i < t.rows.size(); ++i) table.row(t.rows[i], t.rows[i].back() == "held" ? nullptr : "broken");
    out += table.str();
  }
  return out;
}

std::string images_mounts_html(const json& report) {
  std::string out;
  if (auto images = image_rows(report); images.size() > 1) out += "<h3>Images</h3>\n" + rows_table(images, "lmrl");
  if (auto mounts = mount_rows(report); mounts.size() > 1) out += "<h3>Mounts</h3>\n" + rows_table(mounts, "mmlmrr");
  return out;
}

std::string kernel_log_html(const json& report) {
  const json& log = array_or_empty(report, "kernel_log");
  if (log.empty()) return "";
  std::string out = log.size() > kHtmlOpenRows
                        ? fmt::format("<details><summary>{} kernel log lines</summary>\n<pre class=\"log\">", log.size())
                        : std::string("<pre class=\"log\">");
  size_t n = 0;
  for (const auto& l : log) {
    if (n++ == kHtmlKernelLogLines) break;
    if (std::string t = kernel_log_prefix(l); !t.empty()) out += "<span class=\"t\">" + esc(t) + "</span>";
    out += esc(l.is_string() ? l.get<std::string>() : str_or(l, "line")) + "\n";
  }
  out += "</pre>\n";
  if (log.size() > kHtmlOpenRows) out += "</details>\n";
  if (log.size() > kHtmlKernelLogLines)
    out += fmt::format("<p>Showing the first {} of {} lines; report.json has them all.</p>\n", kHtmlKernelLogLines,
                       log.size());
  return out;
}

std::string kpis_html(const json& report) {
  const json& ex = object_or_empty(report, "execs");
  const json& counts = object_or_empty(report, "counts");
  const json& st = object_or_empty(report, "statistics");
  unsigned long long crashes = 0;
  for (const auto& c : exec_class_names(report))
    if (is_crash_class(c)) crashes += count_or(counts, c);
  auto kpi = [](const std::string& v, const std::string& k) {
    return fmt::format("<div class=\"kpi\"><div class=\"v\">{}</div><div class=\"k\">{}</div></div>", esc(v), esc(k));
  };
  std::string out = "<div class=\"kpis\">";
  out += kpi(std::to_string(count_or(ex, "total")), "execs in all");
  out += kpi(std::to_string(count_or(ex, "under_fault")), "execs under fault");
  out += kpi(std::to_string(crashes), "died by a signal");
  out += kpi(std::to_string(count_or(counts, "exec_failed")), "failed to start");
  unsigned long long n = count_or(st, "n"), k = count_or(st, "abnormal");
  if (n > 0 && k > 0)
    out += kpi(fmt::format("{:.1f}%", 100 * num_or(st, "rate")),
               fmt::format("abnormal under fault (95% CI {:.1f}\u2013{:.1f}%)", 100 * num_or(st, "ci95_low"),
                           100 * num_or(st, "ci95_high")));
  else if (n > 0)
    out += kpi(fmt::format("< {:.3g}", num_or(st, "upper95_one_sided", 1 - std::pow(0.05, 1.0 / n))),
               "crash probability (95%, one-sided)");
  return out + "</div>\n";
}

// The same summary report.md opens with (report_summary.h).
std::string summary_html(const json& report) {
  ReportSummary sum = summarize(report);
  std::string out = fmt::format("<p><b>Why:</b> {}</p>\n", esc(sum.why));
  if (!sum.reasons.empty()) {
    out += "<ul class=\"reasons\">";
    for (const auto& r : sum.reasons) out += "<li>" + esc(r) + "</li>";
    out += "</ul>\n";
  }
  if (!sum.writer.empty()) {
    out += fmt::format("<p id=\"writer\"><b>Who wrote the image while it was mounted:</b> {}</p>\n", esc(sum.writer));
    if (!sum.writer_groups.empty()) {
      out += "<ul class=\"writer-groups\">";
      for (const auto& g : sum.writer_groups) out += "<li>" + esc(g) + "</li>";
      out += "</ul>\n";
    }
  }
  if (!sum.execs.empty()) out += fmt::format("<p><b>Execs:</b> {}<br><b>Bound:</b> {}</p>\n", esc(sum.execs), esc(sum.bound));
  out += fmt::format("<p id=\"next\"><b>Next:</b> {}</p>\n", esc(sum.next));
  return section("summary-top", "Summary", out);
}

}  // namespace

std::string html_document(std::string_view title, std::string_view body_html) {
  // The CSP is belt and braces: the page references nothing outside itself,
  // and a browser will refuse to fetch anything even if a report string
  // somehow slipped through as markup.
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{}</style>\n"
      "</head>\n<body>\n<main>\n{}</main>\n</body>\n</html>\n",
      esc(title), report_css(), body_html);
}

std::string render_html(const json& report) {
  std::string verdict = str_or(report, "verdict", "unknown");
  std::string vclass = verdict == "pass" || verdict == "fail" || verdict == "inconclusive" || verdict == "timeout" || verdict == "error" ? verdict
                                                                                                           : "unknown";
  std::string scenario = str_or(report, "scenario", "(unnamed scenario)");
  const json& run = object_or_empty(report, "run");
  const json& env = object_or_empty(report, "environment");
  std::string body;
  std::vector<std::string> meta;
  if (run.contains("id")) meta.push_back("run " + str_or(run, "id"));
  if (run.contains("started_at")) meta.push_back("started " + str_or(run, "started_at"));
  meta.push_back("took " + format_ms(run_duration_ms(report)));
  if (std::string b = str_or(run, "backend", str_or(env, "backend")); !b.empty()) meta.push_back(b + " backend");
  if (env.contains("kernel")) meta.push_back("kernel " + str_or(env, "kernel"));
  if (env.contains("accelerator")) meta.push_back("accelerator " + str_or(env, "accelerator"));
  body += fmt::format("<header class=\"top {0}\"><h1>{1}</h1><span class=\"badge {0}\">{2}</span>\n", vclass,
                      esc(scenario), esc(upper(verdict)));
  if (std::string d = str_or(report, "description"); !d.empty()) body += fmt::format("<p class=\"desc\">{}</p>\n", esc(d));
  body += fmt::format("<p class=\"meta\">{}</p></header>\n", esc(fmt::format("{}", fmt::join(meta, " \u00b7 "))));
  body += summary_html(report);
  body += section("what-happened", "What happened",
                  fmt::format("<p>{}</p>\n{}", esc(what_happened(report)), kpis_html(report)));
  body += section("timeline-section", "Timeline (seconds since the run started)",
                  timeline_svg(report) + timeline_legend_html(report));
  body += section("crash-rate-section",
                  fmt::format("Abnormal exits per time window ({} windows)", kCrashRateWindows),
                  crash_rate_svg(report) + fmt::format("<p class=\"legend\">{}</p>\n", esc(crash_rate_note(report))));
  body += section("summary", "Exec counts", summary_tables(report));
  if (std::string e = expectations_html(report); !e.empty()) body += section("expectations", "Expectations", e);
  if (std::string x = exercise_html(report); !x.empty())
    body += section("exercise", "What was offered and exercised", x);
  if (std::string c = crash_points_html(report); !c.empty()) body += section("crash-points", "Power-cut crash points", c);
  if (std::string f = faults_html(report); !f.empty()) body += section("faults", "Fault actions", f);
  if (std::string w = writers_html(report); !w.empty()) body += section("writers", "Write attribution", w);
  if (auto s = survivor_rows(report); s.size() > 1)
    body += section("survivors", "Killed at teardown",
                    rows_table(s, "rllr") + "<p>Left running in the background by the run's actions until the faults "
                                            "ended, and killed then: what they would have done next went unseen, so "
                                            "the run is inconclusive.</p>\n");
  if (std::string i = images_evidence_html(report); !i.empty()) body += section("images-evidence", "Image evidence", i);
  if (!array_or_empty(report, "page_cache").empty())
    body += section("page-cache-section", "Page cache residency", page_cache_svg(report));
  body += section("environment", "Environment", environment_html(report));
  if (std::string m = images_mounts_html(report); !m.empty()) body += section("mounts", "Images and mounts", m);
  if (std::string k = kernel_log_html(report); !k.empty())
    body += section("kernel-log", fmt::format("Kernel log ({} lines)", array_or_empty(report, "kernel_log").size()), k);
  body += fmt::format("<footer>Rendered from report.json by harness {}.</footer>\n",
                      esc(str_or(env, "harness_version", "?")));
  return html_document(fmt::format("{}: {}", scenario, upper(verdict)), body);
}

}  // namespace harness