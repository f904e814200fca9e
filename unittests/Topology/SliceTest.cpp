//===- SliceTest.cpp - Tests of chips, slices, links and routes -----------===//
//
// Shapes, wraparound rules, accelerator names, link numbering and routing.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Topology/Slice.h"

#include "gtest/gtest.h"

#include <map>

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

/// Bytes each link carries for one byte from src to dst.
static std::map<LinkId, double> loads(const Slice &s, unsigned src,
                                      unsigned dst) {
  std::map<LinkId, double> out;
  s.forEachRouteHop(src, dst, [&](LinkId l, double f) { out[l] += f; });
  return out;
}

TEST(SliceTest, BothDimensionOrdersSplitTheMessage) {
  Slice s = parseOrDie("v5e:4x4");
  unsigned src = s.chipAt({0, 0, 0}), dst = s.chipAt({3, 2, 0});
  EXPECT_EQ(s.hops(src, dst), 5u);
  // Two minimal paths: x first ((0,0)->(3,0)->(3,2)) and y first
  // ((0,0)->(0,2)->(3,2)), half the message on each: 10 link traversals of
  // half a message, the first hop of each leaving the source.
  SmallVector<RouteHop> r = s.route(src, dst);
  ASSERT_EQ(r.size(), 10u);
  for (const RouteHop &h : r)
    EXPECT_EQ(h.fraction, 0.5);
  std::map<LinkId, double> l = loads(s, src, dst);
  EXPECT_EQ(l.size(), 10u);
  EXPECT_EQ(l[s.linkId(src, 0, +1)], 0.5);
  EXPECT_EQ(l[s.linkId(src, 1, +1)], 0.5);
  EXPECT_EQ(l[s.linkId(s.chipAt({3, 1, 0}), 1, +1)], 0.5);
  EXPECT_EQ(l[s.linkId(s.chipAt({2, 2, 0}), 0, +1)], 0.5);
  // A message along one dimension has one path.
  r = s.route(src, s.chipAt({3, 0, 0}));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].fraction, 1.0);
  // Reverse direction uses the opposite links.
  SmallVector<RouteHop> back = s.route(dst, src);
  EXPECT_EQ(s.linkInfo(back[0].link).direction, -1);
}

TEST(SliceTest, ThreeDimensionsSixOrders) {
  // (0,0,0) -> (1,1,1) on an open 2x2x2: 3 hops, 3! = 6 orders, each 1/6 of
  // the message; the three links leaving the source carry 1/3 each.
  Slice s = parseOrDie("v5p:2x2x2");
  unsigned src = 0, dst = s.chipAt({1, 1, 1});
  SmallVector<RouteHop> r = s.route(src, dst);
  EXPECT_EQ(r.size(), 18u);
  std::map<LinkId, double> l = loads(s, src, dst);
  for (unsigned d = 0; d < 3; ++d)
    EXPECT_NEAR(l[s.linkId(src, d, +1)], 1.0 / 3, 1e-15);
  EXPECT_EQ(l.size(), 12u);
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

TEST(SliceTest, TwistedTorusDefaultsAndSyntax) {
  // [CT-TT]: v4 and v5p k x k x 2k / k x 2k x 2k slices twist by default.
  EXPECT_TRUE(parseOrDie("v5p:4x4x8").twisted());
  EXPECT_TRUE(parseOrDie("v4:4x8x8").twisted());
  EXPECT_TRUE(parseOrDie("v5p-256").twisted()); // 4x4x8
  EXPECT_FALSE(parseOrDie("v5p:4x4x4").twisted());
  EXPECT_FALSE(parseOrDie("v5p:8x8x8").twisted());
  EXPECT_FALSE(parseOrDie("v5p:2x4x4").twisted()); // no wraparound
  EXPECT_FALSE(parseOrDie("v7x:4x4x8").twisted()); // not offered on v7x
  EXPECT_FALSE(parseOrDie("v5p:4x4x8:twisted=0").twisted());
  EXPECT_TRUE(parseOrDie("v7x:4x4x8:twisted=1").twisted());
  EXPECT_TRUE(parseOrDie("generic:4x8:wrap=1,1:twisted=1").twisted());
  EXPECT_EQ(parseOrDie("v5p:4x4x8").str(), "v5p:4x4x8:wrap=1,1,1:twisted=1");
  EXPECT_EQ(parseOrDie("v5p:4x4x8:twisted=0").str(), "v5p:4x4x8:wrap=1,1,1");
  for (StringRef bad : {"v5p:4x4x4:twisted=1", "v5p:2x4x4:twisted=1",
                        "v5p:4x4x8:twisted=2", "v5p:4x4x8:twisted=1:twisted=0",
                        "v5p:4x4x8:wrap=0,1,1:twisted=1", "v5p:4x4x8:color=1"}) {
    Expected<Slice> s = Slice::parse(bad);
    EXPECT_FALSE(bool(s)) << bad.str();
    if (!s) {
      consumeError(s.takeError());
    }
  }
}

TEST(SliceTest, TwistedWrapLinksAndRoutes) {
  // generic:4x8 twisted: k = 4, x is short (4), y long (8). The +x wrap link
  // of (3, y) lands at (0, y + 4 mod 8), as in Cloud's 4x2 picture.
  Slice t = parseOrDie("generic:4x8:wrap=1,1:twisted=1");
  LinkInfo wrap = t.linkInfo(t.linkId(t.chipAt({3, 1, 0}), 0, +1));
  EXPECT_EQ(wrap.toChip, t.chipAt({0, 5, 0}));
  LinkInfo back = t.linkInfo(t.linkId(t.chipAt({0, 6, 0}), 0, -1));
  EXPECT_EQ(back.toChip, t.chipAt({3, 2, 0}));
  // Long-dimension wrap links are plain.
  EXPECT_EQ(t.linkInfo(t.linkId(t.chipAt({1, 7, 0}), 1, +1)).toChip,
            t.chipAt({1, 0, 0}));
  // (0,0) -> (2,4): untwisted, 2 x hops + 4 y hops (half-way round y, both
  // ways); twisted, two -x hops over the wrap, which shifts y by 4:
  // (0,0) -> (3,4) -> (2,4), the whole message on that one path.
  unsigned src = t.chipAt({0, 0, 0}), dst = t.chipAt({2, 4, 0});
  EXPECT_EQ(parseOrDie("generic:4x8:wrap=1,1").hops(src, dst), 6u);
  EXPECT_EQ(t.hops(src, dst), 2u);
  SmallVector<RouteHop> r = t.route(src, dst);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].link, t.linkId(src, 0, -1));
  EXPECT_EQ(r[1].link, t.linkId(t.chipAt({3, 4, 0}), 0, -1));
  EXPECT_EQ(r[0].fraction, 1.0);
  // (3,0) -> (0,0): 3 hops back along x beat 1 wrap hop + 4 y hops.
  EXPECT_EQ(t.hops(t.chipAt({3, 0, 0}), src), 3u);
  // (0,0) -> (0,4): x does not move, so y goes half-way round both ways.
  EXPECT_EQ(t.hops(src, t.chipAt({0, 4, 0})), 4u);
  EXPECT_EQ(t.route(src, t.chipAt({0, 4, 0})).size(), 8u);
  // The diameter shrinks: max hops over all pairs, 6 untwisted (2 + 4),
  // 4 twisted.
  unsigned worst = 0, worstPlain = 0;
  Slice plain = parseOrDie("generic:4x8:wrap=1,1");
  for (unsigned a = 0; a < t.numChips(); ++a)
    for (unsigned b = 0; b < t.numChips(); ++b) {
      worst = std::max(worst, t.hops(a, b));
      worstPlain = std::max(worstPlain, plain.hops(a, b));
      // Every route ends where it should (asserted in debug builds) and
      // leaves the source with the whole message.
      double out = 0;
      t.forEachRouteHop(a, b, [&](LinkId l, double f) {
        if (t.linkInfo(l).fromChip == a)
          out += f;
      });
      if (a != b) {
        EXPECT_NEAR(out, 1.0, 1e-12);
      }
    }
  EXPECT_EQ(worstPlain, 6u);
  EXPECT_EQ(worst, 4u);
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
