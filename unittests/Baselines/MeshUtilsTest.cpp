//===- MeshUtilsTest.cpp - JAX's create_device_mesh re-implemented --------===//
//
// Expectations come from jax-ml/jax tests/mesh_utils_test.py (named per test
// below) and from hand derivations documented next to each literal.
//
// The JAX tests build devices with mock_tpu_devices: the list is
// process-tiled (2x2 chips per host), but each id is xd + nxd * (xp + nxp *
// (yd + nyd * (yp + nyp * z))) with x = xd + nxd * xp, which is just
// x + X * (y + Y * z). So their ids are the slice's default assignment
// (Placement::defaultFor) and their expected arrays apply unchanged.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Baselines/MeshUtils.h"

#include "TestSupport/TestSlices.h"

#include "gtest/gtest.h"

#include <map>
#include <set>

using namespace aoizora;
using llvm::ArrayRef;
using llvm::Expected;
using llvm::SmallVector;

namespace {

const auto parseSlice = test::parseTestSlice;

Slice makeSlice(TpuGeneration gen, ArrayRef<int> shape) {
  llvm::Expected<Slice> slice = Slice::create(getChipSpec(gen), shape);
  EXPECT_TRUE(static_cast<bool>(slice)) << llvm::toString(slice.takeError());
  return std::move(*slice);
}

std::vector<int64_t> iota(int64_t n) {
  std::vector<int64_t> v(n);
  for (int64_t i = 0; i < n; ++i)
    v[i] = i;
  return v;
}

/// JAX's test form of an assignment, a tuple of physical axes per logical
/// axis, as the matrix [physical][logical] (what the newer tests compare).
SmallVector<SmallVector<int64_t, 4>, 4>
matrixFromAxes(ArrayRef<int64_t> physicalShape,
               ArrayRef<std::vector<unsigned>> axesPerLogical) {
  SmallVector<SmallVector<int64_t, 4>, 4> m(
      physicalShape.size(), SmallVector<int64_t, 4>(axesPerLogical.size(), 1));
  for (unsigned l = 0; l < axesPerLogical.size(); ++l)
    for (unsigned p : axesPerLogical[l])
      m[p][l] = physicalShape[p];
  return m;
}

SmallVector<SmallVector<int64_t, 4>, 4>
matrix(std::initializer_list<std::initializer_list<int64_t>> rows) {
  SmallVector<SmallVector<int64_t, 4>, 4> m;
  for (auto row : rows)
    m.emplace_back(row.begin(), row.end());
  return m;
}

std::string errorText(llvm::Error err) {
  return llvm::toString(std::move(err));
}

struct TorusCase {
  const char *jaxName;
  SmallVector<int64_t, 4> physical;
  SmallVector<int64_t, 4> mesh;
  std::vector<std::vector<unsigned>> axes;
};

// jax tests/mesh_utils_test.py, test_create_device_mesh_for_nd_torus (the
// parameter names are JAX's). '8x8' is a v3 slice with one device per chip,
// physical shape (8, 8, 1).
const TorusCase kTorusCases[] = {
    {"2x2x1", {2, 2, 1}, {1, 1, 4}, {{}, {}, {0, 1, 2}}},
    {"2x2x4", {2, 2, 4}, {1, 4, 4}, {{}, {2}, {0, 1}}},
    {"4x4x4", {4, 4, 4}, {1, 16, 4}, {{}, {1, 2}, {0}}},
    {"4x4x8a", {4, 4, 8}, {1, 16, 8}, {{}, {0, 1}, {2}}},
    {"4x4x8b", {4, 4, 8}, {1, 8, 16}, {{}, {2}, {0, 1}}},
    {"4x4x8c", {4, 4, 8}, {16, 8, 1}, {{0, 1}, {2}, {}}},
    {"4x8x8", {4, 8, 8}, {1, 32, 8}, {{}, {0, 2}, {1}}},
    {"8x8x8", {8, 8, 8}, {1, 64, 8}, {{}, {1, 2}, {0}}},
    {"8x8x16", {8, 8, 16}, {1, 64, 16}, {{}, {0, 1}, {2}}},
    {"8x8", {8, 8, 1}, {8, 8}, {{1}, {0, 2}}},
};

TEST(MeshUtilsTest, JaxCreateDeviceMeshForNdTorus) {
  for (const TorusCase &c : kTorusCases) {
    llvm::Expected<AxisAssignment> a = assignLogicalAxes(c.physical, c.mesh);
    ASSERT_TRUE(static_cast<bool>(a))
        << c.jaxName << ": " << errorText(a.takeError());
    EXPECT_FALSE(a->splitsPhysicalAxes) << c.jaxName;
    EXPECT_EQ(a->sizes, matrixFromAxes(c.physical, c.axes)) << c.jaxName;
  }
}

// test_create_device_mesh_for_nd_torus_split_axes_backward_compatible: the
// splitting search alone reproduces the whole-axis answers.
TEST(MeshUtilsTest, JaxSplitAxesBackwardCompatible) {
  for (const TorusCase &c : kTorusCases) {
    llvm::Expected<AxisAssignment> a =
        assignLogicalAxesSplitting(c.physical, c.mesh);
    ASSERT_TRUE(static_cast<bool>(a))
        << c.jaxName << ": " << errorText(a.takeError());
    EXPECT_EQ(a->sizes, matrixFromAxes(c.physical, c.axes)) << c.jaxName;
  }
}

// test_create_device_mesh_for_nd_torus_split_axes_can_handle_axes_split:
// _create_device_mesh_for_nd_torus with allow_split_physical_axes=True.
TEST(MeshUtilsTest, JaxSplitAxesCanHandleAxesSplit) {
  struct Case {
    const char *jaxName;
    SmallVector<int64_t, 4> physical;
    SmallVector<int64_t, 4> mesh;
    SmallVector<SmallVector<int64_t, 4>, 4> expected;
  };
  const Case cases[] = {
      {"4x4x4a",
       {4, 4, 4},
       {2, 1, 32},
       matrix({{1, 1, 4}, {1, 1, 4}, {2, 1, 2}})},
      {"4x4x4b",
       {4, 4, 4},
       {8, 8, 1},
       matrix({{1, 4, 1}, {2, 2, 1}, {4, 1, 1}})},
      {"4x4x8a",
       {4, 4, 8},
       {2, 2, 8, 4},
       matrix({{1, 1, 1, 4}, {2, 2, 1, 1}, {1, 1, 8, 1}})},
      {"4x4x8b",
       {4, 4, 8},
       {2, 4, 1, 16},
       matrix({{1, 1, 1, 4}, {1, 1, 1, 4}, {2, 4, 1, 1}})},
      {"4x8x8",
       {4, 8, 8},
       {1, 128, 2},
       matrix({{1, 2, 2}, {1, 8, 1}, {1, 8, 1}})},
      {"8x8",
       {8, 8, 1},
       {2, 1, 32, 1},
       matrix({{1, 1, 8, 1}, {2, 1, 4, 1}, {1, 1, 1, 1}})},
  };
  for (const Case &c : cases) {
    // Without splitting, each of these has an axis no product fits.
    llvm::Expected<AxisAssignment> strict =
        assignLogicalAxes(c.physical, c.mesh);
    EXPECT_FALSE(static_cast<bool>(strict)) << c.jaxName;
    llvm::consumeError(strict.takeError());

    llvm::Expected<AxisAssignment> a =
        assignLogicalAxes(c.physical, c.mesh, /*allowSplitPhysicalAxes=*/true);
    ASSERT_TRUE(static_cast<bool>(a))
        << c.jaxName << ": " << errorText(a.takeError());
    EXPECT_TRUE(a->splitsPhysicalAxes) << c.jaxName;
    EXPECT_EQ(a->sizes, c.expected) << c.jaxName;
  }
}

// The third preference key of _prefer_first_logical_axis_assignment, as the
// JAX code computes it (the larger share of already used physical axes
// wins; JAX's comment says the opposite). Derivation for mesh [4, 2, 8] on
// 4x4x4: no axis of 8 exists, so the splitting search runs. Axis 2 (8):
// candidates [4,2,1], [4,1,2], [2,4,1], [2,1,4], [1,4,2], [1,2,4] take one
// whole axis (whole product 4), [2,2,2] none; the tie goes to the
// lexicographically largest, [4,2,1]. Axis 1 (2) has x used up; candidates
// [1,2,1] and [1,1,2] tie on the first two keys; [1,2,1] puts 2 on the
// already used y, [1,1,2] puts 1 there, so the code picks [1,2,1]. Axis 0
// (4) takes what is left, [1,1,4].
TEST(MeshUtilsTest, SplitPrefersAlreadyUsedAxesLikeJaxCode) {
  llvm::Expected<AxisAssignment> a =
      assignLogicalAxes({4, 4, 4}, {4, 2, 8}, /*allowSplitPhysicalAxes=*/true);
  ASSERT_TRUE(static_cast<bool>(a)) << errorText(a.takeError());
  EXPECT_EQ(a->sizes, matrix({{1, 1, 4}, {1, 2, 2}, {4, 1, 1}}));
}

// test_generate_logical_mesh ('12x4x8'). That case's assignment rows
// multiply to 12, 8 and 4, not to the 12x4x8 it names; numpy's reshape only
// sees the flat order, so its read-out is the one of a 12x8x4 array, which
// is what this checks. The read-out is a bijection; entries by hand:
// logical (1, 0, 0) takes digit 1 of axis 0's radix-2 part of x, the most
// major of x's parts (2 x 2 x 3), so x = 1 * 6; (0, 0, 1) moves z, axis 2's
// fastest part; (0, 0, 2) carries into axis 2's radix-4 part of y, the
// minor part of y, so y = 1.
TEST(MeshUtilsTest, JaxGenerateLogicalMesh) {
  SmallVector<int64_t, 4> physical = {12, 8, 4};
  SmallVector<int64_t, 4> mesh = {2, 8, 24};
  AxisAssignment a;
  a.sizes = matrix({{2, 2, 3}, {1, 2, 4}, {1, 2, 2}});
  auto coords = physicalCoordsOfMesh(physical, mesh, a);
  ASSERT_EQ(coords.size(), 384u);
  std::set<SmallVector<int64_t, 4>> seen(coords.begin(), coords.end());
  EXPECT_EQ(seen.size(), 384u);
  for (const auto &c : coords)
    for (unsigned p = 0; p < 3; ++p) {
      EXPECT_GE(c[p], 0);
      EXPECT_LT(c[p], physical[p]);
    }
  EXPECT_EQ(coords[0], (SmallVector<int64_t, 4>{0, 0, 0}));
  // Row-major position of (1, 0, 0) is 8 * 24.
  EXPECT_EQ(coords[8 * 24], (SmallVector<int64_t, 4>{6, 0, 0}));
  EXPECT_EQ(coords[1], (SmallVector<int64_t, 4>{0, 0, 1}));
  EXPECT_EQ(coords[2], (SmallVector<int64_t, 4>{0, 1, 0}));
}

// test_v5e_create_device_mesh: '4x2_1d' (ring over a 4x2 tray) and
// '2x2x2_1d' (iota order).
TEST(MeshUtilsTest, JaxV5eCreateDeviceMesh) {
  Slice tray = makeSlice(TpuGeneration::V5e, {4, 2});
  llvm::Expected<std::vector<int64_t>> ring = createDeviceMesh(tray, {8});
  ASSERT_TRUE(static_cast<bool>(ring)) << errorText(ring.takeError());
  EXPECT_EQ(*ring, (std::vector<int64_t>{0, 1, 2, 3, 7, 6, 5, 4}));

  Slice cube = makeSlice(TpuGeneration::V5e, {2, 2, 2});
  llvm::Expected<std::vector<int64_t>> iotaOrder = createDeviceMesh(cube, {8});
  ASSERT_TRUE(static_cast<bool>(iotaOrder)) << errorText(iotaOrder.takeError());
  EXPECT_EQ(*iotaOrder, (std::vector<int64_t>{0, 4, 2, 6, 1, 5, 3, 7}));
}

// _TRAY_2x2_RING_ORDER and _TRAY_4x4_RING_ORDER of mesh_utils.py over the
// chips sorted x fastest; the 4x4 order only for a 16-device axis.
TEST(MeshUtilsTest, V5eAndV6eRingOrders) {
  for (const char *spec : {"v5e:2x2", "v6e:2x2"})
    for (SmallVector<int64_t, 4> shape :
         {SmallVector<int64_t, 4>{4}, SmallVector<int64_t, 4>{2, 2}}) {
      llvm::Expected<DeviceMesh> m = createDeviceMeshDetailed(
          parseSlice(spec), Placement::defaultFor(parseSlice(spec)), shape);
      ASSERT_TRUE(static_cast<bool>(m)) << errorText(m.takeError());
      EXPECT_EQ(m->deviceIds, (std::vector<int64_t>{0, 1, 3, 2})) << spec;
      EXPECT_EQ(m->source, DeviceMeshSource::DeviceKindOrder);
    }

  Slice v5e4x4 = parseSlice("v5e:4x4");
  const std::vector<int64_t> ring4x4 = {0,  1,  2,  3,  7,  6,  5, 9,
                                        10, 11, 15, 14, 13, 12, 8, 4};
  for (SmallVector<int64_t, 4> shape :
       {SmallVector<int64_t, 4>{16}, SmallVector<int64_t, 4>{1, 16}}) {
    llvm::Expected<std::vector<int64_t>> m = createDeviceMesh(v5e4x4, shape);
    ASSERT_TRUE(static_cast<bool>(m)) << errorText(m.takeError());
    EXPECT_EQ(*m, ring4x4);
  }
  // [4, 4] falls through to the torus: axis 1 takes (x, z), axis 0 takes y,
  // so mesh[i][j] is the chip at x = j, y = i: the iota.
  llvm::Expected<DeviceMesh> grid =
      createDeviceMeshDetailed(v5e4x4, Placement::defaultFor(v5e4x4), {4, 4});
  ASSERT_TRUE(static_cast<bool>(grid)) << errorText(grid.takeError());
  EXPECT_EQ(grid->source, DeviceMeshSource::Torus);
  EXPECT_EQ(grid->deviceIds, iota(16));

  // Any 8-chip v5e/v6e slice gets the tray ring order, whatever the mesh
  // shape; on a 2x4 box (x extent 2) it is not a ring, but it is JAX's.
  llvm::Expected<std::vector<int64_t>> v6e2x4 =
      createDeviceMesh(parseSlice("v6e:2x4"), {2, 4});
  ASSERT_TRUE(static_cast<bool>(v6e2x4)) << errorText(v6e2x4.takeError());
  EXPECT_EQ(*v6e2x4, (std::vector<int64_t>{0, 1, 2, 3, 7, 6, 5, 4}));
}

// The handlers' orders close rings of neighbouring chips on their boxes.
TEST(MeshUtilsTest, HandlerOrdersAreRingsOfNeighbours) {
  struct Case {
    Slice slice;
    SmallVector<int64_t, 4> shape;
  };
  Case cases[] = {
      {parseSlice("v5e:2x2"), {4}},
      {parseSlice("v5e:4x4"), {16}},
      {makeSlice(TpuGeneration::V5e, {4, 2}), {8}},
      {parseSlice("v5p:2x2x2"), {8}},
  };
  for (const Case &c : cases) {
    llvm::Expected<Placement> p = createDeviceMeshPlacement(c.slice, c.shape);
    ASSERT_TRUE(static_cast<bool>(p)) << errorText(p.takeError());
    unsigned n = p->numDevices();
    for (unsigned i = 0; i < n; ++i)
      EXPECT_EQ(c.slice.hops(p->chipOf(i), p->chipOf((i + 1) % n)), 1u)
          << c.slice.str() << " logical " << i;
  }
}

// _V5P_2x2x2_ORDER for v5p 2x2x2; v4 has no handler and uses the torus.
TEST(MeshUtilsTest, V5pOrderAndV4Torus) {
  llvm::Expected<std::vector<int64_t>> v5p =
      createDeviceMesh(parseSlice("v5p:2x2x2"), {2, 4});
  ASSERT_TRUE(static_cast<bool>(v5p)) << errorText(v5p.takeError());
  EXPECT_EQ(*v5p, (std::vector<int64_t>{0, 1, 3, 2, 6, 7, 5, 4}));

  // v4 2x2x2, mesh [8]: one logical axis takes (x, y, z), x major, so the
  // position j is the chip with x = j / 4, y = j / 2 % 2, z = j % 2.
  llvm::Expected<DeviceMesh> v4 = createDeviceMeshDetailed(
      parseSlice("v4:2x2x2"), Placement::defaultFor(parseSlice("v4:2x2x2")),
      {8});
  ASSERT_TRUE(static_cast<bool>(v4)) << errorText(v4.takeError());
  EXPECT_EQ(v4->source, DeviceMeshSource::Torus);
  EXPECT_EQ(v4->deviceIds, (std::vector<int64_t>{0, 4, 2, 6, 1, 5, 3, 7}));
}

// Device ids through the torus path ('2x2x4' of
// test_create_device_mesh_for_nd_torus): mesh [1, 4, 4] gives axis 1 <- z
// and axis 2 <- (x, y), x major, so mesh[0][j][k] is the chip at
// x = k / 2, y = k % 2, z = j, device x + 2y + 4z.
TEST(MeshUtilsTest, TorusDeviceIds) {
  Slice slice = parseSlice("v4:2x2x4");
  llvm::Expected<std::vector<int64_t>> ids = createDeviceMesh(slice, {1, 4, 4});
  ASSERT_TRUE(static_cast<bool>(ids)) << errorText(ids.takeError());
  EXPECT_EQ(*ids, (std::vector<int64_t>{0, 2, 1, 3, 4, 6, 5, 7, 8, 10, 9, 11,
                                        12, 14, 13, 15}));

  // '8x8': mesh [8, 8] gives axis 0 <- y, axis 1 <- x: the iota.
  llvm::Expected<std::vector<int64_t>> grid =
      createDeviceMesh(parseSlice("v5e:8x8"), {8, 8});
  ASSERT_TRUE(static_cast<bool>(grid)) << errorText(grid.takeError());
  EXPECT_EQ(*grid, iota(64));
}

// The ids follow the device assignment (a topology file): with device d on
// chip 15 - d, every id above becomes 15 - id.
TEST(MeshUtilsTest, FollowsTheDeviceAssignment) {
  Slice slice = parseSlice("v4:2x2x4");
  SmallVector<unsigned, 16> chipOf;
  for (unsigned d = 0; d < 16; ++d)
    chipOf.push_back(15 - d);
  llvm::Expected<Placement> reversed = Placement::fromChips(slice, chipOf);
  ASSERT_TRUE(static_cast<bool>(reversed)) << errorText(reversed.takeError());
  llvm::Expected<std::vector<int64_t>> ids =
      createDeviceMesh(slice, *reversed, {1, 4, 4});
  ASSERT_TRUE(static_cast<bool>(ids)) << errorText(ids.takeError());
  EXPECT_EQ(*ids, (std::vector<int64_t>{15, 13, 14, 12, 11, 9, 10, 8, 7, 5, 6,
                                        4, 3, 1, 2, 0}));

  // The v5e handler sorts devices by chip first: [3, 2, 1, 0] by chip, then
  // the ring (0, 1, 3, 2) of that list.
  Slice v5e = parseSlice("v5e:2x2");
  llvm::Expected<Placement> rev4 = Placement::fromChips(v5e, {3, 2, 1, 0});
  ASSERT_TRUE(static_cast<bool>(rev4)) << errorText(rev4.takeError());
  llvm::Expected<std::vector<int64_t>> ring = createDeviceMesh(v5e, *rev4, {4});
  ASSERT_TRUE(static_cast<bool>(ring)) << errorText(ring.takeError());
  EXPECT_EQ(*ring, (std::vector<int64_t>{3, 2, 0, 1}));

  // The placement built from the mesh puts logical i where device ids[i] is.
  llvm::Expected<Placement> placed =
      createDeviceMeshPlacement(slice, {1, 4, 4}, false, &*reversed);
  ASSERT_TRUE(static_cast<bool>(placed)) << errorText(placed.takeError());
  for (unsigned i = 0; i < 16; ++i)
    EXPECT_EQ(placed->chipOf(i), reversed->chipOf(unsigned((*ids)[i])));
}

// allow_split on v5e 4x4, mesh [2, 8]: axis 1 (8) has candidates [4,2,1] and
// [2,4,1] (one whole axis each); the larger vector wins, so it takes all of
// x and half of y; axis 0 takes the other half of y, as the major digit.
// mesh[i][j] is the chip at x = j / 2, y = 2i + j % 2.
TEST(MeshUtilsTest, SplitDeviceIds) {
  Slice slice = parseSlice("v5e:4x4");
  llvm::Expected<std::vector<int64_t>> strict = createDeviceMesh(slice, {2, 8});
  ASSERT_FALSE(static_cast<bool>(strict));
  llvm::consumeError(strict.takeError());

  llvm::Expected<DeviceMesh> m = createDeviceMeshDetailed(
      slice, Placement::defaultFor(slice), {2, 8}, true);
  ASSERT_TRUE(static_cast<bool>(m)) << errorText(m.takeError());
  EXPECT_EQ(m->source, DeviceMeshSource::TorusSplitAxes);
  EXPECT_EQ(m->assignment->sizes, matrix({{1, 4}, {2, 2}, {1, 1}}));
  EXPECT_EQ(m->deviceIds, (std::vector<int64_t>{0, 4, 1, 5, 2, 6, 3, 7, 8, 12,
                                                9, 13, 10, 14, 11, 15}));
}

// v7x: two devices per chip give a fourth (core) physical axis. The current
// _7x_create_device_mesh takes any multiple of 8 devices up to 32 on at most
// 2x2 chips in x and y, and lays _7X_TRAY_2x2x2_RING_ORDER (0, 1, 2, 3, 6, 7,
// 4, 5) over each run of 8 devices of the list (jax.devices() order).
// JAX's stored tests/mesh_utils_test.py has no v7x case; these literals are
// derived from the handler: positions 0-7 of a run are (chip (0,0) core 0,
// core 1, chip (1,0) core 0, core 1, chip (0,1) ..., chip (1,1) ...).
TEST(MeshUtilsTest, V7xHandlerRepeatsTheTrayRingPerEightDevices) {
  Slice small = makeSlice(TpuGeneration::V7x, {2, 2, 1});
  llvm::Expected<std::vector<int64_t>> ring = createDeviceMesh(small, {8});
  ASSERT_TRUE(static_cast<bool>(ring)) << errorText(ring.takeError());
  EXPECT_EQ(*ring, (std::vector<int64_t>{0, 1, 2, 3, 6, 7, 4, 5}));

  // 2x2x2 chips, 16 devices (two hosts, one z plane each): the ring per z
  // plane, whatever the mesh shape.
  Slice cube = makeSlice(TpuGeneration::V7x, {2, 2, 2});
  EXPECT_EQ(jaxPhysicalMeshShape(cube), (SmallVector<int64_t, 4>{2, 2, 2, 2}));
  llvm::Expected<DeviceMesh> ids = createDeviceMeshDetailed(
      cube, Placement::defaultFor(cube), {2, 8}, false);
  ASSERT_TRUE(static_cast<bool>(ids)) << errorText(ids.takeError());
  EXPECT_EQ(ids->source, DeviceMeshSource::DeviceKindOrder);
  EXPECT_EQ(ids->deviceIds,
            (std::vector<int64_t>{0, 1, 2, 3, 6, 7, 4, 5, 8, 9, 10, 11, 14, 15,
                                  12, 13}));

  // 2x2x4 (32 devices) still; 2x2x8 (64) and 2x4x4 (x or y above 2) fall
  // back to the torus logic.
  Slice tall = makeSlice(TpuGeneration::V7x, {2, 2, 4});
  llvm::Expected<DeviceMesh> t = createDeviceMeshDetailed(
      tall, Placement::defaultFor(tall), {32}, false);
  ASSERT_TRUE(static_cast<bool>(t)) << errorText(t.takeError());
  EXPECT_EQ(t->source, DeviceMeshSource::DeviceKindOrder);
  EXPECT_EQ(t->deviceIds[8], 8);
  EXPECT_EQ(t->deviceIds[12], 14);
  Slice wide = makeSlice(TpuGeneration::V7x, {2, 4, 4});
  llvm::Expected<DeviceMesh> w = createDeviceMeshDetailed(
      wide, Placement::defaultFor(wide), {8, 8}, false);
  ASSERT_TRUE(static_cast<bool>(w)) << errorText(w.takeError());
  EXPECT_NE(w->source, DeviceMeshSource::DeviceKindOrder);
}

// The handler indexes the device list as given: a topology file listing the
// devices in another order changes the mesh (the v5e handler, which sorts
// by coordinates, would not).
TEST(MeshUtilsTest, V7xHandlerFollowsTheListOrder) {
  Slice small = makeSlice(TpuGeneration::V7x, {2, 2, 1});
  std::string text = "[";
  for (int id = 7; id >= 0; --id) {
    ChipCoords c = small.coordsOf(id / 2);
    text += std::string(id == 7 ? "" : ",") + "{\"id\": " +
            std::to_string(id) + ", \"coords\": [" + std::to_string(c[0]) +
            "," + std::to_string(c[1]) + ",0], \"core_on_chip\": " +
            std::to_string(id % 2) + "}";
  }
  text += "]";
  Placement reversed = cantFail(Placement::fromJSONText(small, text));
  llvm::Expected<std::vector<int64_t>> ids =
      createDeviceMesh(small, reversed, {8});
  ASSERT_TRUE(static_cast<bool>(ids)) << errorText(ids.takeError());
  EXPECT_EQ(*ids, (std::vector<int64_t>{7, 6, 5, 4, 1, 0, 3, 2}));
}

// When the handler declines, current JAX ranks v7x's core axis before x, y
// and z among equally many physical axes. On 2x4x4 (physical [2, 4, 4, 2])
// the size-8 axis then takes (y, core), not (x, y).
TEST(MeshUtilsTest, V7xTorusPrefersTheCoreAxis) {
  Expected<AxisAssignment> plain = assignLogicalAxes({2, 4, 4, 2}, {8, 8});
  ASSERT_TRUE(static_cast<bool>(plain)) << errorText(plain.takeError());
  EXPECT_EQ(plain->sizes, matrix({{1, 2}, {1, 4}, {4, 1}, {2, 1}}));
  Expected<AxisAssignment> core =
      assignLogicalAxes({2, 4, 4, 2}, {8, 8}, false, {1, 2, 3, 0});
  ASSERT_TRUE(static_cast<bool>(core)) << errorText(core.takeError());
  EXPECT_EQ(core->sizes, matrix({{2, 1}, {1, 4}, {4, 1}, {1, 2}}));
  Slice wide = makeSlice(TpuGeneration::V7x, {2, 4, 4});
  llvm::Expected<DeviceMesh> w = createDeviceMeshDetailed(
      wide, Placement::defaultFor(wide), {8, 8}, false);
  ASSERT_TRUE(static_cast<bool>(w)) << errorText(w.takeError());
  EXPECT_EQ(w->assignment->sizes, core->sizes);
}

// "TPU v5" is registered for the v5p handler; "TPU v5 lite" for the v5e one.
TEST(MeshUtilsTest, DeviceKindPicksTheHandler) {
  Slice cube = parseSlice("v5p:2x2x2");
  auto withKind = [&](const char *kind) {
    std::string text = "[";
    for (unsigned id = 0; id < 8; ++id) {
      ChipCoords c = cube.coordsOf(id);
      text += std::string(id ? "," : "") + "{\"id\": " + std::to_string(id) +
              ", \"coords\": [" + std::to_string(c[0]) + "," +
              std::to_string(c[1]) + "," + std::to_string(c[2]) +
              "], \"device_kind\": \"" + kind + "\"}";
    }
    return cantFail(Placement::fromJSONText(cube, text + "]"));
  };
  for (const char *kind : {"TPU v5p", "TPU v5"}) {
    llvm::Expected<DeviceMesh> m =
        createDeviceMeshDetailed(cube, withKind(kind), {8}, false);
    ASSERT_TRUE(static_cast<bool>(m)) << errorText(m.takeError());
    EXPECT_EQ(m->source, DeviceMeshSource::DeviceKindOrder) << kind;
    EXPECT_EQ(m->deviceIds, (std::vector<int64_t>{0, 1, 3, 2, 6, 7, 5, 4}));
  }
  llvm::Expected<DeviceMesh> v4 =
      createDeviceMeshDetailed(cube, withKind("TPU v4"), {8}, false);
  ASSERT_TRUE(static_cast<bool>(v4)) << errorText(v4.takeError());
  EXPECT_EQ(v4->source, DeviceMeshSource::Torus);
}

// Current JAX builds a v5p with two devices per chip (no megacore) with a
// core axis, as on v7x; other kinds with two devices per chip are refused.
TEST(MeshUtilsTest, V5pTwoDevicesPerChipGetACoreAxis) {
  Slice cube = parseSlice("v5p:2x2x2:devices-per-chip=2");
  EXPECT_EQ(cube.numDevices(), 16u);
  EXPECT_EQ(jaxPhysicalMeshShape(cube), (SmallVector<int64_t, 4>{2, 2, 2, 2}));
  llvm::Expected<DeviceMesh> m = createDeviceMeshDetailed(
      cube, Placement::defaultFor(cube), {2, 8}, false);
  ASSERT_TRUE(static_cast<bool>(m)) << errorText(m.takeError());
  // Axis 1 (8) takes x, y, z (three axes before two); axis 0 the core.
  EXPECT_EQ(m->assignment->sizes, matrix({{1, 2}, {1, 2}, {1, 2}, {2, 1}}));
  EXPECT_EQ(m->deviceIds[1], 8);
  EXPECT_EQ(m->deviceIds[8], 1);
  Slice v4 = parseSlice("v4:2x2x2:devices-per-chip=2");
  llvm::Expected<DeviceMesh> refused =
      createDeviceMeshDetailed(v4, Placement::defaultFor(v4), {16}, false);
  ASSERT_FALSE(static_cast<bool>(refused));
  EXPECT_NE(errorText(refused.takeError()).find("one device per chip"),
            std::string::npos);
}

// contiguous_submeshes=True: the transpose trick of _TRANSPOSE_TRICKS, and
// JAX's two errors (tests/mesh_utils_test.py,
// test_create_contiguous_submeshes_errors). Each process (a 2x2x1 tile) must
// then hold a contiguous block of the mesh (test_create_contiguous_submeshes
// _for_tpu_v4 asserts that per process).
TEST(MeshUtilsTest, ContiguousSubmeshes) {
  MeshUtilsOptions contiguous;
  contiguous.contiguousSubmeshes = true;
  Slice v4 = parseSlice("v4:4x4x8");
  llvm::Expected<DeviceMesh> bad = createDeviceMeshDetailed(
      v4, Placement::defaultFor(v4), {1, 16, 8}, contiguous);
  ASSERT_FALSE(static_cast<bool>(bad));
  EXPECT_NE(errorText(bad.takeError())
                .find("cannot create contiguous submeshes for physical mesh "
                      "topology [4, 4, 8]"),
            std::string::npos);
  Slice v4b = parseSlice("v4:4x8x8");
  llvm::Expected<DeviceMesh> shape = createDeviceMeshDetailed(
      v4b, Placement::defaultFor(v4b), {1, 128, 2}, contiguous);
  ASSERT_FALSE(static_cast<bool>(shape));
  std::string msg = errorText(shape.takeError());
  EXPECT_NE(msg.find("mesh_shape [1, 128, 2] and physical mesh topology [4, "
                     "8, 8]"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("[64, 4], [4, 64]"), std::string::npos) << msg;

  for (auto [spec, mesh] :
       {std::pair<const char *, std::vector<int64_t>>{"v4:4x4x4", {16, 4}},
        {"v4:4x8x8", {64, 4}},
        {"v4:4x8x8", {4, 64}},
        {"v4:8x8x8", {64, 8}},
        {"v4:4x4x4", {1, 1, 16, 4, 1, 1}}}) {
    Slice s = parseSlice(spec);
    Placement devices = Placement::defaultFor(s);
    llvm::Expected<DeviceMesh> m =
        createDeviceMeshDetailed(s, devices, mesh, contiguous);
    ASSERT_TRUE(static_cast<bool>(m)) << spec << errorText(m.takeError());
    // Every process's devices form a box of mesh positions: their count
    // equals the product of the distinct coordinates they take per axis.
    std::map<unsigned, std::vector<std::set<int64_t>>> seen;
    std::map<unsigned, unsigned> count;
    for (unsigned flat = 0; flat < m->deviceIds.size(); ++flat) {
      unsigned process = devices.processOf(m->deviceIds[flat]);
      auto &axes = seen[process];
      axes.resize(mesh.size());
      int64_t rest = flat;
      for (int a = int(mesh.size()) - 1; a >= 0; --a) {
        axes[a].insert(rest % mesh[a]);
        rest /= mesh[a];
      }
      ++count[process];
    }
    for (auto &[process, axes] : seen) {
      size_t box = 1;
      for (const auto &values : axes)
        box *= values.size();
      EXPECT_EQ(box, count[process]) << spec << " process " << process;
    }
  }
}

// jax.make_mesh: create_device_mesh over jax.devices(), splitting physical
// axes only on v5e (so v5e takes (2, 8) on 4x4, v6e refuses it as JAX does).
TEST(MeshUtilsTest, MakeMesh) {
  Slice v5e = parseSlice("v5e:4x4");
  llvm::Expected<DeviceMesh> split =
      makeMesh(v5e, Placement::defaultFor(v5e), {2, 8});
  ASSERT_TRUE(static_cast<bool>(split)) << errorText(split.takeError());
  EXPECT_EQ(split->source, DeviceMeshSource::TorusSplitAxes);
  Slice v6e = parseSlice("v6e:4x4");
  llvm::Expected<DeviceMesh> refused =
      makeMesh(v6e, Placement::defaultFor(v6e), {2, 8});
  EXPECT_FALSE(static_cast<bool>(refused));
  llvm::consumeError(refused.takeError());
}

TEST(MeshUtilsTest, Errors) {
  Slice slice = parseSlice("v4:4x4x4");
  // No product of distinct extents is 8 (the NotImplementedError of
  // _create_device_mesh_for_nd_torus).
  llvm::Expected<std::vector<int64_t>> noFit = createDeviceMesh(slice, {8, 8});
  ASSERT_FALSE(static_cast<bool>(noFit));
  std::string msg = errorText(noFit.takeError());
  EXPECT_NE(msg.find("cannot map mesh shape [8, 8] onto physical mesh [4, 4, "
                     "4] without splitting physical axes"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("logical axis 1 of size 8"), std::string::npos) << msg;

  // The message lists the physical axes still free, 0 for taken ones, as
  // JAX's does.
  llvm::Expected<std::vector<int64_t>> late =
      createDeviceMesh(slice, {2, 2, 16});
  ASSERT_FALSE(static_cast<bool>(late));
  msg = errorText(late.takeError());
  // Axis 2 (16) takes (x, y); axis 1 (2) finds only z = 4 left.
  EXPECT_NE(msg.find("logical axis 1 of size 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("still free [0, 0, 4]"), std::string::npos) << msg;

  // The example of JAX's message: (4, 16) fits 4x4x4.
  llvm::Expected<std::vector<int64_t>> fits = createDeviceMesh(slice, {4, 16});
  EXPECT_TRUE(static_cast<bool>(fits)) << errorText(fits.takeError());

  // Device count (create_device_mesh's ValueError).
  llvm::Expected<std::vector<int64_t>> count = createDeviceMesh(slice, {8, 4});
  ASSERT_FALSE(static_cast<bool>(count));
  msg = errorText(count.takeError());
  EXPECT_NE(msg.find("holds 32 devices"), std::string::npos) << msg;

  llvm::Expected<std::vector<int64_t>> zero = createDeviceMesh(slice, {0, 64});
  ASSERT_FALSE(static_cast<bool>(zero));
  llvm::consumeError(zero.takeError());

  llvm::Expected<AxisAssignment> mismatch =
      assignLogicalAxesSplitting({4, 4}, {4, 8});
  ASSERT_FALSE(static_cast<bool>(mismatch));
  llvm::consumeError(mismatch.takeError());

  llvm::Expected<Placement> notPermutation =
      placementOfDeviceMesh(Placement::defaultFor(slice), iota(63));
  ASSERT_FALSE(static_cast<bool>(notPermutation));
  llvm::consumeError(notPermutation.takeError());
}

/// Checks what a torus assignment promises: the result is a permutation,
/// and walking along logical axis l (other indices fixed) moves only along
/// the physical axes l spans, visiting each combination of their
/// coordinates once.
void expectAxesFollowPhysicalLines(const Slice &slice,
                                   ArrayRef<int64_t> meshShape,
                                   const DeviceMesh &mesh) {
  SCOPED_TRACE(slice.str() + " " + mesh.describe());
  Placement defaults = Placement::defaultFor(slice);
  std::set<int64_t> distinct(mesh.deviceIds.begin(), mesh.deviceIds.end());
  ASSERT_EQ(distinct.size(), size_t(slice.numDevices()));
  ASSERT_TRUE(mesh.assignment.has_value());
  const AxisAssignment &a = *mesh.assignment;
  SmallVector<int64_t, 4> physical = jaxPhysicalMeshShape(slice);
  for (unsigned p = 0; p < physical.size(); ++p) {
    int64_t rowProduct = 1;
    for (int64_t s : a.sizes[p])
      rowProduct *= s;
    EXPECT_EQ(rowProduct, physical[p]);
  }
  for (unsigned l = 0; l < meshShape.size(); ++l) {
    int64_t colProduct = 1;
    for (unsigned p = 0; p < physical.size(); ++p)
      colProduct *= a.sizes[p][l];
    EXPECT_EQ(colProduct, meshShape[l]);
  }

  auto coordsOf = [&](int64_t device) {
    const ChipCoords &c = slice.coordsOf(defaults.chipOf(unsigned(device)));
    SmallVector<int64_t, 4> v = {c[0], c[1], c[2]};
    if (physical.size() > 3)
      v.push_back(defaults.slotOf(unsigned(device)));
    return v;
  };
  int64_t total = int64_t(mesh.deviceIds.size());
  for (unsigned l = 0; l < meshShape.size(); ++l) {
    int64_t stride = 1;
    for (unsigned k = l + 1; k < meshShape.size(); ++k)
      stride *= meshShape[k];
    SmallVector<unsigned, 4> spanned = a.physicalAxesOf(l);
    for (int64_t start = 0; start < total; ++start) {
      if ((start / stride) % meshShape[l] != 0)
        continue;
      SmallVector<int64_t, 4> first = coordsOf(mesh.deviceIds[start]);
      std::set<SmallVector<int64_t, 4>> onSpanned;
      for (int64_t k = 0; k < meshShape[l]; ++k) {
        SmallVector<int64_t, 4> c =
            coordsOf(mesh.deviceIds[start + k * stride]);
        SmallVector<int64_t, 4> key;
        for (unsigned p = 0; p < physical.size(); ++p) {
          if (llvm::is_contained(spanned, p))
            key.push_back(c[p]);
          else
            EXPECT_EQ(c[p], first[p]) << "axis " << l << " leaves its line";
        }
        onSpanned.insert(key);
      }
      EXPECT_EQ(int64_t(onSpanned.size()), meshShape[l]);
    }
  }
}

TEST(MeshUtilsTest, LogicalAxesFollowPhysicalLines) {
  struct Case {
    const char *slice;
    SmallVector<int64_t, 4> mesh;
    bool split;
  };
  const Case cases[] = {
      {"v4:4x4x4", {4, 16}, false},      {"v4:4x4x4", {4, 4, 4}, false},
      {"v5p:4x4x8", {8, 16}, false},     {"v5p:4x8x8", {1, 32, 8}, false},
      {"v5e:8x16", {8, 16}, false},      {"v6e:16x16", {16, 16}, false},
      {"v6e:8x8", {2, 32}, true},        {"v5p:4x4x4", {4, 2, 8}, true},
      {"v5p:4x4x8", {2, 2, 8, 4}, true}, {"v5e:16x16", {4, 4, 16}, true},
  };
  for (const Case &c : cases) {
    Slice slice = parseSlice(c.slice);
    llvm::Expected<DeviceMesh> m = createDeviceMeshDetailed(
        slice, Placement::defaultFor(slice), c.mesh, c.split);
    ASSERT_TRUE(static_cast<bool>(m))
        << c.slice << ": " << errorText(m.takeError());
    EXPECT_EQ(m->source, c.split ? DeviceMeshSource::TorusSplitAxes
                                 : DeviceMeshSource::Torus)
        << c.slice;
    expectAxesFollowPhysicalLines(slice, c.mesh, *m);
  }
}

// test_create_device_mesh_has_computable_global_shape: every split of the
// device count into three factors works with allow_split_physical_axes
// (v4 shapes of that test, and v5e 8x8 for its '8x8').
TEST(MeshUtilsTest, EveryThreeFactorMeshWorksWithSplitting) {
  for (const char *spec : {"v4:2x2x1", "v4:2x2x4", "v4:4x4x4", "v4:4x4x8",
                           "v4:4x8x8", "v5e:8x8"}) {
    Slice slice = parseSlice(spec);
    int64_t n = slice.numDevices();
    for (int64_t a = 1; a <= n; ++a) {
      if (n % a)
        continue;
      for (int64_t b = 1; b <= n / a; ++b) {
        if ((n / a) % b)
          continue;
        SmallVector<int64_t, 4> shape = {a, b, n / a / b};
        llvm::Expected<std::vector<int64_t>> ids =
            createDeviceMesh(slice, shape, /*allowSplitPhysicalAxes=*/true);
        ASSERT_TRUE(static_cast<bool>(ids))
            << spec << " " << a << "x" << b << ": "
            << errorText(ids.takeError());
        std::set<int64_t> distinct(ids->begin(), ids->end());
        EXPECT_EQ(int64_t(distinct.size()), n);
        EXPECT_EQ(*distinct.begin(), 0);
        EXPECT_EQ(*distinct.rbegin(), n - 1);
      }
    }
  }
}

TEST(MeshUtilsTest, Describe) {
  Slice slice = parseSlice("v4:4x4x4");
  llvm::Expected<DeviceMesh> m =
      createDeviceMeshDetailed(slice, Placement::defaultFor(slice), {4, 16});
  ASSERT_TRUE(static_cast<bool>(m)) << errorText(m.takeError());
  // Axis 1 (16) takes the first pair in index order, (x, y).
  EXPECT_EQ(m->describe(), "mesh_utils [4, 16] (torus: 0<-z, 1<-x*y)");

  Slice v5e = parseSlice("v5e:4x4");
  llvm::Expected<DeviceMesh> split =
      createDeviceMeshDetailed(v5e, Placement::defaultFor(v5e), {2, 8}, true);
  ASSERT_TRUE(static_cast<bool>(split)) << errorText(split.takeError());
  EXPECT_EQ(split->describe(),
            "mesh_utils [2, 8] (torus, split axes: 0<-y(2), 1<-x*y(2))");
}

} // namespace
