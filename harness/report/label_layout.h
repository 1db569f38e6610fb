// LabelLayout: places the text labels of a chart so that no two overlap
// and none leaves the plot. The report is a static page (no script), so a
// label's width is estimated from its characters at the stylesheet's font
// size, sized for the widest common sans-serif (DejaVu Sans, what
// "system-ui" is on a Debian machine without desktop fonts); the
// headless-browser test (itests/report_html_itest.cc) measures what a
// browser actually draws. A label that fits nowhere is left out (its mark
// keeps a tooltip), never drawn over another.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace harness {

struct Box {
  double x = 0, y = 0, w = 0, h = 0;  // top-left corner, size
  double right() const { return x + w; }
  double bottom() const { return y + h; }
  bool intersects(const Box& o) const;
};

// Width in px of `text` at `font_px`, an upper estimate (see the top).
double text_width(std::string_view text, double font_px, bool bold = false);
// The box of an SVG <text> with baseline `y`: anchored at `x` by
// text-anchor "start", "middle" or "end".
Box text_box(std::string_view text, double x, double y, std::string_view anchor, double font_px, bool bold = false);
// The baseline y of a text whose box text_box() made.
double text_baseline(const Box& b, double font_px);
// `text`, cut with "…" to fit `max_px`.
std::string fit_text(std::string_view text, double max_px, double font_px, bool bold = false);

class LabelLayout {
 public:
  // Labels must stay within [left, right] x [top, bottom].
  LabelLayout(double left, double right, double top, double bottom);
  // Something already drawn there (a fixed label, a marker line).
  void reserve(const Box& b);
  // The first candidate inside the bounds that overlaps nothing placed or
  // reserved; it is placed. nullopt: none fits.
  std::optional<Box> place(const std::vector<Box>& candidates);
  // The same for candidates of several boxes that go together (a label
  // and the marker line below it): the first group whose every box fits
  // is placed; returns its index.
  std::optional<size_t> place_group(const std::vector<std::vector<Box>>& candidates);

 private:
  bool fits(const Box& b) const;
  double left_, right_, top_, bottom_;
  std::vector<Box> taken_;
};

}  // namespace harness
