#include "report/report_junit.h"

#include <fmt/format.h>

#include <map>

#include <regex>

#include "report/report_view.h"

namespace harness {

using nlohmann::json;

namespace {

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes one UTF-8 sequence at s[i]; returns the code point and advances
// i, or returns U+FFFD and advances by one byte for a malformed sequence
// (overlong forms, surrogates and values above U+10FFFF included).
char32_t next_code_point(std::string_view s, size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    ++i;
    return c;
  }
  int len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
  for (int k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
  if (overlong || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
    ++i;
    return 0xFFFD;
  }
  i += len;
  return cp;
}

// Cuts at most `max` bytes off the front without splitting a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

std::string attr(std::string_view s) { return xml_escape(s, true); }
std::string text(std::string_view s) { return xml_escape(s, false); }

std::string seconds(double ms) { return fmt::format("{:.3f}", std::max(ms, 0.0) / 1000); }

bool is_iso_datetime(const std::string& s) {
  static const std::regex re(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$)");
  return std::regex_match(s, re);
}

std::string system_out(const json& report) {
  std::string out = fmt::format("verdict: {}\n", str_or(report, "verdict", "unknown"));
  for (const auto& r : array_or_empty(report, "verdict_reasons"))
    if (r.is_string()) out += fmt::format("  {}\n", r.get<std::string>());
  out += fmt::format("statistics: {}\n", statistics_sentence(report));
  if (std::string w = str_or(report, "writer_summary"); !w.empty()) out += fmt::format("writer: {}\n", w);
  out += fmt::format("what happened: {}\n", what_happened(report));
  const json& log = array_or_empty(report, "kernel_log");
  if (!log.empty()) {
    out += fmt::format("kernel log ({} lines):\n", log.size());
    for (const auto& l : log) {
      if (l.is_object() && l.contains("t_ms")) out += fmt::format("[{:9.1f} ms] ", num_or(l, "t_ms"));
      out += (l.is_string() ? l.get<std::string>() : str_or(l, "line")) + "\n";
    }
  }
  if (out.size() <= kJunitSystemOutCap) return out;
  std::string note_fmt = "\n[truncated: the first {} of {} bytes are shown; report.json has the full kernel log]\n";
  std::string note = fmt::format(fmt::runtime(note_fmt), kJunitSystemOutCap, out.size());
  std::string_view keep = utf8_prefix(out, kJunitSystemOutCap - note.size());
  return std::string(keep) + fmt::format(fmt::runtime(note_fmt), keep.size(), out.size());
}

// The reasons a run is inconclusive, in one line.
std::string inconclusive_why(const json& report) {
  std::vector<std::string> why;
  for (const auto& r : array_or_empty(report, "inconclusive_reasons"))
    if (r.is_string()) why.push_back(r.get<std::string>());
  for (const auto& e : array_or_empty(report, "expectations"))
    if (bool_or(e, "undecided", false)) why.push_back(fmt::format("{}: {}", str_or(e, "text", "?"), str_or(e, "detail")));
  return why.empty() ? std::string("the evidence was insufficient") : fmt::format("{}", fmt::join(why, "; "));
}

std::string testcase(const json& report, const std::string& name) {
  std::string verdict = str_or(report, "verdict", "unknown");
  const json& run = object_or_empty(report, "run");
  std::string out = fmt::format("    <testcase classname=\"harness.scenarios\" name=\"{}\" time=\"{}\">\n", attr(name),
                                seconds(run_duration_ms(report)));
  if (verdict == "fail") {
    std::vector<std::string> failed;
    std::string body;
    size_t total = 0;
    for (const auto& e : array_or_empty(report, "expectations")) {
      ++total;
      if (bool_or(e, "held", true) || bool_or(e, "undecided", false)) continue;
      failed.push_back(str_or(e, "text", "?"));
      body += fmt::format("FAILED: {} ({})\n", str_or(e, "text", "?"), str_or(e, "detail"));
    }
    std::string message =
        failed.empty() ? std::string("the verdict is fail")
                       : fmt::format("{} of {} expectations failed: {}", failed.size(), total, fmt::join(failed, "; "));
    body += fmt::format("{}\n", statistics_sentence(report));
    out += fmt::format("      <failure message=\"{}\" type=\"fail\">{}</failure>\n", attr(message), text(body));
  } else if (verdict != "pass") {
    std::string message;
    if (verdict == "timeout") message = "the scenario hit its timeout and was stopped";
    else if (std::string err = str_or(run, "error"); !err.empty()) message = err;
    else if (verdict == "inconclusive") message = "inconclusive: " + inconclusive_why(report);
    else message = fmt::format("the verdict is {}", verdict);
    std::string body;
    for (const auto& r : array_or_empty(report, "verdict_reasons"))
      if (r.is_string()) body += r.get<std::string>() + "\n";
    // An inconclusive run is an error, not a failure and never a skip: the
    // system under test was not shown to misbehave, and not shown not to.
    std::string type = verdict == "timeout" || verdict == "error" || verdict == "inconclusive" ? verdict : "unknown";
    out += fmt::format("      <error message=\"{}\" type=\"{}\">{}</error>\n", attr(message), type, text(body));
  }
  out += fmt::format("      <system-out>{}</system-out>\n", text(system_out(report)));
  return out + "    </testcase>\n";
}

}  // namespace

std::string xml_escape(std::string_view s, bool attribute) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (size_t i = 0; i < s.size();) {
    char32_t cp = next_code_point(s, i);
    switch (cp) {
      case '&': out += "&amp;"; continue;
      case '<': out += "&lt;"; continue;
      case '>': out += "&gt;"; continue;
      case '"': out += attribute ? "&quot;" : "\""; continue;
      case '\'': out += attribute ? "&apos;" : "'"; continue;
      // Attribute-value normalisation would turn these into spaces.
      case '\n': out += attribute ? "&#10;" : "\n"; continue;
      case '\r': out += "&#13;"; continue;
      case '\t': out += attribute ? "&#9;" : "\t"; continue;
      default: break;
    }
    if (cp < 0x20) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned>(cp));
      continue;
    }
    if (cp == 0xFFFE || cp == 0xFFFF) {  // noncharacters, not allowed in XML 1.0
      out += fmt::format("\\u{:04X}", static_cast<unsigned>(cp));
      continue;
    }
    append_utf8(out, cp);
  }
  return out;
}

std::string render_junit(const std::vector<json>& reports) {
  unsigned failures = 0, errors = 0;
  double total_ms = 0;
  std::string cases;
  // A scenario run several times (harness run --repeat) is one testcase per
  // run, numbered, so that CI tools keep them apart.
  std::map<std::string, unsigned> runs_of, seen;
  for (const auto& r : reports) ++runs_of[str_or(r, "scenario", "(unnamed scenario)")];
  for (const auto& r : reports) {
    std::string v = str_or(r, "verdict", "unknown");
    if (v == "fail") ++failures;
    else if (v != "pass") ++errors;
    total_ms += run_duration_ms(r);
    std::string name = str_or(r, "scenario", "(unnamed scenario)");
    unsigned n = runs_of[name];
    cases += testcase(r, n > 1 ? fmt::format("{} (run {} of {})", name, ++seen[name], n) : name);
  }
  std::string suite_attrs = fmt::format("name=\"harness.scenarios\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
                                        "skipped=\"0\" time=\"{}\"",
                                        reports.size(), failures, errors, seconds(total_ms));
  std::string props;
  if (!reports.empty()) {
    const json& first = reports.front();
    std::string started = str_or(object_or_empty(first, "run"), "started_at");
    if (is_iso_datetime(started)) suite_attrs += fmt::format(" timestamp=\"{}\"", attr(started));
    const json& env = object_or_empty(first, "environment");
    if (std::string h = str_or(env, "hostname"); !h.empty()) suite_attrs += fmt::format(" hostname=\"{}\"", attr(h));
    for (const char* k : {"harness_version", "kernel", "backend", "accelerator"})
      if (env.contains(k))
        props += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", k, attr(scalar_text(env[k])));
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"harness\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{}\">\n",
                     reports.size(), failures, errors, seconds(total_ms));
  out += fmt::format("  <testsuite {}>\n", suite_attrs);
  if (!props.empty()) out += "    <properties>\n" + props + "    </properties>\n";
  out += cases;
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace harness
