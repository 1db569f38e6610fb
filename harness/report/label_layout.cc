#include "report/label_layout.h"

#include <string>

namespace harness {

namespace {

// Advance widths in em, rounded up from DejaVu Sans Book; bold is wider.
double char_em(char32_t c) {
  if (c == ' ') return 0.33;
  if (c >= '0' && c <= '9') return 0.64;
  switch (c) {
    case 'i': case 'l': case 'j': case '.': case ',': case ':': case ';': case '\'': case '|': case '!': return 0.32;
    case 'f': case 't': case 'r': case '(': case ')': case '[': case ']': case '-': case '/': case '"': return 0.42;
    case 'm': case 'M': case 'W': return 1.0;
    case 'w': return 0.83;
    case '%': case '@': return 1.0;
    default: break;
  }
  if (c >= 'A' && c <= 'Z') return 0.78;
  if (c >= 'a' && c <= 'z') return 0.64;
  if (c < 0x80) return 0.84;
  return 1.0;  // "▶", "…", "×" and the rest: as wide as a full em
}

// Decodes UTF-8 leniently (a report's strings are valid UTF-8).
template <typename F>
void for_each_code_point(std::string_view s, F f) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : 4;
    char32_t cp = len == 1 ? c : (c & (0x7f >> len));
    for (size_t k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    f(cp, i, len);
    i += len;
  }
}

constexpr double kBoldFactor = 1.15;
// A line's box in em, around the baseline, as browsers measure it
// (DejaVu Sans: ascent 0.93, descent 0.24), with room to spare.
constexpr double kAscentEm = 0.98, kDescentEm = 0.3;

}  // namespace

bool Box::intersects(const Box& o) const {
  return x < o.right() && o.x < right() && y < o.bottom() && o.y < bottom();
}

double text_width(std::string_view text, double font_px, bool bold) {
  double em = 0;
  for_each_code_point(text, [&](char32_t c, size_t, size_t) { em += char_em(c); });
  return em * font_px * (bold ? kBoldFactor : 1.0) * 1.03 + 1;
}

Box text_box(std::string_view text, double x, double y, std::string_view anchor, double font_px, bool bold) {
  double w = text_width(text, font_px, bold);
  double left = anchor == "end" ? x - w : anchor == "middle" ? x - w / 2 : x;
  return Box{left, y - kAscentEm * font_px, w, (kAscentEm + kDescentEm) * font_px};
}

double text_baseline(const Box& b, double font_px) { return b.y + kAscentEm * font_px; }

std::string fit_text(std::string_view text, double max_px, double font_px, bool bold) {
  if (text_width(text, font_px, bold) <= max_px) return std::string(text);
  size_t keep = 0;
  bool full = false;
  for_each_code_point(text, [&](char32_t, size_t at, size_t len) {
    if (full) return;
    if (text_width(std::string(text.substr(0, at + len)) + "\u2026", font_px, bold) > max_px) full = true;
    else keep = at + len;
  });
  return std::string(text.substr(0, keep)) + "\u2026";
}

LabelLayout::LabelLayout(double left, double right, double top, double bottom)
    : left_(left), right_(right), top_(top), bottom_(bottom) {}

void LabelLayout::reserve(const Box& b) { taken_.push_back(b); }

bool LabelLayout::fits(const Box& b) const {
  if (b.x < left_ || b.right() > right_ || b.y < top_ || b.bottom() > bottom_) return false;
  for (const auto& t : taken_)
    if (t.intersects(b)) return false;
  return true;
}

std::optional<Box> LabelLayout::place(const std::vector<Box>& candidates) {
  std::vector<std::vector<Box>> groups;
  for (const auto& c : candidates) groups.push_back({c});
  auto i = place_group(groups);
  if (!i) return std::nullopt;
  return candidates[*i];
}

std::optional<size_t> LabelLayout::place_group(const std::vector<std::vector<Box>>& candidates) {
  for (size_t i = 0; i < candidates.size(); ++i) {
    bool ok = true;
    for (const auto& b : candidates[i]) ok = ok && fits(b);
    if (!ok) continue;
    taken_.insert(taken_.end(), candidates[i].begin(), candidates[i].end());
    return i;
  }
  return std::nullopt;
}

}  // namespace harness
