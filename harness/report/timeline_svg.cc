#include "report/timeline_svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

#include "core/scenario.h"
#include "report/chart_axis.h"
#include "report/label_layout.h"
#include "report/report_html.h"
#include "report/report_view.h"

namespace harness {

using nlohmann::json;

namespace {

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

}  // namespace

// The timeline: one row per exec class present, a lane per fault, the
// writers, phase markers, the fault window shaded behind the execs. Every
// text label is placed by a LabelLayout: none overlaps another, none
// leaves the plot; a label that fits nowhere is left out (its mark keeps
// its tooltip).
std::string timeline_svg(const json& report) {
  const ChartGeometry g(run_duration_ms(report));
  const double W = g.kWidth, L = g.kLeft, PW = g.kPlotWidth, dur = g.dur_ms;
  const double font = 11;             // svg text, from the stylesheet
  const double header_row = 16;       // one row of phase / first-crash labels
  const size_t max_header_rows = 4;
  auto X = [&](double t) { return g.x(t); };

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
                       baseline, shown == text ? "" : "<title>" + html_escape(text) + "</title>", html_escape(shown));
  };
  // Grid and axis; a tick label that would leave the picture is moved in, or left out.
  const TimeTicks ticks = time_ticks(g);
  for (double t : ticks.at_ms) {
    out += fmt::format("<line class=\"grid\" x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\"/>", X(t),
                       plot_top, plot_bottom);
    std::string label = seconds_label(t, ticks.step);
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
        html_escape(cls), x, row_y[cls], w, row_h, html_escape(exec_tooltip(*e)));
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
          band_class(action), X(a), ly + 2, std::max(X(b) - X(a), 0.8), lane_h - 4, html_escape(tip));
      if (action != "run") continue;
      std::string text = fmt::format("\u25B6 {} ({})", fit_text(label, 180, font, true), str_or(*f, "outcome", "?"));
      double base = ly + lane_h - 7;
      Box box = text_box(text, X(a) + 3, base, "start", font, true);
      if (box.right() > L + PW) continue;  // past the plot's right edge
      if (!below.place({box})) continue;
      out += fmt::format("<text class=\"run-label\" x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n", X(a) + 3, base, html_escape(text));
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
                         x, cy - 6, html_escape(tip));
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
                       h.title.empty() ? "" : "<title>" + html_escape(h.title) + "</title>", html_escape(h.text));
  }
  out += "</svg>\n";
  return out;
}

std::string timeline_legend_html(const json& report) {
  std::string out = "<div class=\"legend\">";
  const json& counts = object_or_empty(report, "counts");
  for (const auto& c : exec_class_names(report))
    out += fmt::format("<span><i class=\"swatch\" style=\"background:{}\"></i>{} ({})</span>", exec_class_color(c),
                       html_escape(c), count_or(counts, c));
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

}  // namespace harness
