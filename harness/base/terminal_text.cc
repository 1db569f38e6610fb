#include "base/terminal_text.h"

#include <fmt/format.h>

namespace harness {

namespace {

// The length of the well-formed UTF-8 sequence of two bytes or more that
// starts at s[i], or 0.
size_t utf8_sequence(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  const size_t len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  return len;
}

}  // namespace

std::string terminal_safe(std::string_view s, bool keep_newlines) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (keep_newlines && (c == '\n' || c == '\t')) {
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else if (size_t len = utf8_sequence(s, i)) {
      const auto next = static_cast<unsigned char>(s[i + 1]);
      if (c == 0xc2 && next <= 0x9f) out += fmt::format("\\u{:04x}", next);  // a C1 control
      else out.append(s.substr(i, len));
      i += len;
    } else {
      // Not UTF-8: a terminal in 8-bit mode reads a lone 0x9b as CSI.
      out += fmt::format("\\x{:02x}", c);
      ++i;
    }
  }
  return out;
}

}  // namespace harness
