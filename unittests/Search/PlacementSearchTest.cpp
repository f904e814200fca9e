//===- PlacementSearchTest.cpp - Placement search against the optimum -----===//
//
// The exhaustive search over all 8! placements of an 8-chip slice is the
// reference: the heuristic search must reach the same score on every mix.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Search/PlacementSearch.h"

#include "TestSupport/TestSlices.h"

#include "gtest/gtest.h"

#include <set>

using namespace aoizora;
using llvm::SmallVector;

namespace {

const auto parseSlice = test::parseTestSlice;

constexpr double kMiB = 1024 * 1024;

/// i -> i+1 mod n: the ring of a ring-attention or pipelined step.
WeightedCollective ringPermute(unsigned n, double bytes) {
  WeightedCollective c;
  c.spec.kind = CollectiveKind::CollectivePermute;
  c.spec.bytes = bytes;
  for (unsigned i = 0; i < n; ++i)
    c.spec.pairs.emplace_back(i, (i + 1) % n);
  return c;
}

/// Groups of devices that differ only along mesh axis \p axis of a
/// row-major mesh of \p shape.
WeightedCollective overAxis(CollectiveKind kind, llvm::ArrayRef<int64_t> shape,
                            unsigned axis, double bytes, double count = 1) {
  WeightedCollective c;
  c.spec.kind = kind;
  c.spec.bytes = bytes;
  c.count = count;
  int64_t n = 1, stride = 1;
  for (int64_t s : shape)
    n *= s;
  for (unsigned a = axis + 1; a < shape.size(); ++a)
    stride *= shape[a];
  for (int64_t d = 0; d < n; ++d) {
    if ((d / stride) % shape[axis] != 0)
      continue;
    SmallVector<unsigned, 16> group;
    for (int64_t k = 0; k < shape[axis]; ++k)
      group.push_back(d + k * stride);
    c.spec.groups.push_back(group);
  }
  return c;
}

TEST(PlacementSearchTest, LinearEmbeddingInMajorToMinorDimOrderIsDefault) {
  Slice slice = parseSlice("v5e:2x4");
  // Default numbering is x fastest, so y is the major dimension.
  Embedding embedding{{0}, {1, 0}, {Traversal::Linear, Traversal::Linear}};
  Placement placement = embed(slice, {8}, embedding);
  Placement fallback = Placement::defaultFor(slice);
  EXPECT_EQ(placement.chips(), fallback.chips());
}

TEST(PlacementSearchTest, TraversalsWalkAsDocumented) {
  Slice slice = parseSlice("generic:6");
  Placement folded = embed(slice, {6}, {{0}, {0}, {Traversal::RingFolded}});
  // 0, 2, 4, 5, 3, 1: logical i sits at these coordinates.
  EXPECT_EQ(folded.chips(), (llvm::ArrayRef<unsigned>{0, 2, 4, 5, 3, 1}));
  Slice grid = parseSlice("generic:3x2");
  // Rows along y (major), snake along x: (0,0) (1,0) (2,0) (2,1) (1,1) (0,1).
  Placement snake =
      embed(grid, {6}, {{0}, {1, 0}, {Traversal::Linear, Traversal::Snake}});
  EXPECT_EQ(snake.chips(), (llvm::ArrayRef<unsigned>{0, 1, 2, 5, 4, 3}));
}

TEST(PlacementSearchTest, EnumeratesEveryAxisOrderDimOrderAndTraversal) {
  Slice slice = parseSlice("v5e:4x4");
  // 3! axis orders x 2! dim orders x 3^2 traversals.
  EXPECT_EQ(enumerateEmbeddings(slice, {2, 4, 2}).size(), 6u * 2 * 9);
}

TEST(PlacementSearchTest, SizeOneAxesDoNotMultiplyTheEmbeddings) {
  // 300 size-1 axes used to ask for 302! axis orders (out of memory); they
  // do not change the flattening, so only x and y are permuted.
  Slice slice = parseSlice("v5e:2x4");
  llvm::SmallVector<int64_t> shape(300, 1);
  shape.push_back(2);
  shape.push_back(4);
  llvm::SmallVector<Embedding> embeddings = enumerateEmbeddings(slice, shape);
  EXPECT_EQ(embeddings.size(), 2u * 2 * 9);
  for (const Embedding &e : embeddings)
    EXPECT_EQ(e.axisOrder.size(), shape.size());
}

TEST(PlacementSearchTest, RingPermuteOnOpenTwoByFourFindsOneHopRing) {
  // The 8-device ring on the open 2x4 mesh. Default order: the wrap-back
  // message 7 -> 0 goes (1,3) -> (0,3) -> (0,2) -> (0,1) -> (0,0), 4 hops,
  // so 1 MiB / 4.5e10 B/s + 4 us. A Hamiltonian cycle of the 2x4 grid
  // (down one column, up the other) makes every message one hop:
  // 1 MiB / 4.5e10 + 1 us. No link carries more than 1 MiB either way.
  // (The physics alone: no fixed cost, the full link bandwidth.)
  Slice slice = parseSlice("v5e:2x4");
  std::vector<WeightedCollective> step = {ringPermute(8, kMiB)};
  double bandwidth = kMiB / 4.5e10;
  Calibration ideal = Calibration::ideal(TpuGeneration::V5e);
  CostOptions cost;
  cost.calibration = &ideal;
  PlacementScore fallback =
      scorePlacement(slice, Placement::defaultFor(slice), step, cost);
  EXPECT_NEAR(fallback.seconds, bandwidth + 4e-6, 1e-12);

  SearchResult exhaustive = exhaustiveSearch(slice, step, 1, cost);
  ASSERT_EQ(exhaustive.ranked.size(), 1u);
  EXPECT_NEAR(exhaustive.ranked[0].score.seconds, bandwidth + 1e-6, 1e-12);
  EXPECT_EQ(exhaustive.evaluated, 40320u);

  SearchOptions options;
  options.cost = cost;
  SearchResult found = searchPlacements(slice, {8}, step, {}, options);
  ASSERT_FALSE(found.ranked.empty());
  EXPECT_NEAR(found.ranked[0].score.seconds, bandwidth + 1e-6, 1e-12);
  // Every ring hop is one link in the plan.
  const Placement &best = found.ranked[0].placement;
  for (unsigned i = 0; i < 8; ++i)
    EXPECT_EQ(slice.hops(best.chipOf(i), best.chipOf((i + 1) % 8)), 1u) << i;
}

/// Heuristic search reaches the exhaustive optimum on mixes of collectives.
struct MixCase {
  const char *name;
  const char *slice;
  SmallVector<int64_t, 3> mesh;
  std::vector<WeightedCollective> step;
};

class SearchMatchesExhaustive : public ::testing::TestWithParam<int> {};

static std::vector<MixCase> mixes() {
  std::vector<MixCase> cases;
  // Tensor parallel on the minor axis (all-reduce, 12 per step) and FSDP on
  // the major axis (all-gather, once).
  cases.push_back(
      {"tp_fsdp_2x4",
       "v5e:2x4",
       {2, 4},
       {overAxis(CollectiveKind::AllReduce, {2, 4}, 1, 8 * kMiB, 12),
        overAxis(CollectiveKind::AllGather, {2, 4}, 0, 64 * kMiB)}});
  // Ulysses all-to-all over 4 and CFG all-gather over 2, the other way round.
  cases.push_back({"ulysses_cfg_4x2",
                   "v5e:2x4",
                   {4, 2},
                   {overAxis(CollectiveKind::AllToAll, {4, 2}, 0, 32 * kMiB, 4),
                    overAxis(CollectiveKind::AllGather, {4, 2}, 1, 4 * kMiB)}});
  // Ring attention over all 8 plus a reduce-scatter over pairs.
  WeightedCollective ring = ringPermute(8, 16 * kMiB);
  ring.count = 7;
  cases.push_back(
      {"ring_attention_8",
       "v5e:2x4",
       {8},
       {ring, overAxis(CollectiveKind::ReduceScatter, {4, 2}, 1, 2 * kMiB)}});
  // A 2x2x2 v5p cube with all-reduces over each axis, different weights.
  cases.push_back(
      {"v5p_cube_3_axes",
       "v5p:2x2x2",
       {2, 2, 2},
       {overAxis(CollectiveKind::AllReduce, {2, 2, 2}, 0, 1 * kMiB),
        overAxis(CollectiveKind::AllReduce, {2, 2, 2}, 1, 8 * kMiB, 3),
        overAxis(CollectiveKind::AllToAll, {2, 2, 2}, 2, 16 * kMiB, 2)}});
  return cases;
}

TEST_P(SearchMatchesExhaustive, SameOptimum) {
  MixCase mix = mixes()[GetParam()];
  SCOPED_TRACE(mix.name);
  Slice slice = parseSlice(mix.slice);
  SearchResult exhaustive = exhaustiveSearch(slice, mix.step);
  SearchResult found = searchPlacements(slice, mix.mesh, mix.step, {});
  ASSERT_FALSE(found.ranked.empty());
  EXPECT_NEAR(found.ranked[0].score.seconds, exhaustive.ranked[0].score.seconds,
              1e-9 * exhaustive.ranked[0].score.seconds);
  // And never worse than the default order.
  PlacementScore fallback =
      scorePlacement(slice, Placement::defaultFor(slice), mix.step);
  EXPECT_FALSE(fallback < found.ranked[0].score);
}

INSTANTIATE_TEST_SUITE_P(Mixes, SearchMatchesExhaustive,
                         ::testing::Range(0, 4));

TEST(PlacementSearchTest, SeedsAreKeptWhenNothingBeatsThem) {
  Slice slice = parseSlice("v5e:2x4");
  std::vector<WeightedCollective> step = {ringPermute(8, kMiB)};
  SearchResult exhaustive = exhaustiveSearch(slice, step);
  RankedPlacement seed{exhaustive.ranked[0].placement, {}, "given optimum"};
  SearchOptions options;
  options.localSearchEvaluations = 0;
  SearchResult found = searchPlacements(slice, {2, 4}, step, {seed}, options);
  ASSERT_FALSE(found.ranked.empty());
  EXPECT_FALSE(exhaustive.ranked[0].score < found.ranked[0].score);
}

TEST(PlacementSearchTest, SameSeedSamePlan) {
  Slice slice = parseSlice("v5e:4x4");
  std::vector<WeightedCollective> step = {
      overAxis(CollectiveKind::AllToAll, {4, 4}, 1, 8 * kMiB, 2),
      ringPermute(16, 4 * kMiB)};
  SearchOptions options;
  options.localSearchEvaluations = 2000;
  SearchResult a = searchPlacements(slice, {4, 4}, step, {}, options);
  SearchResult b = searchPlacements(slice, {4, 4}, step, {}, options);
  ASSERT_FALSE(a.ranked.empty());
  EXPECT_EQ(a.ranked[0].placement.chips(), b.ranked[0].placement.chips());
  EXPECT_EQ(a.evaluated, b.evaluated);
}

TEST(PlacementSearchTest, LocalSearchEscapesTheLocalOptimum) {
  // A ring permute over 8 devices on the open 2x4 mesh, started from a
  // placement where ring neighbours sit far apart: messages share links
  // and the longest route is 4 hops. A mesh shape that does not cover the
  // slice turns the structured embeddings off, so only local search can
  // improve the seed. Annealing reaches the exhaustive optimum, a
  // Hamiltonian cycle of 1-hop messages (ideal figures). It once stopped
  // 3.9 us above it: the annealer re-priced its result with the default
  // calibration instead of the search's, so the better placement looked
  // worse than the seed's ideal score.
  Slice slice = parseSlice("v5e:2x4");
  std::vector<WeightedCollective> step = {ringPermute(8, kMiB)};
  Calibration ideal = Calibration::ideal(TpuGeneration::V5e);
  CostOptions cost;
  cost.calibration = &ideal;
  Placement scrambled =
      cantFail(Placement::fromChips(slice, {0, 7, 2, 5, 4, 3, 6, 1}, {}));
  RankedPlacement seed{scrambled, scorePlacement(slice, scrambled, step, cost),
                       "scrambled"};
  SearchOptions options;
  options.cost = cost;
  options.localSearchEvaluations = 20000;
  SearchResult found = searchPlacements(slice, {1}, step, {seed}, options);
  options.localSearchStall = 0;
  SearchResult unbounded = searchPlacements(slice, {1}, step, {seed}, options);
  SearchResult exhaustive = exhaustiveSearch(slice, step, 1, cost);
  ASSERT_FALSE(found.ranked.empty());
  EXPECT_EQ(found.ranked[0].origin, "local search from scrambled");
  double optimum = exhaustive.ranked[0].score.seconds;
  double hop = slice.chip().iciHopLatency;
  double linkBandwidth = slice.chip().iciLinkBandwidth;
  // The busiest links of the seed carry 1.5 MiB: the corner-turning
  // messages split over both dimension orders and meet others on half of
  // their links.
  EXPECT_NEAR(seed.score.seconds, 1.5 * kMiB / linkBandwidth + 4 * hop, 1e-9);
  EXPECT_NEAR(optimum, kMiB / linkBandwidth + hop, 1e-12);
  EXPECT_NEAR(found.ranked[0].score.seconds, optimum, 1e-12);
  EXPECT_NEAR(unbounded.ranked[0].score.seconds, optimum, 1e-12);
}

TEST(PlacementSearchTest, StallStopsAStartEarly) {
  // From the optimum nothing improves: a start spends exactly the stall
  // limit, not the budget.
  Slice slice = parseSlice("v5e:2x4");
  std::vector<WeightedCollective> step = {ringPermute(8, kMiB)};
  SearchResult exhaustive = exhaustiveSearch(slice, step);
  RankedPlacement seed = exhaustive.ranked[0];
  SearchOptions options;
  options.topK = 1;
  options.localSearchEvaluations = 20000;
  options.localSearchStall = 100;
  SearchResult stalled = searchPlacements(slice, {1}, step, {seed}, options);
  options.localSearchStall = 0;
  SearchResult full = searchPlacements(slice, {1}, step, {seed}, options);
  // One scoring of the seed, then the moves (a move with a == b is drawn
  // but not scored).
  EXPECT_LE(stalled.evaluated, 1u + 100u);
  EXPECT_GT(full.evaluated, 10000u);
}

TEST(PlacementSearchTest, RelabellingMovesEachDeviceOntoItsTargetChip) {
  Slice slice = parseSlice("v5e:2x4");
  Placement assignment = Placement::defaultFor(slice);
  Placement target = embed(
      slice, {2, 4}, {{1, 0}, {0, 1}, {Traversal::Snake, Traversal::Linear}});
  SmallVector<int64_t> sigma = relabellingFor(assignment, target);
  // After relabelling, device i is device sigma[i] of the assignment, which
  // sits on target's chip of i.
  for (unsigned i = 0; i < 8; ++i)
    EXPECT_EQ(assignment.chipOf(sigma[i]), target.chipOf(i)) << i;
}

} // namespace

namespace {

/// Chips of logical ids along one mesh axis, for mesh position \p base.
SmallVector<unsigned> chipsAlongAxis(const Placement &p,
                                     llvm::ArrayRef<int64_t> shape,
                                     unsigned axis, unsigned base) {
  int64_t stride = 1;
  for (unsigned a = axis + 1; a < shape.size(); ++a)
    stride *= shape[a];
  SmallVector<unsigned> chips;
  for (int64_t k = 0; k < shape[axis]; ++k)
    chips.push_back(p.chipOf(base + k * stride));
  return chips;
}

// The ring walk of a 16-device axis over a 4x4 tile is a closed cycle of
// one-hop steps on the open mesh; a 2x2 tile walked as a snake is one too.
TEST(BlockEmbeddingTest, RingAndSnakeWalksCloseCycles) {
  Slice slice = parseSlice("v5e:4x4");
  BlockEmbedding ring;
  ring.parts = {{{0, 4}, {1, 4}}};
  ring.walks = {AxisWalk::Ring};
  ring.axisOrder = {0};
  Placement p = embedBlocks(slice, {16}, ring);
  for (unsigned i = 0; i < 16; ++i)
    EXPECT_EQ(slice.hops(p.chipOf(i), p.chipOf((i + 1) % 16)), 1u) << i;

  // Mesh {4, 4}: axis 1 on a 2x2 tile (x2 * y2), axis 0 on the tiles.
  BlockEmbedding tiles;
  tiles.parts = {{{0, 2}, {1, 2}}, {{0, 2}, {1, 2}}};
  tiles.walks = {AxisWalk::Linear, AxisWalk::Snake};
  tiles.axisOrder = {0, 1};
  Placement q = embedBlocks(slice, {4, 4}, tiles);
  for (unsigned base : {0u, 4u, 8u, 12u}) {
    SmallVector<unsigned> group = chipsAlongAxis(q, {4, 4}, 1, base);
    for (unsigned i = 0; i < 4; ++i)
      EXPECT_EQ(slice.hops(group[i], group[(i + 1) % 4]), 1u) << base;
  }
  EXPECT_NE(tiles.str().find("a1=x2*y2 snake"), std::string::npos)
      << tiles.str();
}

// Every split of every axis is enumerated: a 4-way axis on 4x8 may be 4 on
// x, 4 on y, or a 2x2 tile.
TEST(BlockEmbeddingTest, EnumeratesEverySplit) {
  Slice slice = parseSlice("v5e:4x8");
  std::vector<BlockEmbedding> all =
      enumerateBlockEmbeddings(slice, {8, 4}, 100000);
  std::set<std::string> axis1;
  for (const BlockEmbedding &e : all) {
    std::string parts;
    for (const AxisPart &p : e.parts[1])
      parts += std::string(1, "xyz"[p.dim]) + std::to_string(p.size);
    axis1.insert(parts);
  }
  for (const char *expected : {"x4", "y4", "x2y2", "y2x2"})
    EXPECT_TRUE(axis1.count(expected)) << expected;
  // A limit spreads the enumeration, never exceeding it.
  EXPECT_LE(enumerateBlockEmbeddings(slice, {8, 4}, 50).size(), 50u);
}

// The 4-way all-to-all groups of a {8, 4} mesh on v5e:4x8 land on compact
// 2x2 tiles: the block embeddings find what whole-axis orders cannot.
TEST(BlockEmbeddingTest, FourWayAllToAllGetsTwoByTwoTiles) {
  Slice slice = parseSlice("v5e:4x8");
  std::vector<WeightedCollective> step = {
      overAxis(CollectiveKind::AllToAll, {8, 4}, 1, 64 * kMiB)};
  SearchOptions options;
  options.localSearchEvaluations = 0;
  SearchResult found = searchPlacements(slice, {8, 4}, step, {}, options);
  ASSERT_FALSE(found.ranked.empty());
  const Placement &best = found.ranked[0].placement;
  for (unsigned base = 0; base < 32; base += 4) {
    std::set<int> xs, ys;
    for (unsigned chip : chipsAlongAxis(best, {8, 4}, 1, base)) {
      xs.insert(slice.coordsOf(chip)[0]);
      ys.insert(slice.coordsOf(chip)[1]);
    }
    EXPECT_EQ(xs.size(), 2u) << found.ranked[0].origin;
    EXPECT_EQ(ys.size(), 2u) << found.ranked[0].origin;
  }
  // No whole-axis embedding reaches it.
  for (const auto &[source, score] : found.bestBySource)
    if (source == "structured")
      EXPECT_TRUE(found.ranked[0].score < score);
}

// The plan does not depend on how device ids are labelled: the same slice
// with other ids (a topology file's) gives the same step within 1%. The
// seeds (the baselines) do depend on the labels.
TEST(PlacementSearchTest, PlanIndependentOfDeviceLabels) {
  Slice slice = parseSlice("v5e:4x8");
  llvm::SmallVector<int64_t> mesh = {2, 4, 4};
  std::vector<WeightedCollective> step = {
      overAxis(CollectiveKind::AllGather, mesh, 2, 8 * kMiB, 40),
      overAxis(CollectiveKind::ReduceScatter, mesh, 1, 16 * kMiB, 40),
      overAxis(CollectiveKind::AllToAll, mesh, 1, 4 * kMiB, 80),
      overAxis(CollectiveKind::AllReduce, mesh, 0, 2 * kMiB, 1)};
  Placement plain = Placement::defaultFor(slice);
  // Ids relabelled: device i now names the chip of 31 - i, 5 * i mod 32...
  SmallVector<unsigned> relabel(32);
  for (unsigned i = 0; i < 32; ++i)
    relabel[i] = (7 * i + 3) % 32;
  Placement other = plain.permuted(relabel);
  auto plan = [&](const Placement &assignment) {
    std::vector<RankedPlacement> seeds = {
        {assignment, {}, "sorted ids"},
        {assignment.permuted(assignment.jaxListOrder()), {}, "jax.devices()"}};
    SearchOptions options;
    options.localSearchEvaluations = 4000;
    return searchPlacements(slice, mesh, step, seeds, options)
        .ranked[0]
        .score.seconds;
  };
  double a = plan(plain), b = plan(other);
  EXPECT_NEAR(a, b, 0.01 * a);
}

// Annealing's incremental re-pricing ends in the exact price.
TEST(PlacementSearchTest, AnnealedScoreIsExact) {
  Slice slice = parseSlice("v5p:2x2x2:devices-per-chip=2");
  llvm::SmallVector<int64_t> mesh = {4, 4};
  std::vector<WeightedCollective> step = {
      overAxis(CollectiveKind::AllGather, mesh, 1, 8 * kMiB, 3),
      overAxis(CollectiveKind::AllToAll, mesh, 0, 4 * kMiB, 2),
      ringPermute(16, kMiB)};
  Placement start = Placement::defaultFor(slice);
  RankedPlacement seed{start, scorePlacement(slice, start, step), "start"};
  SearchOptions options;
  options.localSearchEvaluations = 3000;
  SearchResult found = searchPlacements(slice, {1}, step, {seed}, options);
  ASSERT_FALSE(found.ranked.empty());
  EXPECT_DOUBLE_EQ(found.ranked[0].score.seconds,
                   scorePlacement(slice, found.ranked[0].placement, step)
                       .seconds);
  EXPECT_LE(found.ranked[0].score.seconds, seed.score.seconds);
}

// The best of random placements and the step's lower bound frame the plan.
TEST(PlacementSearchTest, RandomAndLowerBoundFrameThePlan) {
  Slice slice = parseSlice("v5e:2x4");
  llvm::SmallVector<int64_t> mesh = {2, 4};
  std::vector<WeightedCollective> step = {
      overAxis(CollectiveKind::AllGather, mesh, 1, 8 * kMiB, 2),
      overAxis(CollectiveKind::AllReduce, mesh, 0, 4 * kMiB)};
  SearchResult found = searchPlacements(slice, mesh, step, {});
  RankedPlacement random = bestRandomPlacement(slice, step, 1000);
  double bound = stepLowerBoundSeconds(slice, step);
  EXPECT_GT(bound, 0);
  EXPECT_LE(bound, found.ranked[0].score.seconds);
  EXPECT_FALSE(random.score < found.ranked[0].score);
}

} // namespace
