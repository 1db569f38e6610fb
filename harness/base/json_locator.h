// JsonLocator remembers where in the source text every JSON value starts, so
// that a validation error can name file:line:col as well as the JSON path.
// nlohmann/json 3.11 keeps no positions, so they are recorded while its
// parser builds the document (parse_located_json): the keys, comments and
// line ends seen are the parser's own, and no second scanner of the text
// can disagree with it about what the document holds.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace harness {

struct TextLocation {
  int line = 1;
  int col = 1;
};

// Converts a byte offset into 1-based line and column. A line ends at
// "\n", "\r\n" or a lone "\r", as it does for the parser's `//` comments.
TextLocation location_of_offset(std::string_view text, size_t offset);

class JsonLocator {
 public:
  JsonLocator() = default;
  // The locator of parse_located_json(text); on malformed text it holds
  // what was recorded up to the error.
  explicit JsonLocator(std::string_view text);

  // Paths look like "$", "$.workload.argv[0]". Falls back to the nearest
  // recorded ancestor, then to 1:1.
  TextLocation value(const std::string& path) const;
  // Location of the member's key (for "unknown field"); falls back to value().
  TextLocation key(const std::string& path) const;
  // The first key that appears twice in one object, if any ("$.a.b").
  const std::optional<std::string>& duplicate_key() const { return duplicate_key_; }
  // Where that key appears the second time.
  TextLocation duplicate_at() const { return duplicate_at_; }
  // The first value nested deeper than kMaxDepth, or the first array or
  // object with more than kMaxItems members; the parse stops there, so a
  // hostile document costs no more than a sane one.
  static constexpr size_t kMaxDepth = 32;
  static constexpr size_t kMaxItems = 1000;
  const std::optional<std::string>& too_deep() const { return too_deep_; }
  const std::optional<std::string>& too_many() const { return too_many_; }
  // How many values the scan entered: what makes "costs no more than a sane
  // document" checkable without timing it.
  size_t values_scanned() const { return values_scanned_; }

 private:
  std::map<std::string, TextLocation> values_;
  std::map<std::string, TextLocation> keys_;
  std::optional<std::string> duplicate_key_;
  TextLocation duplicate_at_;
  std::optional<std::string> too_deep_;
  std::optional<std::string> too_many_;
  size_t values_scanned_ = 0;
  friend class LocatingCallback;
};

// A JSON text (with // and /* */ comments) parsed once by nlohmann's
// parser, with where each value and key starts. When the locator reports a
// limit (too_deep, too_many) the parse stopped there and `json` is null.
struct LocatedJson {
  nlohmann::json json;
  JsonLocator locator;
};
// Throws nlohmann's exceptions (parse_error with the byte offset) for
// malformed text.
LocatedJson parse_located_json(std::string_view text);

// Appends a member or an index to a JSON path.
std::string json_path_member(const std::string& parent, std::string_view key);
std::string json_path_index(const std::string& parent, size_t index);

}  // namespace harness
