#include "report/page_cache_svg.h"

#include <gtest/gtest.h>

#include <string>

#include "report/report_fixture.h"
#include "testing/test_support.h"

namespace harness {
namespace {

using testing::count_occurrences;

using nlohmann::json;


TEST(PageCacheSvg, OneLinePerFileAcrossItsSamples) {
  json r = fixture::minimal_report();
  r["page_cache"] = json::array({
      {{"path", "a.img"}, {"t_ms", 0.0}, {"resident_pages", 1}, {"total_pages", 4}},
      {{"path", "b.img"}, {"t_ms", 0.0}, {"resident_pages", 4}, {"total_pages", 4}},
      {{"path", "a.img"}, {"t_ms", 10.0}, {"resident_pages", 4}, {"total_pages", 4}},
  });
  std::string svg = page_cache_svg(r);
  EXPECT_EQ(count_occurrences(svg, "<polyline class=\"pc-line\""), 2u);
  EXPECT_EQ(count_occurrences(svg, "<line class=\"grid\""), 3u);  // 0, 50, 100%
  EXPECT_NE(svg.find("<title>a.img</title>"), std::string::npos);
  EXPECT_EQ(count_occurrences(svg, "(resident pages, % of file)"), 2u);
}

}  // namespace
}  // namespace harness
