#include "report/html_table.h"

#include <fmt/format.h>

#include "report/report_html.h"

namespace harness {

void HtmlTable::row(const std::vector<std::string>& cells, const char* tr_class) {
  body_ += tr_class ? fmt::format("<tr class=\"{}\">", tr_class) : std::string("<tr>");
  for (size_t i = 0; i < head_.size(); ++i)
    body_ += fmt::format("<td{}>{}</td>", cls(i), i < cells.size() ? html_escape(cells[i]) : "");
  body_ += "</tr>\n";
}

void HtmlTable::raw_row(const std::vector<std::string>& cells) {
  body_ += "<tr>";
  for (size_t i = 0; i < head_.size(); ++i) body_ += fmt::format("<td{}>{}</td>", cls(i), i < cells.size() ? cells[i] : "");
  body_ += "</tr>\n";
}

std::string HtmlTable::str() const {
  std::string h = css_.empty() ? "<table><thead><tr>" : fmt::format("<table class=\"{}\"><thead><tr>", css_);
  for (size_t i = 0; i < head_.size(); ++i) h += fmt::format("<th{}>{}</th>", cls(i), html_escape(head_[i]));
  return h + "</tr></thead><tbody>\n" + body_ + "</tbody></table>\n";
}

std::string HtmlTable::cls(size_t i) const {
  char k = i < kinds_.size() ? kinds_[i] : 'l';
  return k == 'r' ? " class=\"num\"" : k == 'm' ? " class=\"mono\"" : "";
}

std::string collapsible(const std::string& what, size_t rows, const std::string& table_html) {
  if (rows <= kHtmlOpenRows) return table_html;
  return fmt::format("<details><summary>{} ({} rows)</summary>\n{}</details>\n", html_escape(what), rows, table_html);
}

}  // namespace harness
