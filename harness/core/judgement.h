// How one check came out: held, failed, or undecided (the run lacks the
// evidence to decide it). One value, so no check can be held and undecided
// at once. A report spells it as ExpectationResult's "state" word.
#pragma once

#include <ostream>
#include <string_view>

namespace harness {

enum class Judgement { failed, held, undecided };

constexpr std::string_view to_string(Judgement j) {
  switch (j) {
    case Judgement::held: return "held";
    case Judgement::undecided: return "undecided";
    case Judgement::failed: break;
  }
  return "failed";
}

constexpr Judgement judged(bool held) { return held ? Judgement::held : Judgement::failed; }

inline std::ostream& operator<<(std::ostream& os, Judgement j) { return os << to_string(j); }

}  // namespace harness
