#include "report/html_table.h"

#include <gtest/gtest.h>

#include <string>

#include "report/report_html.h"

namespace harness {
namespace {

TEST(HtmlTable, EscapesTextCellsButNotRawRows) {
  HtmlTable t({"a<b", "c"});
  t.row({"<script>", "x&y"});
  t.raw_row({"<b>bold</b>", ""});
  std::string html = t.str();
  EXPECT_NE(html.find("<th>a&lt;b</th>"), std::string::npos);
  EXPECT_NE(html.find("<td>&lt;script&gt;</td><td>x&amp;y</td>"), std::string::npos);
  EXPECT_NE(html.find("<td><b>bold</b></td>"), std::string::npos);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
}

TEST(HtmlTable, ColumnKindsGiveNumericAndMonospaceCells) {
  HtmlTable t({"name", "n", "path"}, "lrm");
  t.row({"x", "1", "/a"}, "total");
  std::string html = t.str();
  EXPECT_NE(html.find("<tr class=\"total\"><td>x</td><td class=\"num\">1</td><td class=\"mono\">/a</td></tr>"),
            std::string::npos);
  EXPECT_NE(html.find("<th class=\"num\">n</th>"), std::string::npos);
}

TEST(HtmlTable, MissingCellsAreEmptyAndTheTableMayHaveAClass) {
  HtmlTable t({"k", "v"});
  t.css("kv").row({"only"});
  std::string html = t.str();
  EXPECT_EQ(html.rfind("<table class=\"kv\">", 0), 0u);
  EXPECT_NE(html.find("<td>only</td><td></td>"), std::string::npos);
}

TEST(HtmlTable, OnlyLongTablesAreFolded) {
  EXPECT_EQ(collapsible("rows", kHtmlOpenRows, "<table/>"), "<table/>");
  std::string folded = collapsible("a & b", kHtmlOpenRows + 1, "<table/>");
  EXPECT_EQ(folded, "<details><summary>a &amp; b (" + std::to_string(kHtmlOpenRows + 1) +
                        " rows)</summary>\n<table/></details>\n");
}

}  // namespace
}  // namespace harness
