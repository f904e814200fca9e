//===- ViewsTest.cpp - The summary table and the picture ------------------===//

#include "AoiZora/Plan/Picture.h"
#include "AoiZora/Plan/Summary.h"

#include "TestSupport/TestSlices.h"

#include "gtest/gtest.h"

using namespace aoizora;
using namespace aoizora::plan;

namespace {

TEST(TextTable, PadsColumnsAndRightAlignsNumbers) {
  TextTable table({"name", "seconds"}, {false, true});
  table.addRow({"a", "1.5"});
  table.addRow({"longer", "10.25"});
  EXPECT_EQ(table.str(), "name    seconds\n"
                         "a           1.5\n"
                         "longer    10.25\n");
}

/// 1 MiB all-reduces along x (groups {i, i+4}) of a mesh x=2, y=4 on
/// v5e:2x4, as in ExplicitPlanTest.
ExplicitPlan plannedAlongX(const Slice &slice) {
  WeightedCollective c;
  c.spec.kind = CollectiveKind::AllReduce;
  c.spec.bytes = 1 << 20;
  c.spec.groups = {{0, 4}, {1, 5}, {2, 6}, {3, 7}};
  sharding::Mesh mesh;
  mesh.axes = {{"x", 2}, {"y", 4}};
  PlanOptions options;
  options.emitRemarks = false;
  auto plan = planExplicit(slice, Placement::defaultFor(slice),
                           {{c}, "explicit collectives in the module"},
                           {{"mesh", mesh}}, options,
                           [](MessageKind, const llvm::Twine &) {});
  if (!plan)
    llvm::report_fatal_error(plan.takeError());
  return std::move(*plan);
}

TEST(Summary, ExplicitPlanRowsAndRatios) {
  Slice slice = test::parseTestSlice("v5e:2x4");
  ExplicitPlan plan = plannedAlongX(slice);
  std::string text = summarize(slice, plan);
  EXPECT_EQ(text.rfind("az-place plan on v5e:2x4:wrap=0,0 (8 devices): mesh "
                       "x=2,y=4 placed on ",
                       0),
            0u);
  size_t row = text.find("\nplan (placement #1) ");
  ASSERT_NE(row, std::string::npos);
  EXPECT_NE(text.find("x=2,y=4", row), std::string::npos);
  EXPECT_NE(text.find("1.00x  " + plan.best().origin), std::string::npos);
  EXPECT_NE(text.find("\nbaseline module order"), std::string::npos);
}

TEST(Picture, ColoursByTheBusiestAxisAndDrawsEveryChip) {
  Slice slice = test::parseTestSlice("v5e:2x4");
  ExplicitPlan plan = plannedAlongX(slice);
  std::vector<PictureSide> sides = pictureSides(plan);
  ASSERT_EQ(sides.size(), 2u);
  EXPECT_EQ(busiestAxis(sides[0]), "x");
  auto svg = drawPicture(slice, Placement::defaultFor(slice), sides, "");
  ASSERT_TRUE(bool(svg)) << llvm::toString(svg.takeError());
  EXPECT_EQ(svg->rfind("<?xml", 0), 0u);
  EXPECT_NE(svg->find("group along mesh axis &quot;x&quot; (4 groups of 2"),
            std::string::npos);
  for (int d = 0; d < 8; ++d)
    EXPECT_NE(svg->find(">d" + std::to_string(d) + "</text>"),
              std::string::npos);
  // Two panels, each 2x4 chips with 2*(1*4 + 2*3) = 20 directed links.
  size_t lines = 0;
  for (size_t at = svg->find("<line "); at != std::string::npos;
       at = svg->find("<line ", at + 1))
    ++lines;
  EXPECT_EQ(lines, 2u * 20u);
  EXPECT_NE(svg->find("</svg>"), std::string::npos);

  auto bad = drawPicture(slice, Placement::defaultFor(slice), sides, "z");
  ASSERT_FALSE(bool(bad));
  EXPECT_EQ(llvm::toString(bad.takeError()),
            "picture-axis 'z' is not an axis of the plan's mesh (axes: 'x', "
            "'y')");
}

} // namespace
