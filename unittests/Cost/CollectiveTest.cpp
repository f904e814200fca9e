//===- CollectiveTest.cpp - Tests of collective costs on placements -------===//
//
// Every expected number is derived by hand in the comment next to it, or
// taken from the reference formulas (tpu-topology.md, "Collective cost on
// rings and tori", and the scaling book's collective formulas quoted in
// docs/cost-model.md). Notation: N members, B bytes (per kind convention),
// W the per-link per-direction bandwidth, a the per-hop latency (1 us).
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Cost/Collective.h"

#include "TestSupport/TestSlices.h"

#include "gtest/gtest.h"

#include <map>
#include <numeric>

using namespace aoizora;
using namespace llvm;

namespace {

constexpr double kHop = 1e-6;

const auto slice = test::parseTestSlice;

CollectiveSpec groupsOf(CollectiveKind kind, double bytes,
                        std::initializer_list<SmallVector<unsigned, 16>> gs) {
  CollectiveSpec spec;
  spec.kind = kind;
  spec.bytes = bytes;
  for (const auto &g : gs)
    spec.groups.push_back(g);
  return spec;
}

SmallVector<unsigned, 16> iota(unsigned n, unsigned start = 0,
                               unsigned stride = 1) {
  SmallVector<unsigned, 16> v;
  for (unsigned i = 0; i < n; ++i)
    v.push_back(start + i * stride);
  return v;
}

/// The physics of docs/cost-model.md alone: no fixed cost, the full link
/// bandwidth (CalibrationTest covers the calibrated defaults).
const CostOptions &ideal(const Slice &s) {
  static std::map<TpuGeneration, Calibration> table;
  static std::map<TpuGeneration, CostOptions> options;
  TpuGeneration g = s.chip().generation;
  if (!table.count(g)) {
    table.emplace(g, Calibration::ideal(g));
    options[g].calibration = &table.at(g);
  }
  return options.at(g);
}

CollectiveCost cost(const Slice &s, const CollectiveSpec &spec) {
  Error e = verifyCollective(s, spec);
  EXPECT_FALSE(bool(e)) << toString(std::move(e));
  return estimateCollective(s, Placement::defaultFor(s), spec, ideal(s));
}

double totalLinkBytes(const CollectiveCost &c) {
  return std::accumulate(c.linkBytes.begin(), c.linkBytes.end(), 0.0);
}

// --- All-gather and all-reduce: ring vs line, one vs several dimensions ---

TEST(CollectiveTest, AllGatherClosedRingVsOpenLine) {
  const double b = 1e9, w = 4.5e10;
  // Row y = 0 of a v5e pod: 16 chips along x, which wraps (extent 16).
  // Bidirectional ring: each direction carries (N-1)/N * B / 2 per link,
  // T = (N-1)/N * B / (2W) (reference: a bidirectional ring halves the
  // one-directional (N-1)/N * B / W), plus floor(N/2) = 8 one-hop steps.
  CollectiveSpec ag = groupsOf(CollectiveKind::AllGather, b, {iota(16)});
  CollectiveCost ring = cost(slice("v5e:16x16"), ag);
  double ringFormula = 15.0 / 16 * b / (2 * w);
  EXPECT_NEAR(ring.bandwidthSeconds, ringFormula, 1e-12);
  EXPECT_NEAR(ring.latencySeconds, 8 * kHop, 1e-15);
  EXPECT_NEAR(ring.seconds, ringFormula, 0.01 * ringFormula);
  // The scaling book's V / W_bidi, W_bidi = 2W, drops the (N-1)/N factor:
  // within 1/N = 6.25%.
  EXPECT_NEAR(ring.seconds, b / (2 * w), 0.0625 * b / (2 * w));

  // The same row with wraparound switched off: the line algorithm puts
  // (N-1)/N * B on the end links, T = (N-1)/N * B / W: the textbook factor
  // of two, plus N-1 = 15 one-hop steps.
  CollectiveCost line = cost(slice("v5e:16x16:wrap=0,0"), ag);
  double lineFormula = 15.0 / 16 * b / w;
  EXPECT_NEAR(line.bandwidthSeconds, lineFormula, 1e-12);
  EXPECT_NEAR(line.latencySeconds, 15 * kHop, 1e-15);
  EXPECT_NEAR(line.seconds, lineFormula, 0.01 * lineFormula);
  EXPECT_NEAR(line.bandwidthSeconds / ring.bandwidthSeconds, 2.0, 1e-9);

  // Reduce-scatter moves the same flows (B is its input there).
  CollectiveSpec rs = ag;
  rs.kind = CollectiveKind::ReduceScatter;
  EXPECT_EQ(cost(slice("v5e:16x16"), rs).linkBytes, ring.linkBytes);
}

TEST(CollectiveTest, AllReduceIsTwiceAllGather) {
  const double b = 1e9, w = 4.5e10;
  CollectiveSpec ar = groupsOf(CollectiveKind::AllReduce, b, {iota(16)});
  // Ring: 2 (N-1)/N * B / (2W); line: 2 (N-1)/N * B / W.
  CollectiveCost ring = cost(slice("v5e:16x16"), ar);
  CollectiveCost line = cost(slice("v5e:16x16:wrap=0,0"), ar);
  EXPECT_NEAR(ring.bandwidthSeconds, 2 * 15.0 / 16 * b / (2 * w), 1e-12);
  EXPECT_NEAR(line.bandwidthSeconds, 2 * 15.0 / 16 * b / w, 1e-12);
  EXPECT_NEAR(ring.latencySeconds, 16 * kHop, 1e-15);
  EXPECT_NEAR(ring.seconds, 15.0 / 16 * b / w, 0.01 * 15.0 / 16 * b / w);
}

TEST(CollectiveTest, ConcurrentRowsDoNotInterfere) {
  // All 16 rows of the pod gather at once: each row uses only its own x
  // links, so the time equals one row's.
  CollectiveSpec ag;
  ag.kind = CollectiveKind::AllGather;
  ag.bytes = 1e9;
  for (unsigned y = 0; y < 16; ++y)
    ag.groups.push_back(iota(16, 16 * y));
  CollectiveCost all = cost(slice("v5e:16x16"), ag);
  EXPECT_NEAR(all.bandwidthSeconds, 15.0 / 16 * 1e9 / (2 * 4.5e10), 1e-12);
}

TEST(CollectiveTest, AllGatherOverTwoAndThreeTorusDimensions) {
  const double b = 1e9;
  // All 256 chips of the v5e pod (16x16 torus). The phased algorithm, with
  // the data split between the x-first and y-first orders, loads every x
  // link with (hand derivation, P = B/2, c = P/256 per member):
  //   x first:  (16-1) * c / 2          = 15 P / 512
  //   x second: (16-1) * (16 c) / 2     = 15 P / 32
  //   total                             = 255 P / 512 = 255 B / 1024,
  // so T = (N-1)/N * B / (4W): each chip receives (N-1)/N * B over its 4
  // links. The reference (scaling book) gives V / (W_bidi * N_axes) =
  // B / (4W); they agree within 1/N < 1%.
  CollectiveSpec ag = groupsOf(CollectiveKind::AllGather, b, {});
  CollectiveCost pod = cost(slice("v5e:16x16"), ag);
  double w = 4.5e10;
  EXPECT_NEAR(pod.bandwidthSeconds, 255.0 / 256 * b / (4 * w), 1e-12);
  EXPECT_NEAR(pod.seconds, b / (4 * w), 0.01 * b / (4 * w));
  // One dimension vs two: the same B over a 16-ring takes twice as long.
  CollectiveCost row = cost(slice("v5e:16x16"),
                            groupsOf(CollectiveKind::AllGather, b, {iota(16)}));
  EXPECT_NEAR(row.bandwidthSeconds / pod.bandwidthSeconds,
              (15.0 / 16) / (255.0 / 256) * 2, 1e-9);

  // 16 devices as a 4x4 torus (generic chip, W = 1e10) vs as a 16-ring:
  // torus (N-1)/N * B / (4W), ring (N-1)/N * B / (2W).
  CollectiveCost torus = cost(slice("generic:4x4:wrap=1,1"), ag);
  CollectiveCost ring16 = cost(slice("generic:16:wrap=1"), ag);
  EXPECT_NEAR(torus.bandwidthSeconds, 15.0 / 16 * b / (4 * 1e10), 1e-12);
  EXPECT_NEAR(ring16.bandwidthSeconds, 15.0 / 16 * b / (2 * 1e10), 1e-12);

  // A v5p cube (4x4x4, wraps on all three axes): three rotated parts put
  // (3/2)(1 + 4 + 16) P/64 = 63 P / 128 on every link with P = B/3, so
  // T = (N-1)/N * B / (6W).
  CollectiveCost cube = cost(slice("v5p:4x4x4"), ag);
  EXPECT_NEAR(cube.bandwidthSeconds, 63.0 / 64 * b / (6 * 9e10), 1e-12);

  // All-reduce over the pod: twice the all-gather.
  CollectiveCost ar =
      cost(slice("v5e:16x16"), groupsOf(CollectiveKind::AllReduce, b, {}));
  EXPECT_NEAR(ar.bandwidthSeconds, 2 * pod.bandwidthSeconds, 1e-12);
  EXPECT_NEAR(ar.seconds, 2 * b / (4 * w), 0.01 * 2 * b / (4 * w));
}

TEST(CollectiveTest, GroupOrderDoesNotMatterForAPhysicalRing) {
  // Members of a line group are ordered along the line, whatever order the
  // replica group lists them in.
  CollectiveSpec shuffled =
      groupsOf(CollectiveKind::AllGather, 1e9,
               {{5, 0, 9, 14, 2, 11, 7, 3, 15, 1, 8, 12, 4, 13, 6, 10}});
  CollectiveSpec sorted = groupsOf(CollectiveKind::AllGather, 1e9, {iota(16)});
  Slice pod = slice("v5e:16x16");
  EXPECT_EQ(cost(pod, shuffled).linkBytes, cost(pod, sorted).linkBytes);
}

TEST(CollectiveTest, NonGridGroupPaysMultiHopRing) {
  // {0, 5, 10} on a 4x4 mesh is not a sub-grid: a ring in the given order,
  // (0,0) -> (1,1) -> (2,2) -> back, two hops per edge, four back.
  Slice s = slice("v5e:4x4");
  CollectiveCost c =
      cost(s, groupsOf(CollectiveKind::AllGather, 3e9, {{0, 5, 10}}));
  // The closing edge (4 hops) is longer than the others (2), so the line
  // algorithm runs: edge 0-1 carries 1 chunk right and 2 left (chunk =
  // 1e9). Each edge's message is split over its two dimension orders
  // ((0,0)->(1,0)->(1,1) and (0,0)->(0,1)->(1,1)), which share no link, so
  // the busiest link carries half of 2 chunks.
  EXPECT_NEAR(c.maxLinkBytes, 1e9, 1);
  EXPECT_NEAR(c.latencySeconds, 2 * 2 * kHop, 1e-15);
}

// --- Collective-permute ring on a 2x4 mesh ---

TEST(CollectiveTest, RingPermuteNeighboursVsIota) {
  // v5e 2x4 (x extent 2, y extent 4, no wraparound). Ring permute
  // i -> i+1 mod 8 of B bytes.
  Slice s = slice("v5e:2x4");
  const double b = 1e8, w = 4.5e10;
  CollectiveSpec perm;
  perm.kind = CollectiveKind::CollectivePermute;
  perm.bytes = b;
  for (unsigned i = 0; i < 8; ++i)
    perm.pairs.push_back({i, (i + 1) % 8});

  // Neighbours: put device i on the i-th chip of a Hamiltonian cycle,
  // (0,0) (1,0) (1,1) (1,2) (1,3) (0,3) (0,2) (0,1), i.e. chips
  // 0 1 3 5 7 6 4 2. Every pair is one hop on its own link: max load B,
  // 8 link traversals, one hop of latency.
  Placement cycle = cantFail(Placement::fromChips(s, {0, 1, 3, 5, 7, 6, 4, 2}));
  CollectiveCost nb = estimateCollective(s, cycle, perm, ideal(s));
  EXPECT_DOUBLE_EQ(nb.maxLinkBytes, b);
  EXPECT_DOUBLE_EQ(totalLinkBytes(nb), 8 * b);
  EXPECT_NEAR(nb.latencySeconds, kHop, 1e-15);

  // Iota: device i at (i % 2, i / 2). Routes (x first, then y):
  //   0->1, 2->3, 4->5, 6->7: one x+ hop each;
  //   1->2, 3->4, 5->6: x- then y+ (2 hops each);
  //   7->0: (1,3) -> (0,3) -> (0,2) -> (0,1) -> (0,0): x- then 3 y- hops.
  // No directed link is used twice (the y+ hops are (0,0)->(0,1),
  // (0,1)->(0,2), (0,2)->(0,3); the y- hops run the other way; the x- hops
  // are in rows 0..3, one each), so the max load is still B; the cost is
  // 14 link traversals instead of 8 and 4 hops of latency instead of 1.
  CollectiveCost io = estimateCollective(s, Placement::defaultFor(s), perm, ideal(s));
  EXPECT_DOUBLE_EQ(io.maxLinkBytes, b);
  EXPECT_DOUBLE_EQ(totalLinkBytes(io), 14 * b);
  EXPECT_NEAR(io.latencySeconds, 4 * kHop, 1e-15);
  EXPECT_GT(io.seconds, nb.seconds);
  EXPECT_NEAR(nb.seconds, b / w + kHop, 1e-12);

  // Sending K and V together (twice the bytes) doubles the load on the same
  // links: the model is linear in the bytes.
  perm.bytes = 2 * b;
  EXPECT_DOUBLE_EQ(estimateCollective(s, cycle, perm, ideal(s)).maxLinkBytes, 2 * b);
}

TEST(CollectiveTest, PermuteOnOpenLineClosesOverEveryLink) {
  // i -> i+1 mod 8 on an open line of 8: the closing message 7 -> 0 takes
  // 7 hops over all the - links, which nothing else uses: max load B, 14
  // traversals (7 forward + 7 back), latency 7 hops.
  Slice s = slice("generic:8");
  CollectiveSpec perm;
  perm.kind = CollectiveKind::CollectivePermute;
  perm.bytes = 1e6;
  for (unsigned i = 0; i < 8; ++i)
    perm.pairs.push_back({i, (i + 1) % 8});
  CollectiveCost c = cost(s, perm);
  EXPECT_DOUBLE_EQ(c.maxLinkBytes, 1e6);
  EXPECT_DOUBLE_EQ(totalLinkBytes(c), 14e6);
  EXPECT_NEAR(c.latencySeconds, 7 * kHop, 1e-15);
}

// --- All-to-all ---

TEST(CollectiveTest, AllToAllRingVsTwoDimensions) {
  const double b = 1.6e9, w = 4.5e10;
  Slice pod = slice("v5e:16x16");
  // 1D: row y = 0 (a closed 16-ring). Each member sends c = B/16 to every
  // other member along the shortest direction; the opposite member (8 hops)
  // is split half/half. Chunks over one directed link: sum_{d=1..7} d
  // + 8 * 1/2 = 28 + 4 = 32 = N^2/8, so the load is 32 c = 2B and
  // T = B * N / (8W): the reference's M * N / (8 b).
  CollectiveCost ring =
      cost(pod, groupsOf(CollectiveKind::AllToAll, b, {iota(16)}));
  EXPECT_NEAR(ring.maxLinkBytes, 2 * b, 1);
  EXPECT_NEAR(ring.bandwidthSeconds, b * 16 / (8 * w), 1e-12);
  // On a ring the routed load meets the bisection bound: cutting the ring
  // into two arcs of 8, 8 * 8 * c = 4B cross over 2 links each way.
  EXPECT_NEAR(ring.bisectionSeconds, ring.bandwidthSeconds, 1e-12);

  // 2D: the same 16 devices as the 4x4 block x, y < 4 of the pod. Within
  // the block routes never wrap, so it is an open 4x4 mesh. X hops happen
  // in the source row: the middle x link of a row carries sources left of
  // it (2) times targets right of it (2) times the 4 target rows = 16
  // chunks; y hops likewise 16. Load 16 c = B: half the ring's.
  SmallVector<unsigned, 16> block;
  for (unsigned y = 0; y < 4; ++y)
    for (unsigned x = 0; x < 4; ++x)
      block.push_back(x + 16 * y);
  CollectiveCost blk =
      cost(pod, groupsOf(CollectiveKind::AllToAll, b, {block}));
  EXPECT_NEAR(blk.maxLinkBytes, b, 1);
  EXPECT_NEAR(ring.bandwidthSeconds / blk.bandwidthSeconds, 2.0, 1e-9);
  EXPECT_LE(blk.bisectionSeconds, blk.bandwidthSeconds + 1e-15);

  // With wraparound on both axes (a 4x4 torus) each link carries d = 1 (1
  // chunk) plus d = 2 split (2 * 1/2): 2 chunks per source row/column pair
  // times 4 = 8 chunks = B/2, i.e. the scaling book's
  // (V/N) * max(A, B) / (4 W_bidi) = B * 4 / (8W).
  CollectiveCost torus = cost(slice("generic:4x4:wrap=1,1"),
                              groupsOf(CollectiveKind::AllToAll, b, {}));
  EXPECT_NEAR(torus.bandwidthSeconds, b * 4 / (8 * 1e10), 1e-12);
}

// --- Contention ---

TEST(CollectiveTest, GroupsSharingALinkContend) {
  // An open line of 4 chips. Group A = {0, 2} and group B = {1, 3} both
  // cross the link 1 -> 2. Alone, a 2-member all-gather sends B/2 each
  // way: time B / (2W). Together that link carries B: twice as long.
  Slice s = slice("generic:4");
  const double b = 1e9, w = 1e10;
  CollectiveCost a = cost(s, groupsOf(CollectiveKind::AllGather, b, {{0, 2}}));
  CollectiveCost bOnly =
      cost(s, groupsOf(CollectiveKind::AllGather, b, {{1, 3}}));
  CollectiveCost both =
      cost(s, groupsOf(CollectiveKind::AllGather, b, {{0, 2}, {1, 3}}));
  EXPECT_NEAR(a.bandwidthSeconds, b / 2 / w, 1e-12);
  EXPECT_NEAR(both.bandwidthSeconds, b / w, 1e-12);
  EXPECT_GT(both.seconds, a.seconds);
  EXPECT_GT(both.seconds, bOnly.seconds);
  LinkInfo hot = s.linkInfo(both.bottleneck);
  EXPECT_EQ(hot.fromChip + hot.toChip, 3u); // the 1 <-> 2 link
  // Disjoint neighbours {0,1}, {2,3} do not contend.
  CollectiveCost apart =
      cost(s, groupsOf(CollectiveKind::AllGather, b, {{0, 1}, {2, 3}}));
  EXPECT_NEAR(apart.bandwidthSeconds, b / 2 / w, 1e-12);
}

// --- Broadcast, bounds, API ---

TEST(CollectiveTest, BroadcastFromFirstMember) {
  // From device 5 of an open line of 8: chains outward both ways, every
  // link carries B once; latency = the longer chain, 5 hops.
  Slice s = slice("generic:8");
  CollectiveCost c = cost(s, groupsOf(CollectiveKind::CollectiveBroadcast, 1e9,
                                      {{5, 0, 1, 2, 3, 4, 6, 7}}));
  EXPECT_DOUBLE_EQ(c.maxLinkBytes, 1e9);
  EXPECT_DOUBLE_EQ(totalLinkBytes(c), 7e9);
  EXPECT_NEAR(c.latencySeconds, 5 * kHop, 1e-15);
  // Over a 4x4 plane: x lines first (only the source's row), then y lines.
  Slice m = slice("v5e:4x4");
  CollectiveCost p =
      cost(m, groupsOf(CollectiveKind::CollectiveBroadcast, 1e9, {iota(16)}));
  EXPECT_DOUBLE_EQ(totalLinkBytes(p), 15e9); // a spanning tree
  EXPECT_DOUBLE_EQ(p.maxLinkBytes, 1e9);
}

TEST(CollectiveTest, LowerBoundNeverExceedsEstimate) {
  Slice pod = slice("v5e:16x16");
  Placement iotaP = Placement::defaultFor(pod);
  for (CollectiveKind kind :
       {CollectiveKind::AllGather, CollectiveKind::ReduceScatter,
        CollectiveKind::AllReduce, CollectiveKind::AllToAll,
        CollectiveKind::CollectiveBroadcast}) {
    for (auto groups :
         {SmallVector<SmallVector<unsigned, 16>, 4>{iota(16)},
          SmallVector<SmallVector<unsigned, 16>, 4>{iota(16, 0, 16)},
          SmallVector<SmallVector<unsigned, 16>, 4>{}}) {
      CollectiveSpec spec;
      spec.kind = kind;
      spec.bytes = 1e8;
      spec.groups = groups;
      double lb = lowerBoundSeconds(pod, spec, ideal(pod));
      CollectiveCost c = estimateCollective(pod, iotaP, spec, ideal(pod));
      EXPECT_GT(lb, 0) << stringifyCollectiveKind(kind).str();
      EXPECT_LE(lb, c.seconds * (1 + 1e-12))
          << stringifyCollectiveKind(kind).str();
    }
  }
  // All-gather over 16: each device receives 15/16 B over 4 links.
  CollectiveSpec ag = groupsOf(CollectiveKind::AllGather, 1e9, {iota(16)});
  EXPECT_NEAR(lowerBoundSeconds(pod, ag, ideal(pod)), 15.0 / 16 * 1e9 / (4 * 4.5e10) + kHop,
              1e-12);
  // The bound does not depend on the placement.
  CollectiveSpec perm;
  perm.kind = CollectiveKind::CollectivePermute;
  perm.bytes = 4.5e10;
  perm.pairs = {{0, 1}};
  EXPECT_NEAR(lowerBoundSeconds(pod, perm, ideal(pod)), 0.25 + kHop, 1e-12);
}

TEST(CollectiveTest, ReusedBufferAndManyPlacements) {
  Slice s = slice("v5e:4x4");
  CollectiveSpec ag =
      groupsOf(CollectiveKind::AllGather, 1e9,
               {{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 10, 11}, {12, 13, 14, 15}});
  CollectiveCost out;
  Placement base = Placement::defaultFor(s);
  estimateCollective(s, base, ag, out);
  double rows = out.seconds;
  // Transpose: device x + 4y goes to chip y + 4x; groups become columns,
  // which are lines too, so the cost is unchanged.
  SmallVector<unsigned, 16> order;
  for (unsigned d = 0; d < 16; ++d)
    order.push_back((d % 4) * 4 + d / 4);
  estimateCollective(s, base.permuted(order), ag, out);
  EXPECT_NEAR(out.seconds, rows, 1e-15);
  // A scattered placement costs more.
  estimateCollective(
      s, base.permuted({0, 5, 10, 15, 1, 6, 11, 12, 2, 7, 8, 13, 3, 4, 9, 14}),
      ag, out);
  EXPECT_GT(out.seconds, rows);
  EXPECT_EQ(out.linkBytes.size(), s.numLinkSlots());
}

TEST(CollectiveTest, ScheduleBytesRunsPartsPhaseByPhase) {
  // Two parts, two phases, loads on two links: LinkId 0 runs along x and
  // LinkId 2 along y (Slice::linkId: (chip * 3 + dim) * 2 + direction).
  // The 2 x 16 group of the pod (CollectiveSimVsAnalyticTest), in units of
  // c: part 0 gathers x (1) then y (15), part 1 y (7.5) then x (16).
  const unsigned slots = 6;
  std::vector<double> loads(4 * slots, 0.0);
  auto at = [&](unsigned part, unsigned phase, unsigned link) -> double & {
    return loads[(part * 2 + phase) * slots + link];
  };
  at(0, 0, 0) = 1;
  at(0, 1, 2) = 15;
  at(1, 0, 2) = 7.5;
  at(1, 1, 0) = 16;
  // All-gather: part 0's x job ends at 1; its y job shares y with part 1's
  // (6.5 left) until 14; part 1's x job runs alone 14..30; part 0's y job
  // (8.5 left) ends at 22.5. Makespan 30, above the busiest link (y: 22.5).
  EXPECT_DOUBLE_EQ(scheduleBytes(loads, 2, CollectiveKind::AllGather), 30);
  // Reduce-scatter runs each part's phases last to first: part 0 y (15)
  // beside part 1 x (16), no sharing; at 15 part 0's x job (1) shares x
  // with part 1's last 1 until 17; part 1's y job then runs 17..24.5.
  EXPECT_DOUBLE_EQ(scheduleBytes(loads, 2, CollectiveKind::ReduceScatter),
                   24.5);
  // One part (any other kind): the busiest link's bytes.
  std::vector<double> one = {3, 0, 5, 0, 0, 0};
  EXPECT_DOUBLE_EQ(scheduleBytes(one, 1, CollectiveKind::AllToAll), 5);
  // Never below the busiest link: both parts' jobs on x alone.
  std::fill(loads.begin(), loads.end(), 0.0);
  at(0, 0, 0) = 4;
  at(1, 1, 0) = 4;
  EXPECT_DOUBLE_EQ(scheduleBytes(loads, 2, CollectiveKind::AllGather), 8);
}

TEST(CollectiveTest, V7xDevicesOnOneChipUseNoLinks) {
  // Devices 0 and 1 share chip 0 on v7x: their all-gather moves nothing
  // over ICI.
  Slice s = slice("v7x:2x2x1");
  CollectiveCost c =
      cost(s, groupsOf(CollectiveKind::AllGather, 1e9, {{0, 1}}));
  EXPECT_EQ(c.maxLinkBytes, 0);
  EXPECT_EQ(c.bottleneck, kNoLink);
  EXPECT_EQ(c.seconds, 0);
}

TEST(CollectiveTest, VerifyRejectsBadSpecs) {
  Slice s = slice("v5e:2x2");
  auto message = [&](const CollectiveSpec &spec) {
    Error e = verifyCollective(s, spec);
    return e ? toString(std::move(e)) : std::string();
  };
  EXPECT_NE(message(groupsOf(CollectiveKind::AllGather, 1, {{0, 4}}))
                .find("names device 4, outside 0..3"),
            std::string::npos);
  EXPECT_NE(message(groupsOf(CollectiveKind::AllReduce, 1, {{0, 1}, {1, 2}}))
                .find("device 1 is in group #0 and group #1"),
            std::string::npos);
  EXPECT_NE(
      message(groupsOf(CollectiveKind::AllGather, -1, {{0, 1}})).find("bytes"),
      std::string::npos);
  CollectiveSpec perm;
  perm.kind = CollectiveKind::CollectivePermute;
  perm.pairs = {{0, 1}, {0, 2}};
  EXPECT_NE(message(perm).find("device 0 is the source of two pairs"),
            std::string::npos);
  perm.pairs = {{0, 1}};
  perm.groups.push_back({0, 1});
  EXPECT_NE(message(perm).find("not groups"), std::string::npos);
  EXPECT_EQ(message(groupsOf(CollectiveKind::AllToAll, 1, {})), "");
}

} // namespace
