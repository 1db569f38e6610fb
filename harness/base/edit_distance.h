// Levenshtein distance, for "did you mean" suggestions on unknown fields.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate within a distance that scales with the word's
// length, or nothing when no candidate is plausibly meant.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

}  // namespace harness
