//===- SliceTest.cpp - Tests of chips, slices, links and routes -----------===//
//
// Shapes, wraparound rules, accelerator names, link numbering and routing.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Topology/Slice.h"

#include "gtest/gtest.h"

using namespace aoizora;
using namespace llvm;

namespace {

Slice parseOrDie(StringRef spec) {
  Expected<Slice> s = Slice::parse(spec);
  if (!s) {
    ADD_FAILURE() << spec.str() << ": " << toString(s.takeError());
    return cantFail(Slice::parse("generic:1"));
  }
  return *s;
}

std::string parseError(StringRef spec) {
  Expected<Slice> s = Slice::parse(spec);
  if (s)
    return "";
  return toString(s.takeError());
}

TEST(ChipTest, PublishedFigures) {
  const ChipSpec &v5e = getChipSpec(TpuGeneration::V5e);
  EXPECT_EQ(v5e.name, "v5e");
  EXPECT_DOUBLE_EQ(v5e.peakBf16Flops, 197e12);
  EXPECT_DOUBLE_EQ(v5e.hbmBandwidth, 819e9);
  EXPECT_EQ(v5e.iciPorts, 4u);
  EXPECT_DOUBLE_EQ(v5e.iciLinkBandwidth, 4.5e10);
  const ChipSpec &v5p = getChipSpec(TpuGeneration::V5p);
  EXPECT_EQ(v5p.iciPorts, 6u);
  EXPECT_EQ(v5p.tensorCores, 2u);
  EXPECT_EQ(v5p.devicesPerChip, 1u);          // megacore
  EXPECT_DOUBLE_EQ(v5p.dcnBandwidth, 6.25e9); // 50 Gbps
  EXPECT_EQ(getChipSpec(TpuGeneration::V7x).devicesPerChip, 2u);
  // Nominal cross-check: per-chip figures / ports / 2 directions are within
  // 12% of the per-link figures used.
  EXPECT_NEAR(1200e9 / 6 / 2, v5p.iciLinkBandwidth, 0.12 * 1e11);
  EXPECT_NEAR(1600e9 / 8 / 4, v5e.iciLinkBandwidth, 0.12 * 5e10);
  for (const ChipSpec &c : getAllChipSpecs())
    EXPECT_EQ(&getChipSpec(c.generation), &c);
}

TEST(ChipTest, Lookup) {
  EXPECT_EQ(cantFail(lookupChipSpec("v5litepod"))->generation,
            TpuGeneration::V5e);
  EXPECT_EQ(cantFail(lookupChipSpec("TPU7x"))->generation, TpuGeneration::V7x);
  Expected<const ChipSpec *> v3 = lookupChipSpec("v3");
  ASSERT_FALSE(v3);
  EXPECT_NE(toString(v3.takeError()).find("'v3'"), std::string::npos);
}

TEST(SliceTest, ShapesAndDefaultWrap) {
  Slice a = parseOrDie("v5e:4x4");
  EXPECT_EQ(a.numDims(), 2u);
  EXPECT_EQ(a.numChips(), 16u);
  EXPECT_FALSE(a.wraps(0));
  EXPECT_FALSE(a.wraps(1));
  Slice pod = parseOrDie("v5e:16x16");
  EXPECT_TRUE(pod.wraps(0));
  EXPECT_TRUE(pod.wraps(1));
  // 8x16 wraps only its 16-long axis.
  Slice half = parseOrDie("v6e:8x16");
  EXPECT_FALSE(half.wraps(0));
  EXPECT_TRUE(half.wraps(1));
  // Whole cubes wrap on every axis; 2x2x4 does not.
  Slice twoCubes = parseOrDie("v5p:4x4x8");
  for (unsigned d = 0; d < 3; ++d)
    EXPECT_TRUE(twoCubes.wraps(d));
  Slice small = parseOrDie("v5p:2x2x4");
  for (unsigned d = 0; d < 3; ++d)
    EXPECT_FALSE(small.wraps(d));
  // Not in the table but a multiple of the cube: accepted.
  EXPECT_TRUE(parseOrDie("v5p:4x8x12").wraps(2));
  EXPECT_EQ(parseOrDie("generic:4x4").str(), "generic:4x4:wrap=0,0");
  EXPECT_EQ(Slice::listedShapes(getChipSpec(TpuGeneration::V5e)).size(), 8u);
}

TEST(SliceTest, WrapOverride) {
  Slice s = parseOrDie("v5e:4x4:wrap=1,0");
  EXPECT_TRUE(s.wraps(0));
  EXPECT_FALSE(s.wraps(1));
  EXPECT_EQ(s.str(), "v5e:4x4:wrap=1,0");
  EXPECT_FALSE(parseOrDie("v5e:16x16:wrap=0,0").wraps(0));
  // A 2-long dimension never counts as a ring.
  EXPECT_FALSE(parseOrDie("generic:2x4:wrap=1,1").wraps(0));
  EXPECT_NE(parseError("v5e:4x4:wrap=1").find("1 entries"), std::string::npos);
  EXPECT_NE(parseError("v5e:4x4:twist=1").find("unknown slice option"),
            std::string::npos);
  EXPECT_NE(parseError("v5e:4x4:wrap=2,0").find("0 or 1"), std::string::npos);
}

TEST(SliceTest, AcceleratorNames) {
  // v5e/v6e names count chips.
  EXPECT_EQ(parseOrDie("v5litepod-16").str(), "v5e:4x4:wrap=0,0");
  EXPECT_EQ(parseOrDie("v6e-8").str(), "v6e:2x4:wrap=0,0");
  EXPECT_EQ(parseOrDie("v5litepod-256").str(), "v5e:16x16:wrap=1,1");
  // v4/v5p names count TensorCores, two per chip.
  EXPECT_EQ(parseOrDie("v5p-32").str(), "v5p:2x2x4:wrap=0,0,0");
  EXPECT_EQ(parseOrDie("v5p-8").numChips(), 4u);
  EXPECT_EQ(parseOrDie("v5p-128").str(), "v5p:4x4x4:wrap=1,1,1");
  EXPECT_EQ(parseOrDie("v4-16").str(), "v4:2x2x2:wrap=0,0,0");
  Slice v7 = parseOrDie("v7x-8");
  EXPECT_EQ(v7.numChips(), 4u);
  EXPECT_EQ(v7.numDevices(), 8u);
  EXPECT_NE(parseError("v5p-31").find("multiple of 2"), std::string::npos);
  EXPECT_NE(parseError("v5litepod-12").find("no known slice shape"),
            std::string::npos);
}

TEST(SliceTest, BadShapes) {
  EXPECT_NE(parseError("v5e:3x3").find("not a supported v5e slice shape"),
            std::string::npos);
  EXPECT_NE(parseError("v5e:4x4x4").find("not a supported"), std::string::npos);
  EXPECT_NE(parseError("v5p:3x4x4").find("not a supported"), std::string::npos);
  EXPECT_NE(parseError("v9:2x2").find("unknown TPU generation"),
            std::string::npos);
  EXPECT_NE(parseError("v5e:4xq").find("bad extent"), std::string::npos);
  EXPECT_NE(parseError("nonsense").find("cannot parse"), std::string::npos);
}

TEST(SliceTest, CoordinatesRowMajorXFastest) {
  Slice s = parseOrDie("v5p:2x4x4");
  for (unsigned c = 0; c < s.numChips(); ++c)
    EXPECT_EQ(s.chipAt(s.coordsOf(c)), c);
  ChipCoords c5 = s.coordsOf(5); // 5 = 1 + 2 * 2
  EXPECT_EQ(c5, (ChipCoords{1, 2, 0}));
  EXPECT_EQ(s.chipAt({1, 3, 2}), 1u + 2 * (3 + 4 * 2));
}

TEST(SliceTest, LinkCounts) {
  // 2x4 open mesh: x (extent 2) has one link per row each way: 4 * 2 = 8;
  // y (extent 4) has 3 per column each way: 2 * 3 * 2 = 12.
  Slice mesh = parseOrDie("v5e:2x4");
  EXPECT_EQ(mesh.links().size(), 20u);
  // A 16x16 torus has 4 outgoing links per chip.
  Slice pod = parseOrDie("v5e:16x16");
  EXPECT_EQ(pod.links().size(), 256u * 4);
  EXPECT_EQ(pod.linksPerChip(), 4u);
  EXPECT_EQ(mesh.linksPerChip(), 3u);
  // Every real link leads to the neighbour it names.
  for (LinkId l : pod.links()) {
    LinkInfo info = pod.linkInfo(l);
    EXPECT_EQ(pod.hops(info.fromChip, info.toChip), 1u);
    EXPECT_EQ(pod.linkId(info.fromChip, info.dim, info.direction), l);
  }
  EXPECT_EQ(mesh.linkId(mesh.chipAt({1, 0, 0}), 0, +1), kNoLink);
  EXPECT_EQ(mesh.linkId(mesh.chipAt({0, 0, 0}), 1, -1), kNoLink);
  EXPECT_EQ(mesh.linkId(0, 2, +1), kNoLink);
}

TEST(SliceTest, DimensionOrderedRoute) {
  Slice s = parseOrDie("v5e:4x4");
  unsigned src = s.chipAt({0, 0, 0}), dst = s.chipAt({3, 2, 0});
  SmallVector<RouteHop> r = s.route(src, dst);
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(s.hops(src, dst), 5u);
  // x first: (0,0)->(1,0)->(2,0)->(3,0), then y: (3,0)->(3,1)->(3,2).
  EXPECT_EQ(s.linkInfo(r[0].link).dim, 0u);
  EXPECT_EQ(s.linkInfo(r[2].link).toChip, s.chipAt({3, 0, 0}));
  EXPECT_EQ(s.linkInfo(r[3].link).dim, 1u);
  EXPECT_EQ(s.linkInfo(r[4].link).toChip, dst);
  for (const RouteHop &h : r)
    EXPECT_EQ(h.fraction, 1.0);
  // Reverse direction uses the opposite links.
  SmallVector<RouteHop> back = s.route(dst, src);
  EXPECT_EQ(s.linkInfo(back[0].link).direction, -1);
}

TEST(SliceTest, ShortestDirectionAndTieSplit) {
  Slice ring = parseOrDie("generic:16:wrap=1");
  // 0 -> 15 is one hop backwards over the wraparound link.
  SmallVector<RouteHop> r = ring.route(0, 15);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(ring.linkInfo(r[0].link).direction, -1);
  EXPECT_EQ(ring.linkInfo(r[0].link).toChip, 15u);
  // 0 -> 8 is half-way round: 8 hops each way, half the bytes on each.
  r = ring.route(0, 8);
  ASSERT_EQ(r.size(), 16u);
  double plus = 0, minus = 0;
  for (const RouteHop &h : r) {
    EXPECT_EQ(h.fraction, 0.5);
    (ring.linkInfo(h.link).direction > 0 ? plus : minus) += h.fraction;
  }
  EXPECT_EQ(plus, 4.0);
  EXPECT_EQ(minus, 4.0);
  EXPECT_EQ(ring.hops(0, 8), 8u);
  // The same ring opened: 0 -> 15 walks 15 hops.
  EXPECT_EQ(parseOrDie("generic:16").hops(0, 15), 15u);
}

TEST(SliceTest, CreateChecksArguments) {
  const ChipSpec &g = getChipSpec(TpuGeneration::Generic);
  auto fails = [&](ArrayRef<int> shape, ArrayRef<bool> wrap) {
    Expected<Slice> s = Slice::create(g, shape, wrap);
    if (s)
      return false;
    consumeError(s.takeError());
    return true;
  };
  EXPECT_TRUE(fails({}, {}));
  EXPECT_TRUE(fails({2, 0}, {}));
  EXPECT_TRUE(fails({2, 2}, {true}));
  EXPECT_FALSE(fails({4, 4}, {true, false}));
}

} // namespace
