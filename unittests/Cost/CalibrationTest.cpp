//===- CalibrationTest.cpp - Fixed costs, achieved bandwidth, files -------===//
//
// Every expected time is derived by hand next to it from the defaults of
// lib/Cost/Calibration.cpp: fixed cost F = 2.7 us per collective, achieved
// fraction 0.95 of W = 4.5e10 B/s (v5e), 1 us per hop.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Cost/Calibration.h"
#include "AoiZora/Cost/Collective.h"

#include "TestSupport/TestSlices.h"

#include "gtest/gtest.h"

using namespace aoizora;
using namespace llvm;

namespace {

const auto slice = test::parseTestSlice;
constexpr double kF = 2.7e-6, kEta = 0.95, kW = 4.5e10, kHop = 1e-6;

CollectiveSpec gather(double bytes, SmallVector<unsigned, 16> group) {
  CollectiveSpec spec;
  spec.kind = CollectiveKind::AllGather;
  spec.bytes = bytes;
  spec.groups.push_back(group);
  return spec;
}

TEST(CalibrationTest, DefaultsAreThePublishedFigures) {
  const Calibration &v5e = Calibration::defaults(TpuGeneration::V5e);
  for (const CollectiveFigures &f : v5e.collectives) {
    EXPECT_EQ(f.fixedSeconds, kF);
    EXPECT_EQ(f.bandwidthFraction(1), kEta);
    EXPECT_EQ(f.bandwidthFraction(1e9), kEta);
  }
  EXPECT_EQ(v5e.hopLatency, kHop);
  // The generic test chip is ideal: no fixed cost, the full bandwidth.
  const Calibration &generic = Calibration::defaults(TpuGeneration::Generic);
  EXPECT_EQ(generic.of(CollectiveKind::AllToAll).fixedSeconds, 0);
  EXPECT_EQ(generic.of(CollectiveKind::AllToAll).bandwidthFraction(1e6), 1);
}

TEST(CalibrationTest, BandwidthCurveInterpolatesInLogBytes) {
  CollectiveFigures f;
  f.bandwidth = {{1e3, 0.5}, {1e5, 0.9}};
  EXPECT_DOUBLE_EQ(f.bandwidthFraction(10), 0.5);  // below: first point
  EXPECT_DOUBLE_EQ(f.bandwidthFraction(1e4), 0.7); // log midpoint
  EXPECT_DOUBLE_EQ(f.bandwidthFraction(1e7), 0.9); // above: last point
}

TEST(CalibrationTest, SmallAllGatherPaysTheFixedCost) {
  // The scaling book's Pop Quiz 2(b): bf16[256, 256] = 131072 B gathered
  // over the 4 chips of an open v5e line (row y = 0 of a 4x4). Line
  // algorithm: the end links carry 3 chunks of 32768 B; 3 one-hop steps.
  //   F + 3 * 32768 / (0.95 W) + 3 * 1 us
  //   = 2.7 + 2.2994 + 3 = 7.9994 us   (the book measures "closer to 8us").
  Slice s = slice("v5e:4x4");
  CollectiveCost c =
      estimateCollective(s, Placement::defaultFor(s), gather(131072, {0, 1, 2, 3}));
  EXPECT_DOUBLE_EQ(c.fixedSeconds, kF);
  EXPECT_NEAR(c.bandwidthSeconds, 3 * 32768 / (kEta * kW), 1e-15);
  EXPECT_NEAR(c.latencySeconds, 3 * kHop, 1e-15);
  EXPECT_NEAR(c.seconds, 7.9994e-6, 1e-9);
}

TEST(CalibrationTest, LargeAllGatherRunsAtTheAchievedFraction) {
  // Pop Quiz 2(a): bf16[2048, 8192] = 33554432 B over the same line. End
  // links carry 3 chunks of 8388608 B:
  //   2.7 us + 25165824 / (0.95 * 4.5e10) + 3 us = 594.37 us
  // (the book's profile: 680 us; its own estimate at 100%: 560 us).
  Slice s = slice("v5e:4x4");
  CollectiveCost c = estimateCollective(s, Placement::defaultFor(s),
                                        gather(33554432, {0, 1, 2, 3}));
  EXPECT_NEAR(c.seconds, kF + 25165824 / (kEta * kW) + 3 * kHop, 1e-12);
  EXPECT_NEAR(c.seconds, 594.37e-6, 0.01e-6);
}

TEST(CalibrationTest, PermuteUsesBothPorts) {
  // Part 2, Question 5: bf16[8, 128, 8192] = 2^24 B from (0,0) to (3,3) of
  // an open v5e 4x4. Both dimension orders are minimal, so half goes
  // right-then-down and half down-then-right; the busiest links carry
  // 2^23 B:  F + 2^23 / (0.95 W) + 6 hops = 2.7 + 196.22 + 6 = 204.92 us.
  // Ideal figures give 2^23 / W + 6 us = 192.41 us (the book: 188 + 6).
  Slice s = slice("v5e:4x4");
  CollectiveSpec p;
  p.kind = CollectiveKind::CollectivePermute;
  p.bytes = 1 << 24;
  p.pairs.push_back({0, 15});
  CollectiveCost c = estimateCollective(s, Placement::defaultFor(s), p);
  EXPECT_DOUBLE_EQ(c.maxLinkBytes, 1 << 23);
  EXPECT_NEAR(c.seconds, kF + (1 << 23) / (kEta * kW) + 6 * kHop, 1e-12);
  Calibration ideal = Calibration::ideal(TpuGeneration::V5e);
  CostOptions o;
  o.calibration = &ideal;
  EXPECT_NEAR(estimateCollective(s, Placement::defaultFor(s), p, o).seconds,
              (1 << 23) / kW + 6 * kHop, 1e-12);
}

TEST(CalibrationTest, NothingMovesNoFixedCost) {
  Slice s = slice("v5e:4x4");
  // Groups of one member and zero bytes launch nothing.
  CollectiveSpec one = gather(1e6, {3});
  EXPECT_EQ(estimateCollective(s, Placement::defaultFor(s), one).seconds, 0);
  // Zero bytes: the hop latency of its step stays, the launch does not.
  CollectiveSpec empty = gather(0, {0, 1});
  CollectiveCost c = estimateCollective(s, Placement::defaultFor(s), empty);
  EXPECT_EQ(c.fixedSeconds, 0);
  EXPECT_EQ(c.seconds, kHop);
}

TEST(CalibrationTest, LowerBoundIncludesFixedCostAndFraction) {
  // A 16-member all-gather of 1.6e7 B on the v5e pod: each member receives
  // 15/16 of it over its 4 links: F + 1.5e7 / (4 * 0.95 W) + 1 hop.
  Slice s = slice("v5e:16x16");
  SmallVector<unsigned, 16> g;
  for (unsigned i = 0; i < 16; ++i)
    g.push_back(i);
  EXPECT_NEAR(lowerBoundSeconds(s, gather(1.6e7, g)),
              kF + 1.5e7 / (4 * kEta * kW) + kHop, 1e-12);
}

TEST(CalibrationTest, FileOverridesDefaults) {
  Slice s = slice("v5e:4x4");
  Expected<Calibration> c = Calibration::fromJSONText(R"({
    "generation": "v5e", "slice": "4x4",
    "description": "hand-written test input, not a measurement",
    "hop_latency_seconds": 2e-6,
    "collectives": {
      "all-gather": {"fixed_seconds": 5e-6,
                     "bandwidth_fraction": [[1e4, 0.5], [1e6, 0.9]]},
      "all-to-all": {"bandwidth_fraction": 0.8}
    },
    "compute": {"matmul": 0.6}
  })",
                                                      s);
  ASSERT_TRUE(bool(c)) << toString(c.takeError());
  EXPECT_EQ(c->of(CollectiveKind::AllGather).fixedSeconds, 5e-6);
  EXPECT_DOUBLE_EQ(c->of(CollectiveKind::AllGather).bandwidthFraction(1e5),
                   0.7);
  EXPECT_EQ(c->of(CollectiveKind::AllToAll).bandwidthFraction(1), 0.8);
  // Untouched kinds keep the defaults.
  EXPECT_EQ(c->of(CollectiveKind::AllToAll).fixedSeconds, kF);
  EXPECT_EQ(c->of(CollectiveKind::AllReduce).bandwidthFraction(1), kEta);
  EXPECT_EQ(c->hopLatency, 2e-6);
  EXPECT_EQ(c->compute.matmul, 0.6);
  EXPECT_FALSE(c->compute.attention.has_value());
  // Used by the model: 4-line all-gather of 1e5 B, 3 chunks of 25000 B at
  // 0.7 W, 3 hops of 2 us, 5 us fixed.
  CostOptions o;
  o.calibration = &*c;
  CollectiveCost cost = estimateCollective(s, Placement::defaultFor(s),
                                           gather(1e5, {0, 1, 2, 3}), o);
  EXPECT_NEAR(cost.seconds, 5e-6 + 75000 / (0.7 * kW) + 6e-6, 1e-12);
}

TEST(CalibrationTest, FileErrorsNameTheKey) {
  Slice s = slice("v5e:4x4");
  auto error = [&](StringRef text) {
    Expected<Calibration> c = Calibration::fromJSONText(text, s);
    if (c)
      return std::string("(parsed)");
    return toString(c.takeError());
  };
  EXPECT_NE(error(R"({"generation": "v5e", "colectives": {}})")
                .find("\"colectives\" is not a known key"),
            std::string::npos);
  EXPECT_NE(error(R"({"generation": "v5p"})").find("\"generation\" is 'v5p'"),
            std::string::npos);
  EXPECT_NE(error(R"({"generation": "v5e", "slice": "8x8"})")
                .find("\"slice\" is '8x8'"),
            std::string::npos);
  EXPECT_NE(error(R"({"generation": "v5e", "collectives": {"all-gather":
              {"fixed_seconds": -1}}})")
                .find("\"collectives.all-gather.fixed_seconds\" must be "
                      "positive"),
            std::string::npos);
  EXPECT_NE(error(R"({"generation": "v5e", "collectives": {"all-gather":
              {"bandwidth_fraction": [[1e3, 0.5], [1e2, 0.6]]}}})")
                .find("bandwidth_fraction[1]"),
            std::string::npos);
  EXPECT_NE(error(R"({"collectives": {}})").find("\"generation\" is missing"),
            std::string::npos);
}

} // namespace

TEST(CalibrationTest, ComputeFractionsOverrideTheEfficiencyDefaults) {
  ComputeEfficiency defaults;
  ComputeFigures measured;
  // Nothing measured: the defaults stand.
  ComputeEfficiency same = measured.applyTo(defaults);
  EXPECT_DOUBLE_EQ(same.matmulFlops, defaults.matmulFlops);
  EXPECT_DOUBLE_EQ(same.attentionFlops, defaults.attentionFlops);
  EXPECT_DOUBLE_EQ(same.hbmBandwidth, defaults.hbmBandwidth);
  // Each measured key replaces its field; elementwise is a fraction of HBM
  // bandwidth, as bench/jax/calibrate.py measures it.
  measured.matmul = 0.6;
  measured.elementwise = 0.7;
  ComputeEfficiency applied = measured.applyTo(defaults);
  EXPECT_DOUBLE_EQ(applied.matmulFlops, 0.6);
  EXPECT_DOUBLE_EQ(applied.attentionFlops, defaults.attentionFlops);
  EXPECT_DOUBLE_EQ(applied.hbmBandwidth, 0.7);
}
