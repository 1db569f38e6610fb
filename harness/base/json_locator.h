// JsonLocator remembers where in the source text every JSON value starts, so
// that a validation error can name file:line:col as well as the JSON path.
// nlohmann/json 3.11 keeps no positions, hence this small second scanner.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace harness {

struct TextLocation {
  int line = 1;
  int col = 1;
};

// Converts a byte offset into 1-based line and column.
TextLocation location_of_offset(std::string_view text, size_t offset);

class JsonLocator {
 public:
  // Scans text (JSON with // and /* */ comments). The text must already have
  // been accepted by nlohmann::json::parse; on anything unexpected the
  // locator simply stops recording.
  explicit JsonLocator(std::string_view text);

  // Paths look like "$", "$.workload.argv[0]". Falls back to the nearest
  // recorded ancestor, then to 1:1.
  TextLocation value(const std::string& path) const;
  // Location of the member's key (for "unknown field"); falls back to value().
  TextLocation key(const std::string& path) const;
  // The first key that appears twice in one object, if any ("$.a.b").
  const std::optional<std::string>& duplicate_key() const { return duplicate_key_; }
  // The first value nested deeper than kMaxDepth, or the first array or
  // object with more than kMaxItems members; the scan stops there, so a
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
  std::optional<std::string> too_deep_;
  std::optional<std::string> too_many_;
  size_t values_scanned_ = 0;
  friend class JsonScanner;
};

// Appends a member or an index to a JSON path.
std::string json_path_member(const std::string& parent, std::string_view key);
std::string json_path_index(const std::string& parent, size_t index);

}  // namespace harness
