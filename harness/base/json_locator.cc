#include "base/json_locator.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <functional>
#include <iterator>
#include <set>
#include <vector>

namespace harness {

// "\r\n" is one line end: its "\r" only counts as a column.
static bool ends_line(std::string_view text, size_t i) {
  return text[i] == '\n' || (text[i] == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'));
}

TextLocation location_of_offset(std::string_view text, size_t offset) {
  TextLocation loc;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (ends_line(text, i)) {
      ++loc.line;
      loc.col = 1;
    } else {
      ++loc.col;
    }
  }
  return loc;
}

std::string json_path_member(const std::string& parent, std::string_view key) {
  bool plain = !key.empty() && !std::isdigit(static_cast<unsigned char>(key[0]));
  for (char c : key)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) plain = false;
  if (plain) return fmt::format("{}.{}", parent, key);
  return fmt::format("{}[\"{}\"]", parent, key);
}

std::string json_path_index(const std::string& parent, size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

namespace {

// The text as nlohmann's parser reads it, one byte at a time, telling how
// far it has read: at each parser event, the end of the token just read
// (one byte more after a number, which the lexer ends by reading past it).
class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* p, const char* base, size_t* read) : p_(p), base_(base), read_(read) {}
  reference operator*() const { return *p_; }
  CountingIterator& operator++() {
    ++p_;
    *read_ = static_cast<size_t>(p_ - base_);
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator old = *this;
    ++*this;
    return old;
  }
  bool operator==(const CountingIterator& o) const { return p_ == o.p_; }
  bool operator!=(const CountingIterator& o) const { return p_ != o.p_; }

 private:
  const char* p_;
  const char* base_;
  size_t* read_;
};

struct StopParse {};

bool number_byte(char c) { return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'; }

}  // namespace

// Called by nlohmann's parser at each event; records the paths, where
// their keys and values start, and the first duplicate key, and stops the
// parse at the first container past the limits.
class LocatingCallback {
 public:
  LocatingCallback(std::string_view text, const size_t& read, JsonLocator& out) : text_(text), read_(read), out_(out) {}

  bool operator()(int /*depth*/, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    switch (event) {
      case E::object_start:
      case E::array_start: {
        std::string path = enter_value(read_ - 1);
        if (frames_.size() + 1 > JsonLocator::kMaxDepth) {
          out_.too_deep_ = path;
          throw StopParse{};
        }
        Frame f;
        f.path = std::move(path);
        f.object = event == E::object_start;
        frames_.push_back(std::move(f));
        break;
      }
      case E::key: {
        Frame& f = frames_.back();
        if (++f.members > JsonLocator::kMaxItems) {
          out_.too_many_ = f.path;
          throw StopParse{};
        }
        // The key as the parser decoded it ("\u0061rgv" is "argv").
        const std::string& key = parsed.get_ref<const std::string&>();
        f.child = json_path_member(f.path, key);
        TextLocation where = at(string_start(read_));
        if (!f.keys.insert(key).second && !out_.duplicate_key_) {
          out_.duplicate_key_ = f.child;
          out_.duplicate_at_ = where;
        }
        out_.keys_.emplace(f.child, where);
        break;
      }
      case E::object_end:
      case E::array_end:
        frames_.pop_back();
        break;
      case E::value:
        enter_value(scalar_start(parsed));
        break;
    }
    return true;
  }

 private:
  struct Frame {
    std::string path;
    bool object = false;
    std::string child;  // the path of the member whose key was read last
    size_t members = 0;
    std::set<std::string> keys;
  };

  // Records a value starting at `offset`; returns its path.
  std::string enter_value(size_t offset) {
    std::string path = "$";
    if (!frames_.empty()) {
      Frame& f = frames_.back();
      if (f.object) {
        path = f.child;
      } else {
        if (f.members >= JsonLocator::kMaxItems) {
          out_.too_many_ = f.path;
          throw StopParse{};
        }
        path = json_path_index(f.path, f.members++);
      }
    }
    ++out_.values_scanned_;
    out_.values_.emplace(path, at(offset));
    return path;
  }

  // The token just read ends at read_ (a number: one byte before, unless it
  // ended the text); walk back over it.
  size_t scalar_start(const nlohmann::json& v) const {
    if (v.is_string()) return string_start(read_);
    if (v.is_boolean()) return read_ - (v.get<bool>() ? 4 : 5);
    if (v.is_null()) return read_ - 4;
    size_t end = read_;
    if (end > 0 && !number_byte(text_[end - 1])) --end;
    while (end > 0 && number_byte(text_[end - 1])) --end;
    return end;
  }

  // The opening quote of the string token whose closing quote is at end-1:
  // the nearest quote before it not escaped by an odd run of backslashes.
  size_t string_start(size_t end) const {
    for (size_t i = end - 1; i-- > 0;) {
      if (text_[i] != '"') continue;
      size_t slashes = 0;
      while (slashes < i && text_[i - 1 - slashes] == '\\') ++slashes;
      if (slashes % 2 == 0) return i;
    }
    return 0;
  }

  // Offsets arrive in increasing order: the line count is kept as it goes.
  TextLocation at(size_t offset) {
    if (offset < loc_pos_) {
      loc_pos_ = 0;
      loc_ = {};
    }
    for (; loc_pos_ < offset && loc_pos_ < text_.size(); ++loc_pos_) {
      if (ends_line(text_, loc_pos_)) {
        ++loc_.line;
        loc_.col = 1;
      } else {
        ++loc_.col;
      }
    }
    return loc_;
  }

  std::string_view text_;
  const size_t& read_;
  JsonLocator& out_;
  std::vector<Frame> frames_;
  size_t loc_pos_ = 0;
  TextLocation loc_;
};

// The parse, with `loc` filled as it goes (and kept if it throws).
static nlohmann::json parse_locating(std::string_view text, JsonLocator& loc) {
  size_t read = 0;
  LocatingCallback callback(text, read, loc);
  CountingIterator first(text.data(), text.data(), &read), last(text.data() + text.size(), text.data(), &read);
  try {
    return nlohmann::json::parse(first, last, std::ref(callback), /*allow_exceptions=*/true,
                                 /*ignore_comments=*/true);
  } catch (const StopParse&) {
    return nlohmann::json();  // the locator says why
  }
}

LocatedJson parse_located_json(std::string_view text) {
  LocatedJson out;
  out.json = parse_locating(text, out.locator);
  return out;
}

JsonLocator::JsonLocator(std::string_view text) {
  try {
    parse_locating(text, *this);
  } catch (const nlohmann::json::exception&) {
  }
}

static std::string parent_path(const std::string& path) {
  if (path == "$") return path;
  size_t dot = path.find_last_of(".[");
  if (dot == std::string::npos || dot == 0) return "$";
  return path.substr(0, dot);
}

TextLocation JsonLocator::value(const std::string& path) const {
  for (std::string p = path;; p = parent_path(p)) {
    auto it = values_.find(p);
    if (it != values_.end()) return it->second;
    if (p == "$") return {};
  }
}

TextLocation JsonLocator::key(const std::string& path) const {
  auto it = keys_.find(path);
  if (it != keys_.end()) return it->second;
  return value(path);
}

}  // namespace harness
