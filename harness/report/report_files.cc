#include "report/report_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fmt/format.h>

#include "base/error.h"
#include "base/scoped_fd.h"
#include "report/report_html.h"
#include "report/report_junit.h"
#include "report/report_md.h"

namespace harness {

namespace fs = std::filesystem;

void write_report_files(int dirfd, const fs::path& run_dir, const nlohmann::json& report) {
  // Render everything first: a renderer bug must not leave a mix of old
  // and new files behind.
  std::string md = render_markdown(report);
  std::string html = render_html(report);
  std::string junit = render_junit({report});
  write_file_atomically_at(dirfd, kReportMarkdownFile, md, run_dir / kReportMarkdownFile);
  write_file_atomically_at(dirfd, kReportHtmlFile, html, run_dir / kReportHtmlFile);
  write_file_atomically_at(dirfd, kJunitFile, junit, run_dir / kJunitFile);
}

}  // namespace harness
