#include "core/scenario_text.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/error.h"

namespace harness {

using nlohmann::json;

// nlohmann skips a byte-order mark silently, and then every reported column
// is off; open(2) and execve(2) stop at a NUL.
std::optional<std::pair<size_t, std::string>> bad_bytes(const std::string& text) {
  if (text.rfind("\xef\xbb\xbf", 0) == 0)
    return std::pair<size_t, std::string>{0, "the file starts with a UTF-8 byte-order mark; save it as UTF-8 "
                                             "without BOM"};
  const auto* b = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    unsigned c = b[i];
    if (c == 0) return std::pair<size_t, std::string>{i, "NUL byte in the file"};
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = len != 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) ok = (b[i + k] & 0xc0) == 0x80;
    if (ok && len > 1) {
      unsigned cp = c & (0xff >> (len + 1));
      for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (b[i + k] & 0x3f);
      static const unsigned kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= kMin[len] && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
    }
    if (!ok) return std::pair<size_t, std::string>{i, fmt::format("invalid UTF-8 (byte 0x{:02x}); scenario files "
                                                                  "are UTF-8 text", c)};
    i += len;
  }
  return std::nullopt;
}

ScenarioDocument parse_scenario_text(const std::string& text, const std::string& fname) {
  if (auto bad = bad_bytes(text)) {
    TextLocation at = location_of_offset(text, bad->first);
    throw ScenarioError(fname, at.line, at.col, "$", bad->second);
  }
  // One parse builds the document and says where each part of it is, and
  // which key came twice: no second reading of the text can disagree.
  LocatedJson parsed;
  try {
    parsed = parse_located_json(text);
  } catch (const json::parse_error& e) {
    // e.byte is 1-based and points just past the offending character.
    TextLocation at = location_of_offset(text, e.byte > 0 ? e.byte - 1 : 0);
    std::string msg = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] parse error at line 3, column 5: ".
    if (auto colon = msg.find(": "); colon != std::string::npos) msg = msg.substr(colon + 2);
    throw ScenarioError(fname, at.line, at.col, "$", "malformed JSON: " + msg);
  } catch (const json::exception& e) {
    // E.g. out_of_range 406, "number overflow parsing '1e400'": no offset,
    // so point at the first occurrence of the token it names.
    std::string msg = e.what();
    if (auto colon = msg.find("] "); colon != std::string::npos) msg = msg.substr(colon + 2);
    size_t at = 0;
    if (auto q = msg.find('\''); q != std::string::npos) {
      std::string token = msg.substr(q + 1, msg.rfind('\'') - q - 1);
      if (!token.empty()) at = std::min(text.find(token), text.size());
    }
    TextLocation loc = location_of_offset(text, at);
    throw ScenarioError(fname, loc.line, loc.col, "$", "malformed JSON: " + msg);
  }
  const JsonLocator& loc = parsed.locator;
  if (loc.too_deep()) {
    TextLocation at = loc.value(*loc.too_deep());
    throw ScenarioError(fname, at.line, at.col, *loc.too_deep(),
                        fmt::format("nested deeper than {} levels", JsonLocator::kMaxDepth));
  }
  if (loc.too_many()) {
    TextLocation at = loc.value(*loc.too_many());
    throw ScenarioError(fname, at.line, at.col, *loc.too_many(),
                        fmt::format("has more than {} members (at most {})", JsonLocator::kMaxItems,
                                    JsonLocator::kMaxItems));
  }
  if (loc.duplicate_key()) {
    TextLocation at = loc.duplicate_at();
    throw ScenarioError(fname, at.line, at.col, *loc.duplicate_key(),
                        "this key appears twice in its object");
  }
  return ScenarioDocument{std::move(parsed.json), std::move(parsed.locator)};
}

}  // namespace harness
