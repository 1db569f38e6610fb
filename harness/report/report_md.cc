#include "report/report_md.h"

#include "report/exercise_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "report/crash_points.h"
#include "report/report_summary.h"
#include "report/report_view.h"
#include "report/writer_groups.h"

namespace harness {

using nlohmann::json;

std::string md_escape(std::string_view s) {
  // Escapes only what could start markup, so a pasted paragraph stays
  // readable as plain text: "overwrite_truncate" keeps its underscore
  // (GFM ignores intraword ones), "<=" its angle bracket.
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    char prev = i ? s[i - 1] : ' ', next = i + 1 < s.size() ? s[i + 1] : ' ';
    bool esc = false;
    switch (c) {
      case '\\': case '|': case '*': case '`': case '[': case ']': esc = true; break;
      case '_': esc = !(alnum(prev) && alnum(next)); break;
      case '<': esc = alnum(next) || next == '/' || next == '!' || next == '?'; break;
      case '#': case '>': esc = i == 0; break;
      default: break;
    }
    if (c == '\n' || c == '\r') {
      out += ' ';
      continue;
    }
    if (esc) out += '\\';
    out += c;
  }
  return out;
}

std::string md_code_block(std::string_view text) {
  size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  std::string fence(std::max<size_t>(3, longest + 1), '`');
  std::string body(text);
  if (!body.empty() && body.back() != '\n') body += '\n';
  return fmt::format("{}text\n{}{}\n", fence, body, fence);
}

namespace {

// A markdown table; every cell is escaped here.
class Table {
 public:
  Table(std::vector<std::string> head, std::string align) : head_(std::move(head)), align_(std::move(align)) {}
  void row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  std::string str() const {
    std::string out = "|";
    for (const auto& h : head_) out += fmt::format(" {} |", md_escape(h));
    out += "\n|";
    for (size_t i = 0; i < head_.size(); ++i) out += i < align_.size() && align_[i] == 'r' ? "---:|" : "---|";
    out += "\n";
    for (const auto& r : rows_) {
      out += "|";
      for (size_t i = 0; i < head_.size(); ++i) out += fmt::format(" {} |", i < r.size() ? md_escape(r[i]) : "");
      out += "\n";
    }
    return out + "\n";
  }

 private:
  std::vector<std::string> head_;
  std::string align_;  // 'l' or 'r' per column
  std::vector<std::vector<std::string>> rows_;
};

std::string sec(double ms) { return fmt::format("{:.3f} s", ms / 1000); }

// Rows as image_rows() and the like give them, the first the header.
std::string md_rows_table(const std::vector<std::vector<std::string>>& rows, const char* kinds) {
  Table t(rows.front(), kinds);
  for (size_t i = 1; i < rows.size(); ++i) t.row(rows[i]);
  return t.str();
}

void section_summary(std::string& out, const json& report) {
  const json& counts = object_or_empty(report, "counts");
  const json& under = object_or_empty(report, "counts_under_fault");
  bool has_under = report.contains("counts_under_fault");
  Table t(has_under ? std::vector<std::string>{"class", "all execs", "under fault"}
                    : std::vector<std::string>{"class", "all execs"},
          "lrr");
  unsigned long long total = 0, total_under = 0;
  for (const auto& cls : exec_class_names(report)) {
    unsigned long long c = count_or(counts, cls), u = count_or(under, cls);
    total += c;
    total_under += u;
    if (has_under) t.row({cls, std::to_string(c), std::to_string(u)});
    else t.row({cls, std::to_string(c)});
  }
  if (has_under) t.row({"total", std::to_string(total), std::to_string(total_under)});
  else t.row({"total", std::to_string(total)});
  out += "## Exec counts\n\n" + t.str();
  const json& ex = object_or_empty(report, "execs");
  if (!ex.empty())
    out += fmt::format("{} execs in all: {} warm-up, {} under fault; the run took {}.\n\n", count_or(ex, "total", total),
                       count_or(ex, "warmup"), count_or(ex, "under_fault", total_under),
                       format_ms(run_duration_ms(report)));
}

void section_expectations(std::string& out, const json& report) {
  const json& exps = array_or_empty(report, "expectations");
  std::vector<std::string> extra;  // reasons that are not one expectation's line
  for (const auto& r : array_or_empty(report, "verdict_reasons"))
    if (r.is_string()) {
      std::string s = r.get<std::string>();
      if (s.rfind("held:", 0) != 0 && s.rfind("FAILED:", 0) != 0) extra.push_back(s);
    }
  if (exps.empty() && extra.empty()) return;
  out += "## Expectations\n\n";
  if (!exps.empty()) {
    Table t({"result", "expectation", "observed", "detail"}, "llrl");
    for (const auto& e : exps)
      t.row({expectation_state(e), str_or(e, "text"),
             e.is_object() && e.contains("observed") ? scalar_text(e.at("observed")) : "", str_or(e, "detail")});
    out += t.str();
  }
  for (const auto& s : extra) out += fmt::format("- {}\n", md_escape(s));
  if (!extra.empty()) out += "\n";
}

// What the faults offered and where they struck (core/exercise.h).
void section_exercise(std::string& out, const json& report) {
  auto lines = exercise_lines(report);
  if (lines.empty()) return;
  out += "## What was offered and exercised\n\n";
  for (const auto& l : lines) out += fmt::format("- **{}**: {}\n", l.label, md_escape(l.text));
  out += "\n";
}

void section_crash_points(std::string& out, const json& report) {
  auto tables = crash_point_tables(report);
  if (tables.empty()) return;
  out += fmt::format("## Power-cut crash points\n\n{}\n\n", md_escape(kCrashPointsNote));
  for (const auto& t : tables) {
    out += fmt::format("**{}**{}\n\n", md_escape(t.title), t.not_judged.empty() ? "" : ": " + md_escape(t.not_judged));
    if (t.rows.size() < 2) continue;
    Table table(t.rows.front(), "rrlll");
    for (size_t i = 1; i < t.rows.size(); ++i) table.row(t.rows[i]);
    out += table.str();
  }
}

void section_faults(std::string& out, const json& report) {
  auto rows = fault_action_rows(report);
  if (rows.empty()) return;
  out += "## Fault actions\n\n";
  Table t({"fault", "action", "label", "fires", "outcomes", "first start", "last end"}, "lllrlrr");
  for (const auto& r : rows)
    t.row({r.fault, r.action, r.label, std::to_string(r.fires), outcomes_text(r), sec(r.first_ms), sec(r.last_ms)});
  out += t.str();
  // The commands a scenario ran (an installer under test) and how they
  // ended: one row per fault and command line, however often it ran.
  struct Command {
    std::string fault, command, first_stderr;
    std::vector<std::string> pids;
    std::vector<std::pair<std::string, unsigned long>> outcomes;
    unsigned long runs = 0;
  };
  std::vector<Command> cmds;
  for (const json* e : events_of(report, "fault")) {
    if (str_or(*e, "action") != "run") continue;
    std::vector<std::string> argv;
    for (const auto& a : array_or_empty(*e, "argv")) argv.push_back(scalar_text(a));
    std::string fault = str_or(*e, "fault"), command = fmt::format("{}", fmt::join(argv, " "));
    auto it = std::find_if(cmds.begin(), cmds.end(), [&](const Command& c) { return c.fault == fault && c.command == command; });
    if (it == cmds.end()) {
      cmds.push_back(Command{fault, command, "", {}, {}, 0});
      it = cmds.end() - 1;
    }
    ++it->runs;
    if (it->pids.size() < 3 && e->contains("pid")) it->pids.push_back(scalar_text(e->at("pid")));
    std::string outcome = str_or(*e, "outcome");
    const json& result = object_or_empty(*e, "result");
    if (!result.empty() && result.contains("decision"))
      outcome += fmt::format(" ({}: {})", str_or(result, "decision"), str_or(result, "reason"));
    auto o = std::find_if(it->outcomes.begin(), it->outcomes.end(), [&](const auto& p) { return p.first == outcome; });
    if (o == it->outcomes.end()) it->outcomes.emplace_back(outcome, 1);
    else ++o->second;
    std::string err = str_or(*e, "stderr");
    if (it->first_stderr.empty() && !err.empty()) it->first_stderr = err.substr(0, std::min(err.find('\n'), size_t{200}));
  }
  if (cmds.empty()) return;
  Table ct({"fault", "runs", "command", "outcomes", "pids", "first stderr line"}, "lrllll");
  for (size_t i = 0; i < cmds.size() && i < kMarkdownCommandRows; ++i) {
    const Command& c = cmds[i];
    std::vector<std::string> outcomes;
    for (const auto& [o, n] : c.outcomes) outcomes.push_back(fmt::format("{} x{}", o, n));
    ct.row({c.fault, std::to_string(c.runs), c.command, fmt::format("{}", fmt::join(outcomes, ", ")),
           fmt::format("{}{}", fmt::join(c.pids, ", "), c.runs > c.pids.size() ? ", \u2026" : ""), c.first_stderr});
  }
  out += "Commands run by faults (one row per command line; report.json has every run):\n\n" + ct.str();
  if (cmds.size() > kMarkdownCommandRows)
    out += fmt::format("({} more command lines are in report.json.)\n\n", cmds.size() - kMarkdownCommandRows);
}

void section_writers(std::string& out, const json& report) {
  const json& writers = array_or_empty(report, "writers");
  if (writers.empty()) return;
  out += "## Write attribution\n\n";
  Table t({"writers", "program", "started by", "image", "truncating", "first", "last", "pids"}, "rlllrrrl");
  for (const auto& g : writer_groups(report)) {
    std::vector<std::string> pids;
    for (long long p : g.pids) pids.push_back(std::to_string(p));
    if (g.writers > g.pids.size()) pids.push_back("\u2026");
    t.row({std::to_string(g.writers), g.program, g.started_by, fmt::format("{}", fmt::join(g.paths, ", ")),
           std::to_string(g.truncating), g.first_ms >= 0 ? sec(g.first_ms) : "", g.last_ms >= 0 ? sec(g.last_ms) : "",
           fmt::format("{}", fmt::join(pids, ", "))});
  }
  out += t.str();
  out += fmt::format("One row per program and the action that started it; report.json lists every writer ({}). "
                     "\"truncating\": opened the image with truncation, or wrote while it was shorter than when "
                     "it was mounted.\n\n",
                     writers.size());
}

void section_survivors(std::string& out, const json& report) {
  auto rows = survivor_rows(report);
  if (rows.size() <= 1) return;
  out += "## Killed at teardown\n\n";
  out += md_rows_table(rows, "rllr");
  out += "Left running in the background by the run's actions until the faults ended, and killed then: what "
         "they would have done next went unseen, so the run is inconclusive.\n\n";
}

void section_images_evidence(std::string& out, const json& report) {
  const json& ev = array_or_empty(report, "images_evidence");
  if (ev.empty()) return;
  out += "## Image evidence\n\nEach mounted image's size, digest and inode at named moments; a snapshot "
         "describes only the moment it was taken, placed here against the actions.\n\n";
  Table t({"snapshot", "taken", "path", "size", "inode", "sha256", "loop backing inode", "backing replaced",
           "backing deleted"},
          "lllrrlrll");
  for (const auto& s : ev) {
    std::string sha = str_or(s, "sha256", str_or(s, "sha256_error"));
    t.row({str_or(s, "when"), snapshot_moment(report, s), str_or(s, "path"), s.contains("size_bytes") ? scalar_text(s.at("size_bytes")) : "",
           s.contains("inode") ? scalar_text(s.at("inode")) : (bool_or(s, "missing") ? "missing" : ""), sha,
           s.contains("loop_backing_inode") ? scalar_text(s.at("loop_backing_inode")) : "",
           s.contains("backing_replaced") ? scalar_text(s.at("backing_replaced")) : "",
           s.contains("backing_deleted") ? scalar_text(s.at("backing_deleted")) : ""});
  }
  out += t.str();
}

void section_page_cache(std::string& out, const json& report) {
  const json& pc = array_or_empty(report, "page_cache");
  if (pc.empty()) return;
  struct Agg {
    unsigned long samples = 0;
    double min = 1e300, max = -1, first = -1, last = -1;
    unsigned long long total_pages = 0;
  };
  std::vector<std::pair<std::string, Agg>> paths;
  unsigned long clamped = 0;
  for (const auto& s : pc) {
    std::string p = str_or(s, "path", "?");
    auto it = std::find_if(paths.begin(), paths.end(), [&](const auto& x) { return x.first == p; });
    if (it == paths.end()) {
      paths.emplace_back(p, Agg{});
      it = paths.end() - 1;
    }
    bool over = false;
    double frac = residency_fraction(s, &over);
    clamped += over;
    Agg& a = it->second;
    ++a.samples;
    a.min = std::min(a.min, frac);
    a.max = std::max(a.max, frac);
    if (a.first < 0) a.first = frac;
    a.last = frac;
    a.total_pages = count_or(s, "total_pages");
  }
  out += "## Page cache residency\n\n";
  Table t({"path", "pages", "samples", "first", "min", "max", "last"}, "lrrrrrr");
  auto pct = [](double f) { return fmt::format("{:.0f}%", f * 100); };
  for (const auto& [p, a] : paths)
    t.row({p, std::to_string(a.total_pages), std::to_string(a.samples), pct(a.first), pct(a.min), pct(a.max),
           pct(a.last)});
  out += t.str();
  if (clamped) out += fmt::format("{} ({} samples.)\n\n", kResidencyClampNote, clamped);
}

void section_environment(std::string& out, const json& report) {
  Table t({"", ""}, "ll");
  for (const auto& [k, v] : environment_rows(report)) t.row({k, v});
  out += "## Environment\n\n" + t.str();
}

void section_images_mounts(std::string& out, const json& report) {
  if (auto images = image_rows(report); images.size() > 1) out += "## Images\n\n" + md_rows_table(images, "llrl");
  if (auto mounts = mount_rows(report); mounts.size() > 1) out += "## Mounts\n\n" + md_rows_table(mounts, "llllrr");
}

void section_kernel_log(std::string& out, const json& report) {
  const json& log = array_or_empty(report, "kernel_log");
  if (log.empty()) return;
  std::string text;
  size_t n = 0;
  for (const auto& l : log) {
    if (n++ == kMarkdownKernelLogLines) break;
    std::string line = l.is_string() ? l.get<std::string>() : str_or(l, "line");
    text += kernel_log_prefix(l) + line + "\n";
  }
  out += fmt::format("## Kernel log ({} lines)\n\n", log.size());
  out += md_code_block(text);
  if (log.size() > kMarkdownKernelLogLines)
    out += fmt::format("\nShowing the first {} of {} lines; report.json has them all.\n",
                       kMarkdownKernelLogLines, log.size());
  out += "\n";
}

}  // namespace

void section_top(std::string& out, const json& report) {
  ReportSummary sum = summarize(report);
  const json& run = object_or_empty(report, "run");
  out += fmt::format("# {}: {}\n\n", md_escape(str_or(report, "scenario", "(unnamed scenario)")), md_escape(sum.verdict));
  std::vector<std::string> facts;
  facts.push_back(fmt::format("**{}**", md_escape(sum.verdict)));
  std::string backend = str_or(run, "backend", str_or(object_or_empty(report, "environment"), "backend"));
  if (!backend.empty()) facts.push_back(fmt::format("{} backend", md_escape(backend)));
  if (run.contains("id")) facts.push_back(fmt::format("run {}", md_escape(str_or(run, "id"))));
  if (run.contains("started_at")) facts.push_back(fmt::format("started {}", md_escape(str_or(run, "started_at"))));
  facts.push_back(fmt::format("took {}", format_ms(run_duration_ms(report))));
  out += fmt::format("{}\n\n", fmt::join(facts, " \u00b7 "));
  out += fmt::format("**Why:** {}\n", md_escape(sum.why));
  for (const auto& r : sum.reasons) out += fmt::format("- {}\n", md_escape(r));
  out += "\n";
  if (!sum.writer.empty()) {
    out += fmt::format("**Who wrote the image while it was mounted:** {}\n", md_escape(sum.writer));
    for (const auto& g : sum.writer_groups) out += fmt::format("- {}\n", md_escape(g));
    out += "\n";
  }
  if (!sum.execs.empty()) out += fmt::format("**Execs:** {}\n", md_escape(sum.execs));
  out += fmt::format("**Bound:** {}\n\n", md_escape(sum.bound));
  out += fmt::format("**Next:** {}\n\n", md_escape(sum.next));
  out += "---\n\n";
}

std::string render_markdown(const json& report) {
  std::string out;
  section_top(out, report);
  if (std::string d = str_or(report, "description"); !d.empty()) out += fmt::format("> {}\n\n", md_escape(d));
  out += fmt::format("## What happened\n\n{}\n\n", md_escape(what_happened(report)));
  section_summary(out, report);
  out += fmt::format("## Statistics\n\n{}.\n\n", md_escape(statistics_sentence(report)));
  section_expectations(out, report);
  section_exercise(out, report);
  section_crash_points(out, report);
  section_faults(out, report);
  section_writers(out, report);
  section_survivors(out, report);
  section_images_evidence(out, report);
  section_page_cache(out, report);
  section_environment(out, report);
  section_images_mounts(out, report);
  section_kernel_log(out, report);
  return out;
}

}  // namespace harness
