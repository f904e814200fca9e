//===- ExplicitPlanTest.cpp - Placing a partitioned module's collectives --===//

#include "AoiZora/Plan/Plan.h"

#include "TestSupport/TestSlices.h"

#include "llvm/ADT/STLExtras.h"
#include "gtest/gtest.h"

using namespace aoizora;
using namespace aoizora::plan;

namespace {

struct Messages {
  std::vector<std::string> remarks, warnings;
  auto sink() {
    return [this](MessageKind kind, const llvm::Twine &message) {
      (kind == MessageKind::Remark ? remarks : warnings)
          .push_back(message.str());
    };
  }
};

/// 1 MiB all-reduces along x of an iota mesh x=2, y=4: groups {i, i+4},
/// which the default order of v5e:2x4 (x fastest over 2 columns) puts two
/// rows apart.
PricedStep stepAlongX() {
  WeightedCollective c;
  c.spec.kind = CollectiveKind::AllReduce;
  c.spec.bytes = 1 << 20;
  c.spec.groups = {{0, 4}, {1, 5}, {2, 6}, {3, 7}};
  c.count = 3;
  return {{c}, "explicit collectives in the module"};
}

std::vector<NamedMesh> meshX2Y4() {
  sharding::Mesh m;
  m.axes = {{"x", 2}, {"y", 4}};
  return {{"mesh", m}};
}

TEST(ExplicitPlan, BeatsTheModuleOrderAndSaysSo) {
  Slice slice = test::parseTestSlice("v5e:2x4");
  Placement assignment = Placement::defaultFor(slice);
  Messages messages;
  auto plan = planExplicit(slice, assignment, stepAlongX(), meshX2Y4(), {},
                           messages.sink());
  ASSERT_TRUE(bool(plan)) << llvm::toString(plan.takeError());
  ASSERT_FALSE(plan->baselines.empty());
  EXPECT_EQ(plan->baselines[0].origin, "module order");
  EXPECT_LT(plan->best().score.seconds, plan->baselines[0].score.seconds);
  EXPECT_EQ(plan->mesh.shape, (llvm::SmallVector<int64_t>{2, 4}));
  // sigma is a permutation that realises the best placement.
  llvm::SmallVector<int64_t> sorted(plan->sigma);
  llvm::sort(sorted);
  for (auto [i, id] : llvm::enumerate(sorted))
    EXPECT_EQ(id, int64_t(i));
  EXPECT_FALSE(isIdentity(plan->sigma));
  ASSERT_FALSE(messages.remarks.empty());
  EXPECT_EQ(messages.remarks.front().rfind("placement #1: ", 0), 0u);
  EXPECT_TRUE(llvm::any_of(messages.remarks, [](const std::string &r) {
    return r.rfind("baseline module order: ", 0) == 0 &&
           r.find("x faster on v5e:2x4:wrap=0,0") != std::string::npos;
  }));
}

TEST(ExplicitPlan, JsonPlanCarriesOrderPlacementAndSnippet) {
  Slice slice = test::parseTestSlice("v5e:2x4");
  Placement assignment = Placement::defaultFor(slice);
  Messages messages;
  PlanOptions options;
  options.emitRemarks = false;
  options.simulate = true;
  auto plan = planExplicit(slice, assignment, stepAlongX(), meshX2Y4(), options,
                           messages.sink());
  ASSERT_TRUE(bool(plan)) << llvm::toString(plan.takeError());
  EXPECT_TRUE(messages.remarks.empty());
  ASSERT_TRUE(plan->simulatedSeconds);
  EXPECT_GT(*plan->simulatedSeconds, 0);
  EXPECT_EQ(plan->simulatedBaselines.size(), plan->baselines.size());
  llvm::json::Value json = plan->toJSON(slice);
  const llvm::json::Object &root = *json.getAsObject();
  EXPECT_EQ(root.getString("topology"), "v5e:2x4:wrap=0,0");
  EXPECT_EQ(root.getArray("device_order")->size(), 8u);
  EXPECT_EQ(root.getArray("placement")->size(), 8u);
  EXPECT_EQ(root.getString("collective_source"),
            "explicit collectives in the module");
  EXPECT_TRUE(root.getNumber("simulated_seconds"));
  EXPECT_NE(root.getString("jax_mesh_snippet")->find("('x', 'y',)"),
            llvm::StringRef::npos);
}

TEST(ExplicitPlan, ExhaustiveIsTheReferenceAndIsBounded) {
  Slice slice = test::parseTestSlice("v5e:2x4");
  Placement assignment = Placement::defaultFor(slice);
  Messages messages;
  PlanOptions options;
  options.exhaustive = true;
  options.search.topK = 1;
  auto exact = planExplicit(slice, assignment, stepAlongX(), meshX2Y4(),
                            options, messages.sink());
  ASSERT_TRUE(bool(exact)) << llvm::toString(exact.takeError());
  auto searched = planExplicit(slice, assignment, stepAlongX(), meshX2Y4(), {},
                               messages.sink());
  ASSERT_TRUE(bool(searched));
  EXPECT_NEAR(searched->best().score.seconds, exact->best().score.seconds,
              1e-12);

  Slice big = test::parseTestSlice("v5e:4x4");
  auto refused = planExplicit(big, Placement::defaultFor(big), stepAlongX(), {},
                              options, messages.sink());
  ASSERT_FALSE(bool(refused));
  EXPECT_EQ(llvm::toString(refused.takeError()),
            "exhaustive search is limited to 8 devices (8! = 40320 "
            "placements); this module has 16");
}

} // namespace
