//===- CandidatePlanTest.cpp - Placing and ranking stage-1 survivors ------===//
//
// Hand-made estimates on the module mesh x=2, y=4 over v5e:2x4: every
// candidate computes for 100 us and all-reduces 1 MiB along y, so the fewer
// devices y has, the less it communicates.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Plan/Plan.h"

#include "TestSupport/TestSlices.h"

#include "llvm/ADT/STLExtras.h"
#include "gtest/gtest.h"

using namespace aoizora;
using namespace aoizora::plan;
using namespace aoizora::planner;

namespace {

sharding::Mesh moduleMesh() {
  sharding::Mesh m;
  m.axes = {{"x", 2}, {"y", 4}};
  return m;
}

CandidateEstimate estimate(int64_t x, int64_t y) {
  CandidateEstimate e;
  e.candidate.sizes = {x, y};
  e.candidate.isModuleMesh = x == 2 && y == 4;
  e.label = e.candidate.label(moduleMesh());
  e.computeSeconds = 100e-6;
  CollectiveUse use;
  use.kind = ReshardKind::AllReduce;
  use.axes = {"y"};
  use.groupSize = y;
  use.count = 2;
  use.bytes = 2 << 20;
  e.collectives.push_back(use);
  return e;
}

struct Fixture : ::testing::Test {
  Slice slice = test::parseTestSlice("v5e:2x4");
  Placement assignment = Placement::defaultFor(slice);
  std::vector<CandidateEstimate> estimates{estimate(1, 8), estimate(2, 4),
                                           estimate(4, 2), estimate(8, 1)};
  std::vector<std::string> remarks, warnings;

  CandidateInputs
  inputs(std::initializer_list<llvm::SmallVector<int64_t>> survivors) {
    CandidateInputs in;
    in.moduleMesh = moduleMesh();
    in.estimates = estimates;
    in.survivors.assign(survivors.begin(), survivors.end());
    return in;
  }
  llvm::Expected<CandidatePlan> run(const CandidateInputs &in,
                                    PlanOptions options = {}) {
    return planCandidates(
        slice, assignment, in, options,
        [this](MessageKind kind, const llvm::Twine &m) {
          (kind == MessageKind::Remark ? remarks : warnings).push_back(m.str());
        });
  }
};

TEST_F(Fixture, TheLeastStepWinsAndBaselinesAreReported) {
  auto plan = run(inputs({{2, 4}, {4, 2}}));
  ASSERT_TRUE(bool(plan)) << llvm::toString(plan.takeError());
  // The alpha-beta planner picks x=8,y=1 (no communication), so it is
  // placed too, and wins.
  EXPECT_EQ(plan->winner().estimate.label, "x=8,y=1");
  EXPECT_DOUBLE_EQ(plan->winner().stepSeconds, 100e-6);
  EXPECT_EQ(plan->placed.size(), 3u);
  for (size_t i = 1; i < plan->placed.size(); ++i)
    EXPECT_LE(plan->placed[i - 1].stepSeconds, plan->placed[i].stepSeconds);
  ASSERT_GE(plan->baselines.size(), 2u);
  EXPECT_EQ(plan->baselines[0].name, "module as written");
  EXPECT_EQ(plan->baselines[0].label, "x=2,y=4");
  EXPECT_EQ(plan->baselines[0].orderName, "module order");
  for (const Baseline &b : plan->baselines)
    EXPECT_GE(b.seconds, plan->winner().stepSeconds);
  EXPECT_EQ(plan->chosenMesh.axes[0].size, 8);
  EXPECT_TRUE(llvm::any_of(remarks, [](const std::string &r) {
    return r.rfind("candidate #1 x=8,y=1: step ", 0) == 0;
  }));
}

TEST_F(Fixture, AFixedMeshPlacesOnlyItsOwnSizes) {
  CandidateInputs in = inputs({{4, 2}, {2, 4}});
  in.fixedReason = "it has explicit collectives";
  auto plan = run(in);
  ASSERT_TRUE(bool(plan)) << llvm::toString(plan.takeError());
  ASSERT_EQ(plan->placed.size(), 1u);
  EXPECT_EQ(plan->winner().estimate.label, "x=2,y=4");
  ASSERT_FALSE(plan->unplaced.empty());
  EXPECT_EQ(plan->unplaced[0],
            "candidate x=4,y=2 not placed: the mesh keeps its axis sizes "
            "because it has explicit collectives");
  EXPECT_EQ(remarks[0], plan->unplaced[0]);
  llvm::json::Value json = plan->toJSON(slice, assignment);
  EXPECT_EQ(json.getAsObject()->getString("mesh_sizes_fixed_because"),
            "it has explicit collectives");

  CandidateInputs none = inputs({{4, 2}});
  none.fixedReason = "it has inline meshes";
  auto refused = run(none);
  ASSERT_FALSE(bool(refused));
  EXPECT_EQ(llvm::toString(refused.takeError()),
            "no surviving candidate can be placed: the mesh keeps its axis "
            "sizes because it has inline meshes, and az-prune-candidates "
            "dropped them");
}

TEST_F(Fixture, JsonPlanNamesTheCandidateAndEveryPlacedOne) {
  PlanOptions options;
  options.simulate = true;
  options.emitRemarks = false;
  auto plan = run(inputs({{2, 4}, {4, 2}}), options);
  ASSERT_TRUE(bool(plan)) << llvm::toString(plan.takeError());
  EXPECT_TRUE(remarks.empty() ||
              llvm::all_of(remarks, [](const std::string &r) {
                return r.find("mesh_utils order: none") != std::string::npos;
              }));
  llvm::json::Value json = plan->toJSON(slice, assignment);
  const llvm::json::Object &root = *json.getAsObject();
  EXPECT_EQ(root.getObject("candidate")->getString("label"), "x=8,y=1");
  EXPECT_EQ(root.getArray("candidates")->size(), 3u);
  EXPECT_EQ(root.getArray("baselines")->size(), plan->baselines.size());
  EXPECT_TRUE(root.getObject("candidate")
                  ->getNumber("simulated_communication_seconds"));
  EXPECT_DOUBLE_EQ(*root.getNumber("modeled_seconds"),
                   plan->winner().stepSeconds);
}

TEST_F(Fixture, UnusedDumpsAreWarnedAbout) {
  CandidateInputs in = inputs({{2, 4}});
  in.hloDumps = {"1x8=/nonexistent.txt"};
  auto plan = run(in);
  ASSERT_TRUE(bool(plan)) << llvm::toString(plan.takeError());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "hlo-dump '/nonexistent.txt' is not used: its "
                         "candidate did not survive az-prune-candidates or "
                         "cannot be placed");
}

} // namespace
