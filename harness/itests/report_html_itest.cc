// The HTML report in a real browser: run the Heroku scenario with the real
// harness, re-render with `harness report`, open report.html in headless
// Chromium and check what a reader gets — every exec drawn, the writer
// line the run itself recorded, a screenshot, and not one network request
// from the page; and, for every shipped scenario's timeline and one with
// hundreds of writer marks, that no text label overlaps another or leaves
// the plot, as the browser measures them.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "itests/itest_support.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using testing::count_occurrences;

using nlohmann::json;
using namespace harness::itest;


// `text` as Chromium's --dump-dom serialises a text node: only &, <, > and
// no-break spaces are escaped.
std::string as_dom_text(const std::string& text) {
  const std::string nbsp = "\u00a0";
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, nbsp.size(), nbsp) == 0) {
      out += "&nbsp;";
      i += nbsp.size() - 1;
    } else if (text[i] == '&') {
      out += "&amp;";
    } else if (text[i] == '<') {
      out += "&lt;";
    } else if (text[i] == '>') {
      out += "&gt;";
    } else {
      out += text[i];
    }
  }
  return out;
}

// Headless Chromium with a fresh profile and the background services it
// can be told to skip. `extra` selects what it does (--dump-dom,
// --screenshot=...). Returns stdout.
std::string chromium(const fs::path& work, const std::string& name, const std::vector<std::string>& extra,
                     const std::string& url) {
  fs::path profile = work / (name + "-profile");
  fs::create_directories(profile);
  std::vector<std::string> argv{"chromium",
                                "--headless",
                                "--no-sandbox",
                                "--disable-gpu",
                                "--disable-quic",
                                "--no-first-run",
                                "--disable-background-networking",
                                "--disable-component-update",
                                "--disable-sync",
                                "--user-data-dir=" + profile.string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(url);
  ChildOptions o;
  o.stdout_file = work / (name + ".out");
  o.stderr_file = work / (name + ".err");
  o.timeout = std::chrono::seconds(120);
  o.cwd = work;
  auto r = run_child(argv, o);
  EXPECT_TRUE(r.succeeded()) << "chromium " << name << ": " << r.describe() << "\n" << slurp(o.stderr_file);
  return slurp(o.stdout_file);
}

// Network requests made on behalf of a file:// page, from a Chromium
// NetLog (--log-net-log). Why this way: Chromium itself talks to the
// network even with --disable-background-networking (update checks,
// accounts.google.com, time sync), so "no URL in the netlog" would be
// flaky and wrong. Every request a page makes carries that page's
// network isolation key, which for a file:// page is "file://"; browser
// traffic has "null" or its own site. So a page request is a
// URL_REQUEST_START_JOB whose network_isolation_key names file://, for a
// URL that is not file: or data:. The control test below shows that the
// check does see a request a page makes.
std::vector<std::string> page_requests(const fs::path& netlog) {
  std::string text = slurp(netlog);
  json log = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (log.is_discarded()) {
    // A log cut short: close the events array by hand.
    while (!text.empty() && (std::isspace(static_cast<unsigned char>(text.back())) || text.back() == ','))
      text.pop_back();
    log = json::parse(text + "]}", nullptr, false);
  }
  if (log.is_discarded() || !log.contains("events")) {
    ADD_FAILURE() << netlog << " is not a readable NetLog";
    return {"(unreadable netlog)"};
  }
  std::vector<std::string> urls;
  for (const auto& e : log["events"]) {
    if (!e.contains("params") || !e["params"].is_object()) continue;
    const json& p = e["params"];
    if (!p.contains("url") || !p.contains("network_isolation_key")) continue;
    std::string nik = p["network_isolation_key"].is_string() ? p["network_isolation_key"].get<std::string>() : "";
    std::string url = p["url"].get<std::string>();
    if (nik.find("file://") == std::string::npos) continue;
    if (url.rfind("file:", 0) == 0 || url.rfind("data:", 0) == 0) continue;
    urls.push_back(url);
  }
  return urls;
}

class ReportHtmlInBrowser : public ::testing::Test {
 protected:
  void SetUp() override {
    HARNESS_REQUIRE_ROOT_AND_LOOP();
    if (!find_program("chromium"))
      GTEST_SKIP() << "chromium is not installed (apt-get install --no-install-recommends chromium)";
  }
};

TEST_F(ReportHtmlInBrowser, NetLogCheckSeesARequestAPageMakes) {
  TempDir tmp;
  fs::path page = tmp.path() / "control.html";
  // Port 9 (discard) on loopback: refused at once, but still a request.
  std::ofstream(page) << "<!DOCTYPE html><html><body><img src=\"http://127.0.0.1:9/x.png\"></body></html>\n";
  fs::path netlog = tmp.path() / "control-netlog.json";
  chromium(tmp.path(), "control", {"--log-net-log=" + netlog.string(), "--dump-dom"}, "file://" + page.string());
  auto urls = page_requests(netlog);
  EXPECT_NE(std::find(urls.begin(), urls.end(), "http://127.0.0.1:9/x.png"), urls.end())
      << ::testing::PrintToString(urls);
}

TEST_F(ReportHtmlInBrowser, HerokuReportRendersEveryExecWithoutTouchingTheNetwork) {
  TempDir tmp;
  fs::path run = tmp.path() / "run";
  auto res = run_harness({"run", "--backend", "host", source_path("scenarios/heroku-2017-truncation.json"), "--out",
                          run.string()},
                         tmp.path());
  ASSERT_EQ(res.exit_code, 0) << res.out << res.err;
  // The scenario's fault overwrites the mounted image, so the run's own
  // evidence names a writer; the page must show what the harness wrote.
  json report = read_report(run);
  ASSERT_FALSE(report.value("writers", json::array()).empty()) << "no writer recorded: " << report.dump(1).substr(0, 3000);
  ASSERT_TRUE(report.contains("writer_summary")) << report.dump(1).substr(0, 3000);
  const std::string writer = report.at("writer_summary").get<std::string>();
  EXPECT_NE(writer.find("images/demo.img"), std::string::npos) << writer;
  // Re-render from report.json alone, as CI would.
  auto rr = run_harness({"report", run.string()}, tmp.path());
  ASSERT_EQ(rr.exit_code, 0) << rr.out << rr.err;
  ASSERT_TRUE(fs::exists(run / "report.html"));
  ASSERT_TRUE(fs::exists(run / "report.md"));
  ASSERT_TRUE(fs::exists(run / "junit.xml"));

  size_t execs = 0;
  for (const auto& e : report["events"]) execs += e["type"] == "exec";
  ASSERT_EQ(execs, report["execs"]["total"].get<size_t>());
  ASSERT_GT(execs, 0u);

  fs::path netlog = tmp.path() / "netlog.json";
  std::string dom = chromium(tmp.path(), "dom", {"--log-net-log=" + netlog.string(), "--dump-dom"},
                             "file://" + (run / "report.html").string());
  ASSERT_GT(dom.size(), 1000u) << dom;
  // (b) one mark per exec in the DOM the browser built.
  EXPECT_EQ(count_occurrences(dom, "class=\"exec exec-"), execs);
  EXPECT_EQ(count_occurrences(dom, "class=\"exec exec-sigsegv\""), report["counts"]["sigsegv"].get<size_t>());
  // (c) the writer line, as the harness summarised it.
  EXPECT_EQ(count_occurrences(dom, "id=\"writer\""), 1u);
  EXPECT_EQ(count_occurrences(dom, "<p id=\"writer\"><b>Who wrote the image while it was mounted:</b> " + as_dom_text(writer) +
                           "</p>"),
            1u)
      << "writer_summary: " << writer;
  // (a) nothing fetched on behalf of the page.
  auto urls = page_requests(netlog);
  EXPECT_TRUE(urls.empty()) << "the report page made network requests: " << ::testing::PrintToString(urls);

  fs::path shot = tmp.path() / "report.png";
  chromium(tmp.path(), "shot", {"--screenshot=" + shot.string(), "--window-size=1400,1800"},
           "file://" + (run / "report.html").string());
  ASSERT_TRUE(fs::exists(shot));
  std::string png = slurp(shot);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // A blank 1400x1800 page compresses to a few KiB; the report is far more.
  EXPECT_GT(png.size(), 60u * 1024) << "screenshot looks empty";
  if (const char* keep = std::getenv("HARNESS_KEEP_SCREENSHOT")) fs::copy_file(shot, keep, fs::copy_options::overwrite_existing);
}

// --- timeline labels: none overlaps another, none leaves the plot ---------

// Measures every <text> of the timeline as the browser lays it out
// (getBBox, in the SVG's own units) and writes what is wrong into the page
// as JSON. The report's own page runs no script (its CSP forbids it), so
// the check runs on a copy without the CSP line and with this script
// added: same stylesheet, same SVG.
const char* kLayoutCheck = R"js(<script>
(function () {
  const svg = document.getElementById('timeline');
  const out = {texts: 0, problems: []};
  if (!svg) { out.problems.push('no #timeline'); }
  else {
    const vb = svg.viewBox.baseVal;
    const left = Number(svg.dataset.plotLeft), right = Number(svg.dataset.plotRight);
    const inPlot = ['phase-label', 'first-crash-label', 'run-label'];
    const boxes = Array.from(svg.querySelectorAll('text')).map(function (t) {
      const b = t.getBBox();
      const own = Array.from(t.childNodes).filter(function (n) { return n.nodeType === 3; })
                      .map(function (n) { return n.textContent; }).join('');
      return {x: b.x, y: b.y, w: b.width, h: b.height, cls: t.getAttribute('class') || '', text: own};
    });
    out.texts = boxes.length;
    const name = function (b) { return '"' + b.text + '" (' + (b.cls || 'tick') + ' ' + b.x.toFixed(1) + ',' +
                                b.y.toFixed(1) + ' ' + b.w.toFixed(1) + 'x' + b.h.toFixed(1) + ')'; };
    boxes.forEach(function (b, i) {
      if (b.x < vb.x || b.y < vb.y || b.x + b.w > vb.x + vb.width || b.y + b.h > vb.y + vb.height)
        out.problems.push('leaves the picture: ' + name(b));
      if (inPlot.indexOf(b.cls) >= 0 && (b.x < left || b.x + b.w > right))
        out.problems.push('leaves the plot [' + left + ', ' + right + ']: ' + name(b));
      for (let j = i + 1; j < boxes.length; ++j) {
        const o = boxes[j];
        if (b.x < o.x + o.w && o.x < b.x + b.w && b.y < o.y + o.h && o.y < b.y + b.h)
          out.problems.push('overlap: ' + name(b) + ' and ' + name(o));
      }
    });
  }
  const pre = document.createElement('pre');
  pre.id = 'layout-check';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>)js";

struct LayoutCheck {
  size_t texts = 0;
  std::vector<std::string> problems;
};

// Copies `html` (without its CSP line, plus the check) to `work`/`name`.html,
// opens it in Chromium and reads the check's verdict from the DOM.
LayoutCheck check_layout(const fs::path& work, const std::string& name, std::string html) {
  size_t csp = html.find("<meta http-equiv=\"Content-Security-Policy\"");
  if (csp != std::string::npos) html.erase(csp, html.find('>', csp) + 1 - csp);
  size_t end = html.rfind("</body>");
  html.insert(end == std::string::npos ? html.size() : end, kLayoutCheck);
  fs::path page = work / (name + ".html");
  std::ofstream(page) << html;
  std::string dom = chromium(work, name, {"--dump-dom", "--virtual-time-budget=5000", "--window-size=1400,1800"},
                             "file://" + page.string());
  const std::string open = "<pre id=\"layout-check\">";
  size_t a = dom.find(open), b = dom.find("</pre>", a);
  LayoutCheck r;
  if (a == std::string::npos || b == std::string::npos) {
    r.problems.push_back("the check did not run: " + dom.substr(0, 300));
    return r;
  }
  std::string text = dom.substr(a + open.size(), b - a - open.size());
  for (auto [from, to] : {std::pair<std::string, std::string>{"&lt;", "<"}, {"&gt;", ">"}, {"&nbsp;", "\u00a0"},
                          {"&amp;", "&"}})
    for (size_t p = text.find(from); p != std::string::npos; p = text.find(from, p + to.size()))
      text.replace(p, from.size(), to);
  json j = json::parse(text);
  r.texts = j.at("texts").get<size_t>();
  for (const auto& p : j.at("problems")) r.problems.push_back(p.get<std::string>());
  return r;
}

// The control: the check sees labels that overlap and a label that leaves
// the plot, as the timeline drew them before labels were laid out.
TEST_F(ReportHtmlInBrowser, LayoutCheckSeesOverlapsAndLabelsLeavingThePlot) {
  TempDir tmp;
  std::string page = "<!DOCTYPE html><html><head><style>svg text { font: 11px system-ui; }</style></head><body>"
                     "<svg id=\"timeline\" viewBox=\"0 0 400 100\" data-plot-left=\"100\" data-plot-right=\"390\">"
                     "<text class=\"phase-label\" x=\"120\" y=\"20\">faults</text>"
                     "<text class=\"first-crash-label\" x=\"124\" y=\"20\">first sigsegv at 1.20 s</text>"
                     "<text class=\"run-label\" x=\"370\" y=\"60\">install-in-place.sh (ok)</text>"
                     "<text class=\"lane-label\" x=\"140\" y=\"90\">fault redeploy</text>"
                     "</svg></body></html>";
  LayoutCheck c = check_layout(tmp.path(), "control-layout", page);
  EXPECT_EQ(c.texts, 4u);
  auto mentions = [&](const std::string& what) {
    return std::any_of(c.problems.begin(), c.problems.end(),
                       [&](const std::string& p) { return p.find(what) != std::string::npos; });
  };
  EXPECT_TRUE(mentions("overlap: \"faults\"")) << ::testing::PrintToString(c.problems);
  EXPECT_TRUE(mentions("leaves the plot [100, 390]: \"install-in-place.sh (ok)\"")) << ::testing::PrintToString(c.problems);
  EXPECT_TRUE(mentions("leaves the picture: \"install-in-place.sh (ok)\"")) << ::testing::PrintToString(c.problems);
  EXPECT_FALSE(mentions("fault redeploy")) << ::testing::PrintToString(c.problems);
}

// Every shipped scenario (scenarios/ and examples/gate/) run for real, and
// an in-place installer redeploying as fast as it can, for 200+ writer
// marks and a crowded installer lane: no label of any timeline overlaps
// another or leaves the plot.
TEST_F(ReportHtmlInBrowser, TimelineLabelsNeverOverlapOrLeaveThePlot) {
  TempDir tmp;
  std::vector<std::string> args{"run", "--backend", "host", "--out", (tmp.path() / "runs").string()};
  for (const char* dir : {"scenarios", "examples/gate"})
    for (const auto& e : fs::directory_iterator(source_path(dir)))
      if (e.path().extension() == ".json" && e.path().filename() != "schema.json") args.push_back(e.path().string());
  // The in-place gate, redeploying back to back.
  fs::copy_file(source_path("examples/gate/install-in-place.sh"), tmp.path() / "install-in-place.sh");
  json busy = json::parse(slurp(source_path("examples/gate/gate-in-place.json")), nullptr, true, true);
  busy["name"] = "gate-in-place-busy";
  busy["faults"][0]["schedule"] = {{"kind", "while_workload"}};
  busy["workload"]["iterations"] = 3000;
  busy["early_stop"] = false;  // the first write decides the verdict; the timeline needs them all
  fs::path busy_file = tmp.path() / "gate-in-place-busy.json";
  std::ofstream(busy_file) << busy.dump(2);
  args.push_back(busy_file.string());
  size_t scenarios = args.size() - 5;
  auto res = run_harness(args, tmp.path(), std::chrono::seconds(900));
  // Verdicts vary (fail for the in-place gates): what matters is that every run left a report.
  ASSERT_TRUE(res.exit_code == 0 || res.exit_code == 1) << res.out << res.err;
  size_t checked = 0, most_writers = 0;
  for (const auto& e : fs::directory_iterator(tmp.path() / "runs")) {
    if (!fs::exists(e.path() / "report.html")) continue;
    ++checked;
    json r = read_report(e.path());
    most_writers = std::max(most_writers, r.value("writers", json::array()).size());
    LayoutCheck c = check_layout(tmp.path(), "layout-" + e.path().filename().string(), slurp(e.path() / "report.html"));
    SCOPED_TRACE(e.path().filename().string());
    EXPECT_GE(c.texts, 8u);  // exec rows, lanes, ticks, phases: the check saw the labels
    EXPECT_TRUE(c.problems.empty()) << ::testing::PrintToString(c.problems);
  }
  EXPECT_EQ(checked, scenarios);
  EXPECT_GE(most_writers, 200u) << "no timeline with 200+ writer marks was checked";
}

}  // namespace
}  // namespace harness
