#include "report/exercise_view.h"

#include <fmt/format.h>

#include "report/report_view.h"

namespace harness {

using nlohmann::json;

std::vector<ExerciseLine> exercise_lines(const json& report) {
  std::vector<ExerciseLine> out;
  for (const auto& e : array_or_empty(report, "exercise")) {
    std::string state = str_or(e, "state");
    std::string what = str_or(e, "what");
    std::string label = state == "missed"      ? "NOT EXERCISED"
                        : state == "exercised" ? "exercised"
                        : state == "refused"   ? "refused"
                        : what == "offer"      ? "offered"
                                               : "note";
    std::string fault = str_or(e, "fault");
    std::string text = (fault.empty() ? "" : fmt::format("fault \"{}\": ", fault)) + str_or(e, "detail");
    if (std::string change = str_or(e, "change"); !change.empty() && state == "missed")
      text += fmt::format(" -- to exercise it: {}", change);
    else if (!change.empty() && label == "offered")
      text += fmt::format(" ({})", change);
    out.push_back({label, text});
  }
  return out;
}

bool same_version_only(const json& report) {
  for (const auto& e : array_or_empty(report, "exercise"))
    if (str_or(e, "what") == "offer" && str_or(e, "fault").empty() &&
        str_or(e, "detail").rfind("same version only", 0) == 0)
      return true;
  return false;
}

}  // namespace harness
