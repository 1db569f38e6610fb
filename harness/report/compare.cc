#include "report/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>

#include "base/error.h"
#include "report/report_load.h"
#include "report/report_files.h"
#include "report/report_html.h"
#include "report/report_md.h"
#include "report/report_view.h"
#include "report/writer_groups.h"

namespace harness {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string side_label(const json& r, const char* which) {
  std::string id = str_or(object_or_empty(r, "run"), "id");
  return id.empty() ? which : fmt::format("{} ({})", which, id);
}

void add(CompareTable& t, std::string what, std::string a, std::string b) {
  bool differs = a != b;
  t.rows.push_back({std::move(what), std::move(a), std::move(b), differs ? "yes" : ""});
}

std::string signed_diff(unsigned long long a, unsigned long long b) {
  if (a == b) return "0";
  return b > a ? fmt::format("+{}", b - a) : fmt::format("-{}", a - b);
}

std::string rate_text(const json& r) {
  const json& st = object_or_empty(r, "statistics");
  unsigned long long n = count_or(st, "n"), k = count_or(st, "abnormal");
  if (n == 0) return "no execs under fault";
  if (k == 0) return fmt::format("0 (< {:.3g} at 95%, one-sided)", num_or(st, "upper95_one_sided", 1));
  return fmt::format("{:.3g} (95% CI {:.3g}\u2013{:.3g})", num_or(st, "rate"), num_or(st, "ci95_low"),
                     num_or(st, "ci95_high", 1));
}

// The 95% interval of the abnormal rate: [low, high], where k = 0 uses
// the one-sided bound as its high end.
std::optional<std::pair<double, double>> interval(const json& r) {
  const json& st = object_or_empty(r, "statistics");
  if (count_or(st, "n") == 0) return std::nullopt;
  if (count_or(st, "abnormal") == 0) return std::make_pair(0.0, num_or(st, "upper95_one_sided", 1));
  return std::make_pair(num_or(st, "ci95_low"), num_or(st, "ci95_high", 1));
}

std::string expectation_text(const json& r, const std::string& text) {
  for (const auto& e : array_or_empty(r, "expectations"))
    if (str_or(e, "text") == text)
      return fmt::format("{} (observed {})", expectation_state(e),
                         e.contains("observed") ? scalar_text(e["observed"]) : "?");
  return "\u2014";
}

// Per image path: the first and the last snapshot, summarised.
struct ImageStory {
  std::string contents = "\u2014", inode = "\u2014", size = "\u2014";
};

ImageStory image_story(const json& r, const std::string& path) {
  std::vector<const json*> snaps;
  for (const auto& s : array_or_empty(r, "images_evidence"))
    if (str_or(s, "path") == path) snaps.push_back(&s);
  ImageStory st;
  if (snaps.empty()) return st;
  const json& first = *snaps.front();
  const json& last = *snaps.back();
  auto short_sha = [](const std::string& s) { return s.size() > 12 ? s.substr(0, 12) + "\u2026" : s; };
  std::string s0 = str_or(first, "sha256"), s1 = str_or(last, "sha256");
  // The digests say what the bytes were at the snapshots; the writers say
  // whether anything wrote them in between. Identical bytes written back
  // in place are a change (the incident's own mistake), never "unchanged".
  std::set<std::string> digests;
  for (const json* snap : snaps)
    if (std::string d = str_or(*snap, "sha256"); !d.empty()) digests.insert(d);
  unsigned long writers = 0, truncating = 0;
  for (const auto& w : array_or_empty(r, "writers"))
    if (str_or(w, "path") == path) {
      ++writers;
      truncating += writer_truncated(w);
    }
  std::string bytes = s0.empty() || s1.empty() ? "no digest"
                      : s0 != s1               ? fmt::format("digest {} \u2192 {}", short_sha(s0), short_sha(s1))
                      : digests.size() > 1     ? fmt::format("digest {} at both ends, another in between", short_sha(s0))
                                               : fmt::format("the same digest at every snapshot ({})", short_sha(s0));
  const json& evidence = object_or_empty(r, "write_evidence");
  bool proof = str_or(evidence, "unavailable").empty() && str_or(evidence, "incomplete").empty() &&
               r.contains("write_evidence");
  if (writers)
    st.contents = fmt::format("rewritten while mounted by {} writer{}{}; {}", writers, writers == 1 ? "" : "s",
                              truncating ? fmt::format(" ({} truncating)", truncating) : "", bytes);
  else if (s0 != s1 || digests.size() > 1)
    st.contents = "changed: " + bytes;
  else
    st.contents = proof ? "unchanged: no writer while mounted; " + bytes
                        : "no writer seen, but without complete write evidence; " + bytes;
  unsigned long long i0 = count_or(first, "inode"), i1 = count_or(last, "inode");
  st.inode = i0 == i1 ? "kept" : fmt::format("replaced ({} \u2192 {})", i0, i1);
  bool replaced = false;
  for (const json* s : snaps) replaced = replaced || bool_or(*s, "backing_replaced");
  if (replaced) st.inode += "; the loop device stayed on the old inode";
  unsigned long long z0 = count_or(first, "size_bytes"), z1 = count_or(last, "size_bytes");
  st.size = z0 == z1 ? fmt::format("{} bytes", z0) : fmt::format("{} \u2192 {} bytes", z0, z1);
  return st;
}

std::vector<std::string> union_of(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> out = a;
  for (const auto& x : b)
    if (std::find(out.begin(), out.end(), x) == out.end()) out.push_back(x);
  return out;
}

}  // namespace

std::vector<CompareTable> compare_reports(const json& a, const json& b) {
  std::string la = side_label(a, "A"), lb = side_label(b, "B");
  std::vector<CompareTable> tables;
  auto table = [&](const char* id, const char* title, const char* first) {
    tables.push_back(CompareTable{id, title, {first, la, lb, "differs"}, {}, {}});
    return &tables.back();
  };

  CompareTable* t = table("overview", "Runs", "");
  add(*t, "scenario", str_or(a, "scenario"), str_or(b, "scenario"));
  add(*t, "verdict", upper(str_or(a, "verdict", "?")), upper(str_or(b, "verdict", "?")));
  const json &ra = object_or_empty(a, "run"), &rb = object_or_empty(b, "run");
  const json &ea = object_or_empty(a, "environment"), &eb = object_or_empty(b, "environment");
  add(*t, "started", str_or(ra, "started_at"), str_or(rb, "started_at"));
  add(*t, "duration", format_ms(run_duration_ms(a)), format_ms(run_duration_ms(b)));
  add(*t, "backend", str_or(ra, "backend", str_or(ea, "backend")), str_or(rb, "backend", str_or(eb, "backend")));
  add(*t, "kernel", str_or(ea, "kernel"), str_or(eb, "kernel"));
  add(*t, "harness version", str_or(ea, "harness_version"), str_or(eb, "harness_version"));
  if (ea.contains("accelerator") || eb.contains("accelerator"))
    add(*t, "accelerator", str_or(ea, "accelerator"), str_or(eb, "accelerator"));
  if (str_or(a, "scenario") != str_or(b, "scenario"))
    t->notes.push_back("The two runs are of different scenarios.");

  t = table("counts", "Exec counts (all execs)", "class");
  t->head = {"class", la, lb, "B \u2212 A", "differs"};
  const json &ca = object_or_empty(a, "counts"), &cb = object_or_empty(b, "counts");
  unsigned long long ta = 0, tb = 0;
  for (const auto& cls : union_of(exec_class_names(a), exec_class_names(b))) {
    unsigned long long x = count_or(ca, cls), y = count_or(cb, cls);
    ta += x;
    tb += y;
    t->rows.push_back({cls, std::to_string(x), std::to_string(y), signed_diff(x, y), x != y ? "yes" : ""});
  }
  t->rows.push_back({"total", std::to_string(ta), std::to_string(tb), signed_diff(ta, tb), ta != tb ? "yes" : ""});
  const json &xa = object_or_empty(a, "execs"), &xb = object_or_empty(b, "execs");
  t->notes.push_back(fmt::format("Under fault: {} execs in A, {} in B.", count_or(xa, "under_fault"),
                                 count_or(xb, "under_fault")));

  t = table("statistics", "Statistics over execs under fault", "");
  const json &sa = object_or_empty(a, "statistics"), &sb = object_or_empty(b, "statistics");
  add(*t, "execs under fault (n)", std::to_string(count_or(sa, "n")), std::to_string(count_or(sb, "n")));
  add(*t, "abnormal (k)", std::to_string(count_or(sa, "abnormal")), std::to_string(count_or(sb, "abnormal")));
  add(*t, "abnormal rate", rate_text(a), rate_text(b));
  auto ia = interval(a), ib = interval(b);
  if (ia && ib) {
    bool apart = ia->second < ib->first || ib->second < ia->first;
    t->notes.push_back(apart ? "The 95% intervals do not overlap: the abnormal rates differ."
                             : "The 95% intervals overlap: these two runs cannot tell the abnormal rates apart.");
  }

  t = table("expectations", "Expectations", "expectation");
  std::vector<std::string> ta_texts, tb_texts;
  for (const auto& e : array_or_empty(a, "expectations")) ta_texts.push_back(str_or(e, "text"));
  for (const auto& e : array_or_empty(b, "expectations")) tb_texts.push_back(str_or(e, "text"));
  for (const auto& text : union_of(ta_texts, tb_texts)) {
    std::string x = expectation_text(a, text), y = expectation_text(b, text);
    // "held (observed 3)" vs "held (observed 5)" is the same outcome.
    bool differs = x.substr(0, x.find(' ')) != y.substr(0, y.find(' '));
    t->rows.push_back({text, x, y, differs ? "yes" : ""});
  }

  t = table("faults", "Fault actions", "fault / action");
  auto fa = fault_action_rows(a), fb = fault_action_rows(b);
  std::vector<std::string> keys;
  auto key = [](const FaultActionRow& r) {
    return r.label.empty() ? fmt::format("{} / {}", r.fault, r.action)
                           : fmt::format("{} / {} \"{}\"", r.fault, r.action, r.label);
  };
  for (const auto& r : fa) keys.push_back(key(r));
  for (const auto& r : fb)
    if (std::find(keys.begin(), keys.end(), key(r)) == keys.end()) keys.push_back(key(r));
  for (const auto& k : keys) {
    auto find = [&](const std::vector<FaultActionRow>& rows) -> const FaultActionRow* {
      for (const auto& r : rows)
        if (key(r) == k) return &r;
      return nullptr;
    };
    const FaultActionRow *x = find(fa), *y = find(fb);
    auto text = [](const FaultActionRow* r) {
      return r ? fmt::format("{} fires: {}", r->fires, outcomes_text(*r)) : std::string("\u2014");
    };
    // Fire counts differ between any two runs; what matters is which
    // outcomes occurred (ok in one run, EPERM in the other).
    auto kinds = [](const FaultActionRow* r) {
      std::vector<std::string> names;
      if (r)
        for (const auto& [o, n] : r->outcomes) names.push_back(o);
      std::sort(names.begin(), names.end());
      return names;
    };
    bool differs = !x || !y || kinds(x) != kinds(y);
    t->rows.push_back({k, text(x), text(y), differs ? "yes" : ""});
  }

  t = table("evidence", "Evidence", "");
  add(*t, "who wrote the image", str_or(a, "writer_summary", "\u2014"), str_or(b, "writer_summary", "\u2014"));
  add(*t, "writers seen", std::to_string(array_or_empty(a, "writers").size()),
      std::to_string(array_or_empty(b, "writers").size()));
  std::vector<std::string> pa, pb;
  for (const auto& s : array_or_empty(a, "images_evidence"))
    if (std::find(pa.begin(), pa.end(), str_or(s, "path")) == pa.end()) pa.push_back(str_or(s, "path"));
  for (const auto& s : array_or_empty(b, "images_evidence"))
    if (std::find(pb.begin(), pb.end(), str_or(s, "path")) == pb.end()) pb.push_back(str_or(s, "path"));
  for (const auto& p : union_of(pa, pb)) {
    ImageStory x = image_story(a, p), y = image_story(b, p);
    add(*t, p + ": contents", x.contents, y.contents);
    add(*t, p + ": inode", x.inode, y.inode);
    add(*t, p + ": size", x.size, y.size);
  }
  auto mounts = [](const json& r) {
    std::vector<std::string> m;
    for (const auto& x : array_or_empty(r, "mounts"))
      m.push_back(fmt::format("{} on {} ({})", str_or(x, "image"), str_or(x, "mountpoint"), str_or(x, "options")));
    return m.empty() ? std::string("\u2014") : fmt::format("{}", fmt::join(m, "; "));
  };
  add(*t, "mounts", mounts(a), mounts(b));
  add(*t, "kernel log lines", std::to_string(array_or_empty(a, "kernel_log").size()),
      std::to_string(array_or_empty(b, "kernel_log").size()));
  return tables;
}

std::string compare_markdown(const json& a, const json& b) {
  std::string out = fmt::format("# Compare: {} {} vs {} {}\n\n", md_escape(str_or(a, "scenario", "?")),
                                upper(str_or(a, "verdict", "?")), md_escape(str_or(b, "scenario", "?")),
                                upper(str_or(b, "verdict", "?")));
  for (const auto& t : compare_reports(a, b)) {
    out += fmt::format("## {}\n\n|", md_escape(t.title));
    for (const auto& h : t.head) out += fmt::format(" {} |", md_escape(h));
    out += "\n|";
    for (size_t i = 0; i < t.head.size(); ++i) out += "---|";
    out += "\n";
    for (const auto& r : t.rows) {
      out += "|";
      for (size_t i = 0; i < t.head.size(); ++i) {
        std::string cell = i < r.size() ? md_escape(r[i]) : "";
        // Bold the row label where the sides differ, so it stands out in plain text too.
        if (i == 0 && !r.empty() && r.back() == "yes" && !cell.empty()) cell = "**" + cell + "**";
        out += fmt::format(" {} |", cell);
      }
      out += "\n";
    }
    out += "\n";
    for (const auto& n : t.notes) out += md_escape(n) + "\n\n";
  }
  return out;
}

std::string compare_html(const json& a, const json& b) {
  std::string title = fmt::format("Compare: {} {} vs {} {}", str_or(a, "scenario", "?"),
                                  upper(str_or(a, "verdict", "?")), str_or(b, "scenario", "?"),
                                  upper(str_or(b, "verdict", "?")));
  std::string body = fmt::format("<header class=\"top\"><h1>{}</h1></header>\n", html_escape(title));
  for (const auto& t : compare_reports(a, b)) {
    body += fmt::format("<section id=\"{}\"><h2>{}</h2>\n<table><thead><tr>", t.id, html_escape(t.title));
    for (const auto& h : t.head) body += "<th>" + html_escape(h) + "</th>";
    body += "</tr></thead><tbody>\n";
    for (const auto& r : t.rows) {
      bool differs = !r.empty() && r.back() == "yes";
      body += differs ? "<tr class=\"differs\" style=\"background:#fff4e5\">" : "<tr>";
      for (size_t i = 0; i < t.head.size(); ++i)
        body += fmt::format("<td{}>{}</td>", i == 0 && differs ? " style=\"font-weight:650\"" : "",
                            i < r.size() ? html_escape(r[i]) : "");
      body += "</tr>\n";
    }
    body += "</tbody></table>\n";
    for (const auto& n : t.notes) body += "<p>" + html_escape(n) + "</p>\n";
    body += "</section>\n";
  }
  return html_document(title, body);
}


}  // namespace harness
