#include "report/report_css.h"

#include <gtest/gtest.h>

#include <string>

namespace harness {
namespace {

// The page loads nothing: the stylesheet must not reach outside it.
TEST(ReportCss, RefersToNothingOutsideThePage) {
  std::string css(report_css());
  EXPECT_EQ(css.find("url("), std::string::npos);
  EXPECT_EQ(css.find("@import"), std::string::npos);
  EXPECT_EQ(css.find("</style"), std::string::npos);
}

// Every exec class the charts draw has its colour.
TEST(ReportCss, StylesEveryExecClassOfTheTimeline) {
  std::string css(report_css());
  for (const char* cls : {"ok", "sigsegv", "sigbus", "sigill", "exec_failed", "exit_nonzero", "other_signal", "hung"})
    EXPECT_NE(css.find(std::string("svg .exec-") + cls + " "), std::string::npos) << cls;
}

}  // namespace
}  // namespace harness
