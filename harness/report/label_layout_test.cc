#include "report/label_layout.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

TEST(LabelLayout, BoxesIntersectOnlyWhenTheyShareArea) {
  Box a{0, 0, 10, 10};
  EXPECT_TRUE(a.intersects(Box{5, 5, 10, 10}));
  EXPECT_FALSE(a.intersects(Box{10, 0, 5, 5}));  // touching edges
  EXPECT_FALSE(a.intersects(Box{0, 11, 5, 5}));
}

TEST(LabelLayout, WidthsGrowWithTextAndBoldness) {
  double w = text_width("faults", 11);
  EXPECT_GT(w, 30);  // DejaVu Sans draws "faults" about 33 px wide at 11 px
  EXPECT_LT(w, 45);
  EXPECT_GT(text_width("faults", 11, true), w);
  EXPECT_GT(text_width("\u25B6 install-in-place.sh (ok)", 11), text_width("install-in-place.sh", 11));
}

TEST(LabelLayout, TextBoxFollowsTheAnchor) {
  Box s = text_box("abc", 100, 50, "start", 11);
  Box e = text_box("abc", 100, 50, "end", 11);
  Box m = text_box("abc", 100, 50, "middle", 11);
  EXPECT_DOUBLE_EQ(s.x, 100);
  EXPECT_DOUBLE_EQ(e.right(), 100);
  EXPECT_DOUBLE_EQ(m.x + m.w / 2, 100);
  EXPECT_LT(s.y, 50);        // above the baseline ...
  EXPECT_GT(s.bottom(), 50);  // ... and a descender below it
}

TEST(LabelLayout, FitTextCutsWithAnEllipsis) {
  EXPECT_EQ(fit_text("short", 200, 11), "short");
  std::string cut = fit_text("fault memory-pressure-of-a-very-long-name", 100, 11, true);
  EXPECT_LE(text_width(cut, 11, true), 100);
  EXPECT_EQ(cut.substr(cut.size() - 3), "\u2026");
  EXPECT_EQ(cut.rfind("fault mem", 0), 0u);
}

TEST(LabelLayout, PlacesTheFirstFreeCandidateInsideTheBounds) {
  LabelLayout l(0, 100, 0, 50);
  auto first = l.place({Box{10, 0, 30, 10}});
  ASSERT_TRUE(first);
  // Overlaps the first: the second candidate (a row lower) is taken.
  auto second = l.place({Box{20, 0, 30, 10}, Box{20, 12, 30, 10}});
  ASSERT_TRUE(second);
  EXPECT_DOUBLE_EQ(second->y, 12);
  // Past the right edge, or over something reserved: nothing.
  EXPECT_FALSE(l.place({Box{80, 30, 30, 10}}));
  l.reserve(Box{0, 30, 100, 20});
  EXPECT_FALSE(l.place({Box{10, 35, 10, 10}}));
}

TEST(LabelLayout, AGroupIsPlacedWholeOrNotAtAll) {
  LabelLayout l(0, 100, 0, 50);
  l.reserve(Box{40, 20, 10, 10});
  // A label in row 0 whose line would run down through the reserved box:
  // refused; the same label with its line clear of it: placed.
  auto i = l.place_group({{Box{0, 0, 30, 10}, Box{44, 0, 2, 50}}, {Box{0, 0, 30, 10}, Box{20, 0, 2, 50}}});
  ASSERT_TRUE(i);
  EXPECT_EQ(*i, 1u);
  EXPECT_FALSE(l.place({Box{10, 5, 5, 5}}));  // the placed label holds its place
  EXPECT_FALSE(l.place({Box{19, 30, 5, 5}}));  // and so does its line
}

}  // namespace
}  // namespace harness
