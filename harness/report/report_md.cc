#include "report/report_md.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "report/report_view.h"

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
  out += "## Summary\n\n" + t.str();
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

void section_faults(std::string& out, const json& report) {
  auto rows = fault_action_rows(report);
  if (rows.empty()) return;
  out += "## Fault actions\n\n";
  Table t({"fault", "action", "label", "fires", "outcomes", "first start", "last end"}, "lllrlrr");
  for (const auto& r : rows)
    t.row({r.fault, r.action, r.label, std::to_string(r.fires), outcomes_text(r), sec(r.first_ms), sec(r.last_ms)});
  out += t.str();
  // The commands a scenario ran (an installer under test) and how they ended.
  Table cmds({"fault#fire", "pid", "command", "outcome", "first stderr line"}, "lrlll");
  size_t shown = 0, total = 0;
  for (const json* e : events_of(report, "fault")) {
    if (str_or(*e, "action") != "run") continue;
    if (++total > 20) continue;
    ++shown;
    std::vector<std::string> argv;
    for (const auto& a : array_or_empty(*e, "argv")) argv.push_back(scalar_text(a));
    std::string err = str_or(*e, "stderr");
    err = err.substr(0, err.find('\n'));
    std::string outcome = str_or(*e, "outcome");
    const json& result = object_or_empty(*e, "result");
    if (!result.empty() && result.contains("decision"))
      outcome += fmt::format(" ({}: {})", str_or(result, "decision"), str_or(result, "reason"));
    cmds.row({fmt::format("{}#{}", str_or(*e, "fault"), count_or(*e, "fire")),
              e->contains("pid") ? scalar_text(e->at("pid")) : "", fmt::format("{}", fmt::join(argv, " ")), outcome,
              err.substr(0, 200)});
  }
  if (shown) {
    out += "Commands run by faults:\n\n" + cmds.str();
    if (total > shown) out += fmt::format("({} more command runs are in report.json.)\n\n", total - shown);
  }
}

void section_writers(std::string& out, const json& report) {
  const json& writers = array_or_empty(report, "writers");
  if (writers.empty()) return;
  out += "## Write attribution\n\n";
  Table t({"writer", "pid", "exe", "path", "access", "first write", "mounted at", "loop device", "truncated"},
          "lrlllrlll");
  for (const auto& w : writers) {
    std::string who = str_or(w, "who");
    if (who.empty()) {
      std::vector<std::string> argv;
      for (const auto& a : array_or_empty(w, "argv")) argv.push_back(scalar_text(a));
      who = fmt::format("{}", fmt::join(argv, " "));
    }
    t.row({who, w.contains("pid") ? scalar_text(w.at("pid")) : "", str_or(w, "exe"), str_or(w, "path"),
           str_or(w, "access"), w.contains("t_ms") ? sec(num_or(w, "t_ms")) : "", str_or(w, "image_mounted_at"),
           str_or(w, "loop_device"), w.contains("truncated") ? scalar_text(w.at("truncated")) : ""});
  }
  out += t.str();
}

void section_images_evidence(std::string& out, const json& report) {
  const json& ev = array_or_empty(report, "images_evidence");
  if (ev.empty()) return;
  out += "## Image evidence\n\n";
  Table t({"when", "path", "size", "inode", "sha256", "loop backing inode", "backing replaced", "backing deleted"},
          "llrrlrll");
  for (const auto& s : ev) {
    std::string sha = str_or(s, "sha256", str_or(s, "sha256_error"));
    t.row({str_or(s, "when"), str_or(s, "path"), s.contains("size_bytes") ? scalar_text(s.at("size_bytes")) : "",
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
  for (const auto& s : pc) {
    std::string p = str_or(s, "path", "?");
    auto it = std::find_if(paths.begin(), paths.end(), [&](const auto& x) { return x.first == p; });
    if (it == paths.end()) {
      paths.emplace_back(p, Agg{});
      it = paths.end() - 1;
    }
    double total = static_cast<double>(count_or(s, "total_pages"));
    double frac = total > 0 ? static_cast<double>(count_or(s, "resident_pages")) / total : 0;
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
}

void section_environment(std::string& out, const json& report) {
  Table t({"", ""}, "ll");
  for (const auto& [k, v] : environment_rows(report)) t.row({k, v});
  out += "## Environment\n\n" + t.str();
}

void section_images_mounts(std::string& out, const json& report) {
  const json& images = array_or_empty(report, "images");
  if (!images.empty()) {
    Table t({"name", "path", "size", "fs"}, "llrl");
    for (const auto& i : images)
      t.row({str_or(i, "name"), str_or(i, "path"), format_bytes(static_cast<double>(count_or(i, "size_bytes"))),
             str_or(i, "fs")});
    out += "## Images\n\n" + t.str();
  }
  const json& mounts = array_or_empty(report, "mounts");
  if (!mounts.empty()) {
    Table t({"image", "mountpoint", "options", "loop device", "backing inode", "backing dev"}, "llllrr");
    for (const auto& m : mounts)
      t.row({str_or(m, "image"), str_or(m, "mountpoint"), str_or(m, "options"), str_or(m, "loop_device"),
             m.contains("backing_inode") ? scalar_text(m.at("backing_inode")) : "",
             m.contains("backing_dev") ? scalar_text(m.at("backing_dev")) : ""});
    out += "## Mounts\n\n" + t.str();
  }
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

std::string render_markdown(const json& report) {
  std::string out;
  std::string verdict = str_or(report, "verdict", "unknown");
  const json& run = object_or_empty(report, "run");
  out += fmt::format("# {}: {}\n\n", md_escape(str_or(report, "scenario", "(unnamed scenario)")),
                     md_escape(upper(verdict)));
  std::vector<std::string> facts;
  facts.push_back(fmt::format("**Verdict: {}**", md_escape(upper(verdict))));
  if (run.contains("id")) facts.push_back(fmt::format("run {}", md_escape(str_or(run, "id"))));
  if (run.contains("started_at")) facts.push_back(fmt::format("started {}", md_escape(str_or(run, "started_at"))));
  facts.push_back(fmt::format("took {}", format_ms(run_duration_ms(report))));
  std::string backend = str_or(run, "backend", str_or(object_or_empty(report, "environment"), "backend"));
  if (!backend.empty()) facts.push_back(fmt::format("{} backend", md_escape(backend)));
  out += fmt::format("{}\n\n", fmt::join(facts, " · "));
  if (std::string d = str_or(report, "description"); !d.empty()) out += fmt::format("> {}\n\n", md_escape(d));
  if (std::string w = str_or(report, "writer_summary"); !w.empty())
    out += fmt::format("**Who wrote the image:** {}\n\n", md_escape(w));

  out += fmt::format("## What happened\n\n{}\n\n", md_escape(what_happened(report)));
  section_summary(out, report);
  out += fmt::format("## Statistics\n\n{}.\n\n", md_escape(statistics_sentence(report)));
  section_expectations(out, report);
  section_faults(out, report);
  section_writers(out, report);
  section_images_evidence(out, report);
  section_page_cache(out, report);
  section_environment(out, report);
  section_images_mounts(out, report);
  section_kernel_log(out, report);
  return out;
}

}  // namespace harness
