// HtmlTable: a table of the HTML report. Cells are text, escaped; a row
// may be given as HTML instead (raw_row). Each column has a kind, one
// letter in `kinds`: 'l' plain (the default), 'r' numeric (right-aligned),
// 'm' monospace. collapsible() folds a long table away.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace harness {

class HtmlTable {
 public:
  explicit HtmlTable(std::vector<std::string> head, std::string kinds = "")
      : head_(std::move(head)), kinds_(std::move(kinds)) {}
  void row(const std::vector<std::string>& cells, const char* tr_class = nullptr);
  // A row whose cells are already HTML.
  void raw_row(const std::vector<std::string>& cells);
  // The table's own class ("kv").
  HtmlTable& css(std::string c) {
    css_ = std::move(c);
    return *this;
  }
  std::string str() const;

 private:
  std::string cls(size_t i) const;
  std::vector<std::string> head_;
  std::string kinds_;
  std::string body_;
  std::string css_;
};

// A table of more than kHtmlOpenRows rows folded (<details>) behind a line
// that says what it holds.
std::string collapsible(const std::string& what, size_t rows, const std::string& table_html);

}  // namespace harness
