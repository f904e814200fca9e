//===- OrdersTest.cpp - Logical meshes, JAX snippets, mesh_utils orders ---===//

#include "AoiZora/Plan/Plan.h"

#include "TestSupport/TestSlices.h"

#include "gtest/gtest.h"

using namespace aoizora;
using namespace aoizora::plan;

namespace {

sharding::Mesh mesh(std::initializer_list<sharding::MeshAxis> axes,
                    std::initializer_list<int64_t> ids = {}) {
  sharding::Mesh m;
  m.axes.assign(axes.begin(), axes.end());
  m.deviceIds.assign(ids.begin(), ids.end());
  return m;
}

TEST(Orders, LogicalMeshFollowsTheIotaMeshOverAllDevices) {
  std::vector<NamedMesh> meshes{{"small", mesh({{"a", 2}})},
                                {"mesh", mesh({{"x", 2}, {"y", 4}})}};
  LogicalMesh logical = chooseLogicalMesh(meshes, 8);
  EXPECT_EQ(logical.shape, (llvm::SmallVector<int64_t>{2, 4}));
  EXPECT_EQ(logical.axisNames[1], "y");
  EXPECT_EQ(logical.note, "axes of mesh @mesh");
  EXPECT_EQ(writtenMeshSizes(meshes, 8), (llvm::SmallVector<int64_t>{2, 4}));
}

TEST(Orders, ExplicitDeviceIdsOrNoMeshGiveOneFlatAxis) {
  std::vector<NamedMesh> reordered{
      {"m", mesh({{"x", 2}, {"y", 2}}, {3, 2, 1, 0})}};
  LogicalMesh flat = chooseLogicalMesh(reordered, 4);
  EXPECT_EQ(flat.shape, (llvm::SmallVector<int64_t>{4}));
  EXPECT_NE(flat.note.find("explicit device_ids"), std::string::npos);
  LogicalMesh none = chooseLogicalMesh({}, 4);
  EXPECT_EQ(none.axisNames[0], "devices");
  EXPECT_EQ(none.note, "no mesh over all devices: one flat axis");
}

TEST(Orders, JaxSnippetBuildsTheMeshInTheGivenOrder) {
  LogicalMesh m{{2, 2}, {"x", "y"}, ""};
  std::string snippet = jaxSnippet({3, 1, 2, 0}, m);
  EXPECT_NE(snippet.find("order = [3, 1, 2, 0]\n"), std::string::npos);
  EXPECT_NE(snippet.find(".reshape((2, 2,))"), std::string::npos);
  EXPECT_NE(snippet.find("Mesh(devices, ('x', 'y',))"), std::string::npos);
  EXPECT_NE(snippet.find("by_id = {d.id: d for d in jax.devices()}"),
            std::string::npos);
}

TEST(Orders, MeshUtilsOrderOrWhyNot) {
  Slice slice = test::parseTestSlice("v5e:4x4");
  Placement devices = Placement::defaultFor(slice);
  MeshUtilsOrder fits = meshUtilsOrder(slice, devices, {4, 4});
  ASSERT_TRUE(fits.placement);
  EXPECT_EQ(fits.placement->numDevices(), 16u);
  EXPECT_EQ(fits.note.find("needs allow_split"), std::string::npos);
  // [2,4,2] needs a physical axis split (plan.mlir's baseline says so).
  MeshUtilsOrder split = meshUtilsOrder(slice, devices, {2, 4, 2});
  ASSERT_TRUE(split.placement);
  EXPECT_NE(split.note.find("needs allow_split_physical_axes=True"),
            std::string::npos);
}

TEST(Orders, StepTimeAndIdentity) {
  // Compute 2; one collective of 3 that op 1 waits for, whose input exists
  // from the start: async hides 2 of it behind op 0.
  planner::CandidateEstimate e;
  e.computeSeconds = 2;
  e.commSeconds = 3;
  e.opComputeSeconds = {2, 0};
  e.schedule = {{-1, 1, 3}};
  EXPECT_DOUBLE_EQ(stepTime(e, 3, planner::OverlapMode::None), 5);
  EXPECT_DOUBLE_EQ(stepTime(e, 3, planner::OverlapMode::Full), 3);
  EXPECT_DOUBLE_EQ(stepTime(e, 3, planner::OverlapMode::Async), 3);
  // A placement with twice the communication: the collective runs 6.
  EXPECT_DOUBLE_EQ(stepTime(e, 6, planner::OverlapMode::Async), 6);
  // No collectives to rescale: async adds the two.
  e.commSeconds = 0;
  EXPECT_DOUBLE_EQ(stepTime(e, 3, planner::OverlapMode::Async), 5);
  EXPECT_TRUE(isIdentity({0, 1, 2}));
  EXPECT_FALSE(isIdentity({0, 2, 1}));
}

TEST(Orders, FormatsTimesAndSizes) {
  EXPECT_EQ(formatSeconds(12.3456e-6), "12.346 us");
  EXPECT_EQ(formatSeconds(1.2e-3), "1.200 ms");
  EXPECT_EQ(formatBytes(640), "640 B");
  EXPECT_EQ(formatBytes(1.5 * 1024 * 1024), "1.50 MiB");
}

} // namespace
