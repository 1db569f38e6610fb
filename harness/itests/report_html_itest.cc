// The HTML report in a real browser: run the Heroku scenario with the real
// harness, re-render with `harness report`, open report.html in headless
// Chromium and check what a reader gets — every exec drawn, the writer
// line the run itself recorded, a screenshot, and not one network request
// from the page.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>

#include "itests/itest_support.h"

namespace harness {
namespace {

using nlohmann::json;
using namespace harness::itest;

size_t count(const std::string& s, const std::string& needle) {
  size_t n = 0;
  for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + needle.size())) ++n;
  return n;
}

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
  EXPECT_EQ(count(dom, "class=\"exec exec-"), execs);
  EXPECT_EQ(count(dom, "class=\"exec exec-sigsegv\""), report["counts"]["sigsegv"].get<size_t>());
  // (c) the writer line, as the harness summarised it.
  EXPECT_EQ(count(dom, "id=\"writer\""), 1u);
  EXPECT_EQ(count(dom, "<p id=\"writer\"><b>Who wrote the image:</b> " + as_dom_text(writer) + "</p>"), 1u)
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

}  // namespace
}  // namespace harness
