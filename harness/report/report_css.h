// The stylesheet of the HTML report (report_html.h) and of the pages that
// share its look (compare): inline in each page, which loads nothing else.
#pragma once

#include <string_view>

namespace harness {

std::string_view report_css();

}  // namespace harness
