#include "report/report_html.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "core/scenario.h"
#include "report/label_layout.h"
#include "report/report_summary.h"
#include "report/report_view.h"
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

const char* kStyle = R"css(
:root { --fg:#1d2430; --muted:#5b6574; --line:#dde2e8; --bg:#f6f7f9; --card:#fff; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 20px 28px 40px; }
header.top { display:flex; align-items:center; gap:16px; flex-wrap:wrap; padding:18px 22px; border-radius:10px;
  background:var(--card); border:1px solid var(--line); border-left:8px solid #888; }
header.top.pass { border-left-color:#2e7d32; } header.top.fail { border-left-color:#c62828; } header.top.inconclusive { border-left-color:#b26a00; }
header.top.timeout, header.top.error { border-left-color:#ef6c00; }
header.top h1 { font-size:22px; margin:0; font-weight:650; }
.badge { font-weight:700; letter-spacing:.06em; padding:3px 12px; border-radius:999px; color:#fff; background:#888; font-size:13px; }
.badge.pass { background:#2e7d32; } .badge.fail { background:#c62828; } .badge.timeout, .badge.error { background:#ef6c00; } .badge.inconclusive { background:#b26a00; }
.meta { color:var(--muted); font-size:13px; width:100%; margin:0; }
.desc { margin:0; width:100%; }
#writer { margin:14px 0 0; padding:12px 16px; background:#fff4f2; border:1px solid #f3c5bd; border-radius:8px; font-size:15px; }
#writer b { color:#a31515; }
#next { font-weight:600; }
details > summary { cursor:pointer; color:var(--muted); margin:6px 0; }
section { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:16px 22px; margin-top:16px; }
h2 { font-size:16px; margin:0 0 10px; font-weight:650; }
h3 { font-size:14px; margin:14px 0 6px; color:var(--muted); font-weight:600; }
.kpis { display:flex; gap:12px; flex-wrap:wrap; margin-top:10px; }
.kpi { border:1px solid var(--line); border-radius:8px; padding:8px 14px; min-width:150px; }
.kpi .v { font-size:20px; font-weight:650; } .kpi .k { color:var(--muted); font-size:12px; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { text-align:left; padding:5px 9px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#f0f2f5; font-weight:600; }
tr:nth-child(even) td { background:#fafbfc; }
td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; }
td.mono, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size:12px; overflow-wrap:anywhere; }
table.kv td:first-child { width:220px; color:var(--muted); }
tr.total td { font-weight:650; border-top:2px solid var(--line); }
.held { color:#2e7d32; font-weight:650; } .failed { color:#c62828; font-weight:650; } .undecided { color:#b26a00; font-weight:650; }
.swatch { display:inline-block; width:11px; height:11px; border-radius:2px; vertical-align:-1px; margin-right:6px; }
.legend { display:flex; flex-wrap:wrap; gap:6px 18px; font-size:12px; color:var(--muted); margin-top:6px; }
pre.log { background:#0f1720; color:#d7dde5; padding:12px 14px; border-radius:8px; overflow:auto; font-size:12px; max-height:520px; }
pre.log .t { color:#7f8ea3; }
svg { display:block; width:100%; height:auto; }
svg text { font: 11px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill:#5b6574; }
svg .lane-label { fill:#1d2430; font-weight:600; }
svg .axis { stroke:#9aa4b2; stroke-width:1; } svg .grid { stroke:#edf0f3; stroke-width:1; }
svg .phase { stroke:#44546a; stroke-width:1; stroke-dasharray:4 3; }
svg .phase-label { fill:#44546a; font-weight:600; }
svg .fault-window { fill:#fde7e4; }
svg .lane-bg { fill:#f7f8fa; }
svg .fault-band { fill-opacity:.38; }
svg .fault-write { fill:#d62728; } svg .fault-run { fill:#6a3d9a; fill-opacity:.55; }
svg .fault-drop_caches { fill:#1f77b4; } svg .fault-other { fill:#7f7f7f; }
svg .run-label { fill:#4a2775; font-weight:600; }
svg .writer-mark { fill:#a31515; }
svg .first-crash { stroke:#d62728; stroke-width:1.5; }
svg .first-crash-label { fill:#a31515; font-weight:600; }
svg .exec { shape-rendering:crispEdges; fill:#7f7f7f; }
svg .exec-ok { fill:#8fa89a; opacity:.75; } svg .exec-sigsegv { fill:#d62728; } svg .exec-sigbus { fill:#ff7f0e; }
svg .exec-sigill { fill:#9467bd; } svg .exec-exec_failed { fill:#b59a00; } svg .exec-exit_nonzero { fill:#1f77b4; }
svg .exec-other_signal { fill:#8c564b; } svg .exec-hung { fill:#111111; }
svg .rate-bg { fill:#eef1f4; } svg .rate-none { fill:#c9ced6; }
svg .pc-line { fill:none; stroke-width:1.8; }
footer { color:var(--muted); font-size:12px; margin-top:18px; text-align:center; }
)css";

std::string esc(std::string_view s) { return html_escape(s); }

// A table with escaped cells; a column may be numeric (right-aligned) or
// monospace.
class Table {
 public:
  explicit Table(std::vector<std::string> head, std::string kinds = "")
      : head_(std::move(head)), kinds_(std::move(kinds)) {}
  void row(const std::vector<std::string>& cells, const char* tr_class = nullptr) {
    body_ += tr_class ? fmt::format("<tr class=\"{}\">", tr_class) : std::string("<tr>");
    for (size_t i = 0; i < head_.size(); ++i)
      body_ += fmt::format("<td{}>{}</td>", cls(i), i < cells.size() ? esc(cells[i]) : "");
    body_ += "</tr>\n";
  }
  // A row whose cells are already HTML.
  void raw_row(const std::vector<std::string>& cells) {
    body_ += "<tr>";
    for (size_t i = 0; i < head_.size(); ++i)
      body_ += fmt::format("<td{}>{}</td>", cls(i), i < cells.size() ? cells[i] : "");
    body_ += "</tr>\n";
  }
  Table& css(std::string c) {
    css_ = std::move(c);
    return *this;
  }
  std::string str() const {
    std::string h = css_.empty() ? "<table><thead><tr>" : fmt::format("<table class=\"{}\"><thead><tr>", css_);
    for (size_t i = 0; i < head_.size(); ++i) h += fmt::format("<th{}>{}</th>", cls(i), esc(head_[i]));
    return h + "</tr></thead><tbody>\n" + body_ + "</tbody></table>\n";
  }

 private:
  std::string cls(size_t i) const {
    char k = i < kinds_.size() ? kinds_[i] : 'l';
    return k == 'r' ? " class=\"num\"" : k == 'm' ? " class=\"mono\"" : "";
  }
  std::vector<std::string> head_;
  std::string kinds_;
  std::string body_;
  std::string css_;
};

// A long table folded away behind a line that says what it holds.
std::string collapsible(const std::string& what, size_t rows, const std::string& table_html) {
  if (rows <= kHtmlOpenRows) return table_html;
  return fmt::format("<details><summary>{} ({} rows)</summary>\n{}</details>\n", esc(what), rows, table_html);
}

bool is_write(const std::string& a) {
  auto k = action_kind_from_string(a);
  return k && is_write_action(*k);
}

std::string band_class(const std::string& action) {
  if (is_write(action)) return "fault-write";
  if (action == "run") return "fault-run";
  if (action == "drop_caches") return "fault-drop_caches";
  return "fault-other";
}

// "Nice" tick step for an axis spanning `span` with about `want` ticks.
double nice_step(double span, int want) {
  if (span <= 0) return 1;
  double raw = span / want;
  double mag = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

std::string seconds_label(double ms, double step_ms) {
  if (step_ms >= 1000) return fmt::format("{:g} s", std::round(ms / 100) / 10);
  if (step_ms >= 100) return fmt::format("{:.1f} s", ms / 1000);
  return fmt::format("{:.0f} ms", ms);
}

std::string exec_tooltip(const json& e) {
  std::string cls = str_or(e, "class", "?");
  std::string detail;
  if (e.contains("signal") && e["signal"].is_number()) detail = fmt::format(" · signal {}", scalar_text(e["signal"]));
  if (cls == "exec_failed") detail = fmt::format(" · {}", str_or(e, "errno_name", "errno ?"));
  if (cls == "exit_nonzero" && e.contains("exit_code")) detail = fmt::format(" · exit {}", scalar_text(e["exit_code"]));
  std::string pid = count_or(e, "pid") ? fmt::format(" · pid {}", count_or(e, "pid")) : "";
  return fmt::format("#{} {} at {:.1f} ms ({:.1f} ms){}{}", count_or(e, "seq"), cls, num_or(e, "t_ms"),
                     num_or(e, "dur_ms"), detail, pid);
}

// The timeline: one row per exec class present, a lane per fault, the
// writers, phase markers, the fault window shaded behind the execs. Every
// text label is placed by a LabelLayout: none overlaps another, none
// leaves the plot; a label that fits nowhere is left out (its mark keeps
// its tooltip).
std::string timeline_svg(const json& report) {
  const double W = 1240, L = 150, R = 16, PW = W - L - R;
  const double font = 11;             // svg text, from the stylesheet
  const double header_row = 16;       // one row of phase / first-crash labels
  const size_t max_header_rows = 4;
  double dur = std::max(run_duration_ms(report), 1.0);
  auto X = [&](double t) { return L + std::clamp(t, 0.0, dur) / dur * PW; };

  auto execs = events_of(report, "exec");
  auto faults = events_of(report, "fault");
  auto phases = events_of(report, "phase");
  const json& writers = array_or_empty(report, "writers");

  // Rows: abnormal classes first (the story), ok last.
  std::map<std::string, unsigned long> per_class;
  for (const json* e : execs) ++per_class[str_or(*e, "class", "?")];
  std::vector<std::string> rows;
  for (const auto& c : exec_class_names(report))
    if (c != "ok" && per_class.count(c)) rows.push_back(c);
  for (const auto& [c, n] : per_class)
    if (std::find(rows.begin(), rows.end(), c) == rows.end() && c != "ok") rows.push_back(c);
  if (per_class.count("ok")) rows.push_back("ok");
  std::vector<std::string> lanes;  // fault names, in order of first firing
  for (const json* f : faults)
    if (std::string n = str_or(*f, "fault", "?"); std::find(lanes.begin(), lanes.end(), n) == lanes.end())
      lanes.push_back(n);

  // Fault window (first start .. last end of any non-setup fault).
  double fw0 = -1, fw1 = -1;
  for (const json* f : faults) {
    if (str_or(*f, "fault") == "setup") continue;
    double a = num_or(*f, "t_start_ms"), b = num_or(*f, "t_end_ms", a);
    fw0 = fw0 < 0 ? a : std::min(fw0, a);
    fw1 = std::max(fw1, b);
  }
  const json* first_crash = nullptr;
  for (const json* e : execs)
    if (fw0 >= 0 && num_or(*e, "t_ms") >= fw0 && is_crash_class(str_or(*e, "class"))) {
      first_crash = e;
      break;
    }

  // Header labels (the first crash, then the phases) in rows above the
  // plot, beside their lines; every marker line is reserved first, so no
  // label is drawn across one.
  struct HeaderLabel {
    double x;
    std::string text, css, title;
    std::optional<Box> box;
    bool right = true;
  };
  std::vector<HeaderLabel> header;
  if (first_crash)
    header.push_back({X(num_or(*first_crash, "t_ms")),
                      fmt::format("first {} at {:.2f} s, {} after the first fault action", str_or(*first_crash, "class"),
                                  num_or(*first_crash, "t_ms") / 1000, format_ms(num_or(*first_crash, "t_ms") - fw0)),
                      "first-crash-label", "", std::nullopt});
  for (const json* p : phases)
    header.push_back({X(num_or(*p, "t_ms")), str_or(*p, "name", "?"), "phase-label",
                      fmt::format("phase {} at {:.1f} ms", str_or(*p, "name", "?"), num_or(*p, "t_ms")), std::nullopt});
  // A label goes beside its line in the first row where neither it nor
  // its line (drawn from the label down) crosses what is already placed:
  // lines of later labels start lower, like a staircase.
  const double header_h = header_row * max_header_rows + 6;
  LabelLayout head(L, L + PW, 0, header_h);
  size_t rows_used = 0;
  for (auto& h : header) {
    std::vector<std::vector<Box>> candidates;
    std::vector<Box> boxes;
    for (size_t row = 0; row < max_header_rows; ++row) {
      double base = header_row * (row + 1) - 3;
      for (Box b : {text_box(h.text, h.x + 4, base, "start", font, true),
                    text_box(h.text, h.x - 4, base, "end", font, true)}) {
        double lx = std::clamp(h.x - 0.5, L, L + PW - 1);  // the line, kept inside the bounds at the edges
        candidates.push_back({b, Box{lx, b.y, 1, header_h - b.y}});
        boxes.push_back(b);
      }
    }
    auto i = head.place_group(candidates);
    if (!i) continue;
    h.box = boxes[*i];
    h.right = h.box->x > h.x;
    rows_used = std::max(rows_used, static_cast<size_t>((h.box->bottom() - 1) / header_row) + 1);
  }
  const double phase_h = header_row * std::max<size_t>(rows_used, 1) + 6;
  const double row_h = 18, row_gap = 4, lane_h = 22;
  double y = phase_h;
  double plot_top = y;
  double exec_top = y;
  double exec_h = rows.size() * (row_h + row_gap);
  y += exec_h + 8;
  double lanes_top = y;
  y += lanes.size() * (lane_h + row_gap);
  double writer_y = y;
  if (!writers.empty()) y += lane_h + row_gap;
  double plot_bottom = y;
  double H = y + 28;

  // Everything below the header: lane labels left of the plot, run labels
  // inside their lanes, tick labels under the axis.
  LabelLayout below(0, W, phase_h, H);
  std::string out = fmt::format(
      "<svg id=\"timeline\" viewBox=\"0 0 {:.0f} {:.0f}\" data-plot-left=\"{:.0f}\" data-plot-right=\"{:.0f}\" "
      "role=\"img\" aria-label=\"Timeline of the run\">\n",
      W, H, L, L + PW);
  if (fw0 >= 0)
    out += fmt::format("<rect class=\"fault-window\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"><title>"
                       "faults active {:.0f}..{:.0f} ms</title></rect>\n",
                       X(fw0), plot_top, std::max(X(fw1) - X(fw0), 1.0), exec_h, fw0, fw1);
  // A label left of the plot, cut to fit its margin; the full text is its tooltip.
  auto left_label = [&](const std::string& text, double baseline) {
    std::string shown = fit_text(text, L - 12, font, true);
    auto box = below.place({text_box(shown, L - 8, baseline, "end", font, true)});
    if (!box) return std::string();
    return fmt::format("<text class=\"lane-label\" x=\"{:.0f}\" y=\"{:.1f}\" text-anchor=\"end\">{}{}</text>\n", L - 8,
                       baseline, shown == text ? "" : "<title>" + esc(text) + "</title>", esc(shown));
  };
  // Grid and axis; a tick label that would leave the picture is moved in, or left out.
  double step = nice_step(dur, 10);
  for (double t = 0; t <= dur + 1e-9; t += step) {
    out += fmt::format("<line class=\"grid\" x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\"/>", X(t),
                       plot_top, plot_bottom);
    std::string label = seconds_label(t, step);
    double base = plot_bottom + 16;
    auto box = below.place({text_box(label, X(t), base, "middle", font), text_box(label, X(t), base, "end", font),
                            text_box(label, X(t), base, "start", font)});
    if (!box) continue;
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n", box->x, base, label);
  }
  out += fmt::format("<line class=\"axis\" x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>\n", L, L + PW,
                     plot_bottom + 2, plot_bottom + 2);
  // Exec rows.
  std::map<std::string, double> row_y;
  for (size_t i = 0; i < rows.size(); ++i) {
    double ry = exec_top + i * (row_h + row_gap);
    row_y[rows[i]] = ry;
    out += left_label(fmt::format("{} ({})", rows[i], per_class[rows[i]]), ry + row_h - 5);
  }
  std::string body;
  for (const json* e : execs) {
    std::string cls = str_or(*e, "class", "?");
    double x = X(num_or(*e, "t_ms"));
    double w = std::max(num_or(*e, "dur_ms") / dur * PW, 1.0);
    body += fmt::format(
        "<rect class=\"exec exec-{}\" x=\"{:.1f}\" y=\"{:.0f}\" width=\"{:.1f}\" height=\"{:.0f}\"><title>{}</title>"
        "</rect>\n",
        esc(cls), x, row_y[cls], w, row_h, esc(exec_tooltip(*e)));
  }
  out += "<g class=\"execs\">\n" + body + "</g>\n";
  // Fault lanes: translucent bands, `run` actions in their own colour and
  // labelled where the label has room.
  for (size_t i = 0; i < lanes.size(); ++i) {
    double ly = lanes_top + i * (lane_h + row_gap);
    out += fmt::format("<rect class=\"lane-bg\" x=\"{:.0f}\" y=\"{:.1f}\" width=\"{:.0f}\" height=\"{:.0f}\"/>", L, ly,
                       PW, lane_h);
    out += left_label("fault " + lanes[i], ly + lane_h - 7);
    for (const json* f : faults) {
      if (str_or(*f, "fault", "?") != lanes[i]) continue;
      std::string action = str_or(*f, "action", "?");
      double a = num_or(*f, "t_start_ms"), b = std::max(num_or(*f, "t_end_ms", a), a);
      std::string label = str_or(*f, "label");
      if (label.empty() && action == "run" && !array_or_empty(*f, "argv").empty())
        label = scalar_text(array_or_empty(*f, "argv")[0]);
      std::string tip = fmt::format("{}#{} {}{} · {:.1f}..{:.1f} ms · {}", lanes[i], count_or(*f, "fire"), action,
                                    label.empty() ? "" : " \"" + label + "\"", a, b, str_or(*f, "outcome", "?"));
      out += fmt::format(
          "<rect class=\"fault-band {}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.0f}\"><title>{}</title>"
          "</rect>\n",
          band_class(action), X(a), ly + 2, std::max(X(b) - X(a), 0.8), lane_h - 4, esc(tip));
      if (action != "run") continue;
      std::string text = fmt::format("\u25B6 {} ({})", fit_text(label, 180, font, true), str_or(*f, "outcome", "?"));
      double base = ly + lane_h - 7;
      Box box = text_box(text, X(a) + 3, base, "start", font, true);
      if (box.right() > L + PW) continue;  // past the plot's right edge
      if (!below.place({box})) continue;
      out += fmt::format("<text class=\"run-label\" x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n", X(a) + 3, base, esc(text));
    }
  }
  // Writers seen by fanotify: a diamond at the first write.
  if (!writers.empty()) {
    out += left_label("image writers", writer_y + lane_h - 7);
    for (const auto& w : writers) {
      double x = X(num_or(w, "t_ms")), cy = writer_y + lane_h / 2;
      std::string tip = fmt::format("{} wrote {} at {:.1f} ms ({})", str_or(w, "who", str_or(w, "exe", "?")),
                                    str_or(w, "path", "?"), num_or(w, "t_ms"), str_or(w, "access", "?"));
      out += fmt::format("<path class=\"writer-mark\" d=\"M{0:.1f} {1:.1f}l6 6l-6 6l-6 -6z\"><title>{2}</title></path>\n",
                         x, cy - 6, esc(tip));
    }
  }
  // The header's lines (from their label down; an unlabelled one from the
  // plot's top) and labels on top.
  for (const auto& h : header) {
    bool crash = h.css == "first-crash-label";
    out += fmt::format("<line class=\"{}\" x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>",
                       crash ? "first-crash" : "phase", h.x, h.x, h.box ? h.box->y : plot_top,
                       crash ? exec_top + exec_h : plot_bottom);
    if (!h.box) continue;
    double base = text_baseline(*h.box, font);
    out += fmt::format("<text class=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\">{}{}</text>\n", h.css,
                       h.right ? h.x + 4 : h.x - 4, base, h.right ? "start" : "end",
                       h.title.empty() ? "" : "<title>" + esc(h.title) + "</title>", esc(h.text));
  }
  out += "</svg>\n";
  return out;
}

std::string legend_html(const json& report) {
  std::string out = "<div class=\"legend\">";
  const json& counts = object_or_empty(report, "counts");
  for (const auto& c : exec_class_names(report))
    out += fmt::format("<span><i class=\"swatch\" style=\"background:{}\"></i>{} ({})</span>", exec_class_color(c),
                       esc(c), count_or(counts, c));
  out += "<span><i class=\"swatch\" style=\"background:#d62728;opacity:.45\"></i>fault: image write</span>"
         "<span><i class=\"swatch\" style=\"background:#1f77b4;opacity:.45\"></i>fault: drop_caches</span>"
         "<span><i class=\"swatch\" style=\"background:#6a3d9a;opacity:.6\"></i>fault: run (installer)</span>"
         "<span><i class=\"swatch\" style=\"background:#7f7f7f;opacity:.45\"></i>fault: other</span>"
         "<span><i class=\"swatch\" style=\"background:#fde7e4\"></i>faults active</span>"
         "<span><i class=\"swatch\" style=\"background:none;border-left:2px dashed #44546a;border-radius:0\"></i>phase"
         "</span>";
  if (!array_or_empty(report, "writers").empty())
    out += "<span><i class=\"swatch\" style=\"background:#a31515;transform:rotate(45deg) scale(.8)\"></i>image writer "
           "(fanotify)</span>";
  return out + "</div>\n";
}

// Abnormal/total per time window, stacked by class.
std::string crash_rate_svg(const json& report) {
  const double W = 1240, L = 150, R = 16, PW = W - L - R, top = 10, PH = 130, H = top + PH + 28;
  double dur = std::max(run_duration_ms(report), 1.0);
  const size_t n = kCrashRateWindows;
  std::vector<std::map<std::string, unsigned long>> win(n);
  std::vector<unsigned long> total(n, 0);
  for (const json* e : events_of(report, "exec")) {
    size_t i = std::min(n - 1, static_cast<size_t>(std::max(0.0, num_or(*e, "t_ms")) / dur * n));
    ++total[i];
    if (std::string c = str_or(*e, "class", "?"); c != "ok") ++win[i][c];
  }
  std::string out = fmt::format("<svg id=\"crash-rate\" viewBox=\"0 0 {:.0f} {:.0f}\" role=\"img\" "
                                "aria-label=\"Abnormal exits per time window\">\n",
                                W, H);
  for (double f : {0.0, 0.25, 0.5, 0.75, 1.0}) {
    double yy = top + PH * (1 - f);
    out += fmt::format("<line class=\"grid\" x1=\"{:.0f}\" x2=\"{:.0f}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>"
                       "<text x=\"{:.0f}\" y=\"{:.1f}\" text-anchor=\"end\">{:.0f}%</text>\n",
                       L, L + PW, yy, yy, L - 8, yy + 4, f * 100);
  }
  out += fmt::format("<text class=\"lane-label\" x=\"{:.0f}\" y=\"{:.0f}\" text-anchor=\"end\">abnormal</text>"
                     "<text x=\"{:.0f}\" y=\"{:.0f}\" text-anchor=\"end\">share of execs</text>"
                     "<text x=\"{:.0f}\" y=\"{:.0f}\" text-anchor=\"end\">per window</text>\n",
                     L - 48, top + PH / 2 - 8, L - 48, top + PH / 2 + 6, L - 48, top + PH / 2 + 20);
  double bw = PW / n;
  auto order = exec_class_names(report);
  for (size_t i = 0; i < n; ++i) {
    double x = L + i * bw + 2, w = bw - 4;
    double t0 = dur * i / n, t1 = dur * (i + 1) / n;
    if (total[i] == 0) {  // not a 0% rate: nothing to measure
      out += fmt::format("<rect class=\"rate-none\" x=\"{:.1f}\" y=\"{:.0f}\" width=\"{:.1f}\" height=\"3\"><title>"
                         "{:.2f}..{:.2f} s: no exec started</title></rect>\n",
                         x, top + PH - 3, w, t0 / 1000, t1 / 1000);
      continue;
    }
    unsigned long ab = 0;
    for (const auto& [c, k] : win[i]) ab += k;
    out += fmt::format("<rect class=\"rate-bg\" x=\"{:.1f}\" y=\"{:.0f}\" width=\"{:.1f}\" height=\"{:.0f}\"><title>"
                       "{:.2f}..{:.2f} s: {} of {} execs abnormal ({:.1f}%)</title></rect>\n",
                       x, top, w, PH, t0 / 1000, t1 / 1000, ab, total[i], 100.0 * ab / total[i]);
    double yb = top + PH;
    for (const auto& c : order) {
      auto it = win[i].find(c);
      if (it == win[i].end()) continue;
      double h = PH * it->second / total[i];
      yb -= h;
      out += fmt::format("<rect class=\"rate rate-{}\" fill=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" "
                         "height=\"{:.1f}\"><title>{:.2f}..{:.2f} s: {} {} of {} execs</title></rect>\n",
                         esc(c), exec_class_color(c), x, yb, w, h, t0 / 1000, t1 / 1000, it->second, esc(c), total[i]);
    }
  }
  double step = nice_step(dur, 10);
  for (double t = 0; t <= dur + 1e-9; t += step)
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.0f}\" text-anchor=\"middle\">{}</text>", L + t / dur * PW,
                       top + PH + 16, seconds_label(t, step));
  out += fmt::format("<line class=\"axis\" x1=\"{:.0f}\" x2=\"{:.0f}\" y1=\"{:.0f}\" y2=\"{:.0f}\"/>\n</svg>\n", L,
                     L + PW, top + PH, top + PH);
  return out;
}

std::string page_cache_svg(const json& report) {
  const json& pc = array_or_empty(report, "page_cache");
  const double W = 1240, L = 150, R = 16, PW = W - L - R, top = 10, PH = 110, H = top + PH + 28;
  double dur = std::max(run_duration_ms(report), 1.0);
  std::vector<std::pair<std::string, std::string>> lines;  // path -> points
  unsigned long clamped = 0;
  for (const auto& s : pc) {
    std::string p = str_or(s, "path", "?");
    bool over = false;
    double f = residency_fraction(s, &over);
    clamped += over;
    auto it = std::find_if(lines.begin(), lines.end(), [&](const auto& l) { return l.first == p; });
    if (it == lines.end()) {
      lines.emplace_back(p, "");
      it = lines.end() - 1;
    }
    it->second += fmt::format("{:.1f},{:.1f} ", L + std::clamp(num_or(s, "t_ms"), 0.0, dur) / dur * PW,
                              top + PH * (1 - f));
  }
  static const char* kColors[] = {"#1f77b4", "#2ca02c", "#9467bd", "#e377c2", "#17becf", "#bcbd22"};
  std::string out = fmt::format("<svg id=\"page-cache\" viewBox=\"0 0 {:.0f} {:.0f}\" role=\"img\" "
                                "aria-label=\"Page cache residency over time\">\n",
                                W, H);
  for (double f : {0.0, 0.5, 1.0}) {
    double yy = top + PH * (1 - f);
    out += fmt::format("<line class=\"grid\" x1=\"{:.0f}\" x2=\"{:.0f}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>"
                       "<text x=\"{:.0f}\" y=\"{:.1f}\" text-anchor=\"end\">{:.0f}%</text>\n",
                       L, L + PW, yy, yy, L - 8, yy + 4, f * 100);
  }
  for (size_t i = 0; i < lines.size(); ++i)
    out += fmt::format("<polyline class=\"pc-line\" stroke=\"{}\" points=\"{}\"><title>{}</title></polyline>\n",
                       kColors[i % 6], lines[i].second, esc(lines[i].first));
  double step = nice_step(dur, 10);
  for (double t = 0; t <= dur + 1e-9; t += step)
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.0f}\" text-anchor=\"middle\">{}</text>", L + t / dur * PW,
                       top + PH + 16, seconds_label(t, step));
  out += "</svg>\n<div class=\"legend\">";
  for (size_t i = 0; i < lines.size(); ++i)
    out += fmt::format("<span><i class=\"swatch\" style=\"background:{}\"></i>{} (resident pages, % of file)</span>",
                       kColors[i % 6], esc(lines[i].first));
  out += "</div>\n";
  if (clamped) out += fmt::format("<p>{} ({} samples.)</p>\n", esc(kResidencyClampNote), clamped);
  return out;
}

std::string section(const char* id, const std::string& title, const std::string& inner) {
  return fmt::format("<section id=\"{}\"><h2>{}</h2>\n{}</section>\n", id, esc(title), inner);
}

std::string summary_tables(const json& report) {
  const json& counts = object_or_empty(report, "counts");
  const json& under = object_or_empty(report, "counts_under_fault");
  Table t({"class", "all execs", "under fault"}, "lrr");
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
    Table t({"result", "expectation", "observed", "detail"}, "llrl");
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

std::string faults_html(const json& report) {
  auto rows = fault_action_rows(report);
  if (rows.empty()) return "";
  Table t({"fault", "action", "label", "fires", "outcomes", "first start", "last end"}, "llmrlrr");
  for (const auto& r : rows)
    t.row({r.fault, r.action, r.label, std::to_string(r.fires), outcomes_text(r), fmt::format("{:.3f} s", r.first_ms / 1000),
           fmt::format("{:.3f} s", r.last_ms / 1000)});
  std::string out = t.str();
  Table cmds({"fault#fire", "pid", "command", "outcome", "stderr"}, "lrmlm");
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
  Table g({"writers", "program", "started by", "image", "truncating", "first", "last"}, "rllmrrr");
  auto groups = writer_groups(report);
  for (const auto& x : groups)
    g.row({std::to_string(x.writers), x.program, x.started_by, fmt::format("{}", fmt::join(x.paths, ", ")),
           std::to_string(x.truncating), x.first_ms >= 0 ? format_ms(x.first_ms) : "",
           x.last_ms >= 0 ? format_ms(x.last_ms) : ""});
  std::string out = "<p>One row per program and the action that started it. \"truncating\": opened the image with "
                    "truncation, or wrote while it was shorter than when it was mounted.</p>\n" +
                    collapsible("writer groups", groups.size(), g.str());
  Table t({"writer", "pid", "exe", "argv", "path", "access", "first write", "mounted at", "loop device", "truncated"},
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
  Table t({"snapshot", "taken", "path", "size (bytes)", "inode", "sha256", "loop backing inode", "backing replaced",
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
  Table t({"", ""}, "lm");
  t.css("kv");
  for (const auto& [k, v] : environment_rows(report)) t.row({k, v});
  return t.str();
}

std::string images_mounts_html(const json& report) {
  std::string out;
  const json& images = array_or_empty(report, "images");
  if (!images.empty()) {
    Table t({"name", "path", "size", "fs"}, "lmrl");
    for (const auto& i : images)
      t.row({str_or(i, "name"), str_or(i, "path"), format_bytes(static_cast<double>(count_or(i, "size_bytes"))),
             str_or(i, "fs")});
    out += "<h3>Images</h3>\n" + t.str();
  }
  const json& mounts = array_or_empty(report, "mounts");
  if (!mounts.empty()) {
    Table t({"image", "mountpoint", "options", "loop device", "backing inode", "backing dev"}, "mmlmrr");
    for (const auto& m : mounts)
      t.row({str_or(m, "image"), str_or(m, "mountpoint"), str_or(m, "options"), str_or(m, "loop_device"),
             m.contains("backing_inode") ? scalar_text(m["backing_inode"]) : "",
             m.contains("backing_dev") ? scalar_text(m["backing_dev"]) : ""});
    out += "<h3>Mounts</h3>\n" + t.str();
  }
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
      esc(title), kStyle, body_html);
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
                  timeline_svg(report) + legend_html(report));
  body += section("crash-rate-section",
                  fmt::format("Abnormal exits per time window ({} windows)", kCrashRateWindows), crash_rate_svg(report));
  body += section("summary", "Exec counts", summary_tables(report));
  if (std::string e = expectations_html(report); !e.empty()) body += section("expectations", "Expectations", e);
  if (std::string f = faults_html(report); !f.empty()) body += section("faults", "Fault actions", f);
  if (std::string w = writers_html(report); !w.empty()) body += section("writers", "Write attribution", w);
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
