#include "base/json_locator.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <set>

namespace harness {

TextLocation location_of_offset(std::string_view text, size_t offset) {
  TextLocation loc;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
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

// Recursive-descent walk that records offsets; it trusts that the text is
// valid JSON (nlohmann has already parsed it) and bails out otherwise.
class JsonScanner {
 public:
  JsonScanner(std::string_view text, JsonLocator& out) : text_(text), out_(out) {}

  void run() {
    try {
      skip_ws();
      value("$");
    } catch (const Stop&) {
    }
  }

 private:
  struct Stop {};

  char peek() {
    if (pos_ >= text_.size()) throw Stop{};
    return text_[pos_];
  }

  void skip_ws() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
        size_t end = text_.find("*/", pos_ + 2);
        pos_ = end == std::string_view::npos ? text_.size() : end + 2;
      } else {
        break;
      }
    }
  }

  TextLocation here() {
    // Incremental line/col tracking keeps the scan linear.
    while (loc_pos_ < pos_) {
      if (text_[loc_pos_] == '\n') {
        ++loc_.line;
        loc_.col = 1;
      } else {
        ++loc_.col;
      }
      ++loc_pos_;
    }
    return loc_;
  }

  // The decoded string, as nlohmann's parser sees it: a key spelled with
  // escapes ("\u0061rgv") must be the same key as its plain spelling, or
  // the duplicate check misses a value that silently replaces another.
  std::string string_token() {
    if (peek() != '"') throw Stop{};
    const size_t start = pos_++;
    bool escaped = false;
    while (true) {
      char c = peek();
      ++pos_;
      if (c == '"') break;
      if (c == '\\') {
        peek();
        ++pos_;
        escaped = true;
      }
    }
    std::string_view raw = text_.substr(start, pos_ - start);
    if (!escaped) return std::string(raw.substr(1, raw.size() - 2));
    auto decoded = nlohmann::json::parse(raw, nullptr, false);
    if (!decoded.is_string()) throw Stop{};
    return decoded.get<std::string>();
  }

  void value(const std::string& path) {
    ++out_.values_scanned_;
    out_.values_.emplace(path, here());
    char c = peek();
    if ((c == '{' || c == '[') && ++depth_ > JsonLocator::kMaxDepth) {
      out_.too_deep_ = path;
      throw Stop{};
    }
    if (c == '{') {
      ++pos_;
      std::set<std::string> seen;
      skip_ws();
      if (peek() == '}') {
        ++pos_;
        --depth_;
        return;
      }
      while (true) {
        skip_ws();
        TextLocation key_loc = here();
        std::string key = string_token();
        std::string child = json_path_member(path, key);
        if (!seen.insert(key).second && !out_.duplicate_key_) out_.duplicate_key_ = child;
        if (seen.size() > JsonLocator::kMaxItems) {
          out_.too_many_ = path;
          throw Stop{};
        }
        out_.keys_.emplace(child, key_loc);
        skip_ws();
        if (peek() != ':') throw Stop{};
        ++pos_;
        skip_ws();
        value(child);
        skip_ws();
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        if (peek() == '}') {
          ++pos_;
          --depth_;
          return;
        }
        throw Stop{};
      }
    } else if (c == '[') {
      ++pos_;
      skip_ws();
      if (peek() == ']') {
        ++pos_;
        --depth_;
        return;
      }
      for (size_t i = 0;; ++i) {
        if (i >= JsonLocator::kMaxItems) {
          out_.too_many_ = path;
          throw Stop{};
        }
        skip_ws();
        value(json_path_index(path, i));
        skip_ws();
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        if (peek() == ']') {
          ++pos_;
          --depth_;
          return;
        }
        throw Stop{};
      }
    } else if (c == '"') {
      string_token();
    } else {
      while (pos_ < text_.size() && std::string_view(",]} \t\r\n/").find(text_[pos_]) ==
                                        std::string_view::npos)
        ++pos_;
    }
  }

  std::string_view text_;
  JsonLocator& out_;
  size_t pos_ = 0;
  size_t loc_pos_ = 0;
  size_t depth_ = 0;
  TextLocation loc_;
};

JsonLocator::JsonLocator(std::string_view text) {
  JsonScanner scanner(text, *this);
  scanner.run();
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
