//===- CandidatesTest.cpp - Candidate enumeration, estimates, pruning -----===//
//
// The generic test chip: 1e14 FLOP/s, 1e12 B/s of HBM bandwidth, 16e9 B of
// HBM, 1e10 B/s per ICI link and direction, 1 us per hop. FLOPs, bytes and
// memory below are worked out by hand; collective times are checked against
// the cost model on the spec the estimate must build (the model's own
// numbers are tested in unittests/Cost).
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Planner/Candidates.h"

#include "TestSupport/TestSlices.h"

#include "gtest/gtest.h"

using namespace aoizora;
using namespace aoizora::planner;
using namespace llvm;

namespace {

const auto slice = test::parseTestSlice;

ShardingState st(std::initializer_list<AxisList> dims) {
  ShardingState s;
  for (const AxisList &d : dims)
    s.dims.push_back(d);
  return s;
}

using Groups = SmallVector<SmallVector<unsigned, 16>, 4>;

TEST(Candidates, EnumeratesEveryFactorisation) {
  sharding::Mesh mesh;
  mesh.axes = {{"x", 2}, {"y", 4}};
  std::vector<Candidate> c = cantFail(enumerateCandidates(mesh, 8));
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0].label(mesh), "x=1,y=8");
  EXPECT_EQ(c[1].label(mesh), "x=2,y=4");
  EXPECT_TRUE(c[1].isModuleMesh);
  EXPECT_FALSE(c[0].isModuleMesh);
  EXPECT_EQ(c[3].label(mesh), "x=8,y=1");
  // Three axes on 16 devices: C(4+2, 2) = 15 ordered factorisations.
  mesh.axes = {{"cfg", 2}, {"sp", 4}, {"tp", 2}};
  EXPECT_EQ(cantFail(enumerateCandidates(mesh, 16)).size(), 15u);
}

TEST(Candidates, GroupsOverAxes) {
  sharding::Mesh mesh;
  mesh.axes = {{"a", 2}, {"b", 4}};
  // Device = 4a + b.
  EXPECT_EQ(groupsOverAxes(mesh, {"b"}),
            (Groups{{0, 1, 2, 3}, {4, 5, 6, 7}}));
  EXPECT_EQ(groupsOverAxes(mesh, {"a"}),
            (Groups{{0, 4}, {1, 5}, {2, 6}, {3, 7}}));
  EXPECT_EQ(groupsOverAxes(mesh, {"a", "b"}),
            (Groups{{0, 1, 2, 3, 4, 5, 6, 7}}));
  // device_ids: position p holds device ids[p].
  mesh.deviceIds = {7, 6, 5, 4, 3, 2, 1, 0};
  EXPECT_EQ(groupsOverAxes(mesh, {"b"}),
            (Groups{{7, 6, 5, 4}, {3, 2, 1, 0}}));
  mesh.deviceIds.clear();
  EXPECT_EQ(axesOfGroups(mesh, Groups{{0, 4}, {5, 1}, {2, 6}, {3, 7}}),
            AxisList{"a"});
  EXPECT_EQ(axesOfGroups(mesh, Groups{{0, 1}, {2, 3}, {4, 5}, {6, 7}}),
            std::nullopt);
}

/// x[1024, 1024] (sharded on x) . w[1024, 1024] (replicated), result
/// annotated replicated, bf16, on a mesh [x, y].
struct DotGraph {
  TensorGraph g;
  DotGraph() {
    g.mesh.axes = {{"x", 4}, {"y", 1}};
    unsigned x = g.addTensor({"%x", {1024, 1024}, 2, true}, st({{"x"}, {}}));
    unsigned w = g.addTensor({"%w", {1024, 1024}, 2, true});
    unsigned d = g.addTensor({"%d", {1024, 1024}, 2, false});
    unsigned r = g.addTensor({"%r", {1024, 1024}, 2, false});
    Op dot;
    dot.kind = OpKind::DotGeneral;
    dot.name = "stablehlo.dot_general";
    dot.operands = {x, w};
    dot.results = {d};
    dot.lhsContract = {1};
    dot.rhsContract = {0};
    g.addOp(dot);
    Op ret;
    ret.kind = OpKind::Constraint;
    ret.name = "func.return";
    ret.operands = {d};
    ret.results = {r};
    ret.targets = {st({{}, {}})};
    g.addOp(ret);
  }
};

TEST(Estimate, DotAndAllGatherByHand) {
  DotGraph dg;
  PropagationResult res = propagate(dg.g);
  Slice s = slice("generic:4");
  Placement p = Placement::defaultFor(s);
  std::vector<Candidate> cands = cantFail(enumerateCandidates(dg.g.mesh, 4));
  ASSERT_EQ(cands.size(), 3u); // x=1,y=4  x=2,y=2  x=4,y=1

  // x=4: FLOPs 2 * 256 * 1024 * 1024 = 536870912 -> 5.36870912 us at 1e14
  // and 0.65 of it (a matmul, Cost/Efficiency.h): 8.2595525 us; bytes
  // 256*1024*2 + 1024*1024*2 + 256*1024*2 = 3145728 -> 3.145728 us at 1e12
  // and 3.745 us at 0.84 of it: compute bound. Parameters 524288 + 2097152 = 2621440; the live
  // set of the dot is its result (operands are parameters), 524288.
  EstimateOptions sequential;
  sequential.overlap = OverlapMode::None;
  CandidateEstimate e =
      estimateCandidate(dg.g, res, cands[2], s, p, sequential);
  EXPECT_FALSE(e.rejected) << e.rejectReason;
  EXPECT_DOUBLE_EQ(e.flops, 536870912.0);
  EXPECT_DOUBLE_EQ(e.hbmBytes, 3145728.0);
  EXPECT_DOUBLE_EQ(e.computeSeconds, 5.36870912e-6 / 0.65);
  EXPECT_DOUBLE_EQ(e.parameterBytes, 2621440.0);
  EXPECT_DOUBLE_EQ(e.activationBytes, 524288.0);
  // The result is gathered over x: output buffer = the whole 2 MiB.
  ASSERT_EQ(e.collectives.size(), 1u);
  EXPECT_EQ(e.collectives[0].kind, ReshardKind::AllGather);
  EXPECT_EQ(e.collectives[0].groupSize, 4);
  EXPECT_DOUBLE_EQ(e.collectives[0].bytes, 2097152.0);
  CollectiveSpec spec;
  spec.kind = CollectiveKind::AllGather;
  spec.bytes = 2097152;
  spec.groups = {{0, 1, 2, 3}};
  EXPECT_DOUBLE_EQ(e.commSeconds, estimateCollective(s, p, spec).seconds);
  EXPECT_DOUBLE_EQ(e.commLowerBoundSeconds, lowerBoundSeconds(s, spec));
  EXPECT_DOUBLE_EQ(e.totalSeconds, e.computeSeconds + e.commSeconds);
  EXPECT_DOUBLE_EQ(e.lowerBoundSeconds,
                   e.computeSeconds + e.commLowerBoundSeconds);

  // x=2, y=2: groups over x are {0,2} and {1,3} (device = 2x + y); FLOPs
  // 2 * 512 * 1024 * 1024 = 1073741824.
  e = estimateCandidate(dg.g, res, cands[1], s, p, {});
  EXPECT_DOUBLE_EQ(e.flops, 1073741824.0);
  spec.groups = {{0, 2}, {1, 3}};
  EXPECT_DOUBLE_EQ(e.commSeconds, estimateCollective(s, p, spec).seconds);

  // x=1: nothing is sharded, no collective (groups of one device);
  // FLOPs 2 * 1024^3 = 2147483648 -> 21.47483648 us at peak, / 0.65.
  e = estimateCandidate(dg.g, res, cands[0], s, p, {});
  EXPECT_DOUBLE_EQ(e.flops, 2147483648.0);
  EXPECT_TRUE(e.collectives.empty());
  EXPECT_DOUBLE_EQ(e.totalSeconds, 21.47483648e-6 / 0.65);
  // At peak (every efficiency 1), the bare roofline.
  EstimateOptions peak;
  peak.efficiency = {1.0, 1.0, 1.0};
  e = estimateCandidate(dg.g, res, cands[0], s, p, peak);
  EXPECT_DOUBLE_EQ(e.totalSeconds, 21.47483648e-6);

  // Overlap full: max instead of the sum.
  EstimateOptions overlap;
  overlap.overlap = OverlapMode::Full;
  e = estimateCandidate(dg.g, res, cands[2], s, p, overlap);
  EXPECT_DOUBLE_EQ(e.totalSeconds, std::max(e.computeSeconds, e.commSeconds));
  // Async: the all-gather of the dot's result runs after the dot, and
  // nothing else computes, so it hides nothing: compute + comm.
  overlap.overlap = OverlapMode::Async;
  e = estimateCandidate(dg.g, res, cands[2], s, p, overlap);
  EXPECT_DOUBLE_EQ(e.totalSeconds, e.computeSeconds + e.commSeconds);
}

TEST(Estimate, DivisibilityRejectsOrPads) {
  TensorGraph g;
  g.mesh.axes = {{"x", 2}, {"y", 2}};
  g.addTensor({"%a", {6, 8}, 4, true}, st({{"x"}, {}}));
  PropagationResult res = propagate(g);
  Slice s = slice("generic:4");
  Placement p = Placement::defaultFor(s);
  Candidate c;
  c.sizes = {4, 1};
  CandidateEstimate e = estimateCandidate(g, res, c, s, p, {});
  EXPECT_TRUE(e.rejected);
  EXPECT_EQ(e.rejectReason,
            "dimension 0 of %a (size 6) is not divisible by x=4");
  EstimateOptions pad;
  pad.allowPadding = true;
  e = estimateCandidate(g, res, c, s, p, pad);
  EXPECT_FALSE(e.rejected);
  ASSERT_EQ(e.paddings.size(), 1u);
  EXPECT_EQ(e.paddings[0], "dimension 0 of %a (size 6) is not divisible by "
                           "x=4: padded to 8");
  // ceil(6/4) = 2 rows of 8 f32: 64 bytes.
  EXPECT_DOUBLE_EQ(e.parameterBytes, 64.0);
}

TEST(Estimate, ReplicatedBigWeightIsRejectedOnMemory) {
  TensorGraph g;
  g.mesh.axes = {{"x", 4}, {"y", 1}};
  // 65536 x 131072 bf16 = 17179869184 B = 16 GiB > 16e9 B of generic HBM.
  g.addTensor({"%w", {65536, 131072}, 2, true}, st({{"x"}, {}}));
  PropagationResult res = propagate(g);
  Slice s = slice("generic:4");
  Placement p = Placement::defaultFor(s);
  std::vector<Candidate> cands = cantFail(enumerateCandidates(g.mesh, 4));
  CandidateEstimate replicated = estimateCandidate(g, res, cands[0], s, p, {});
  EXPECT_TRUE(replicated.rejected);
  EXPECT_EQ(replicated.rejectReason,
            "needs 17179869184 bytes per device (parameters 17179869184 + "
            "activations 0), HBM holds 16000000000");
  CandidateEstimate sharded = estimateCandidate(g, res, cands[2], s, p, {});
  EXPECT_FALSE(sharded.rejected);
  EXPECT_DOUBLE_EQ(sharded.parameterBytes, 4294967296.0);
}

TEST(Estimate, ManualAxesKeepTheirSize) {
  TensorGraph g;
  g.mesh.axes = {{"x", 2}, {"y", 2}};
  g.fixedAxes = {"x"};
  PropagationResult res = propagate(g);
  Slice s = slice("generic:4");
  Placement p = Placement::defaultFor(s);
  Candidate c;
  c.sizes = {4, 1};
  CandidateEstimate e = estimateCandidate(g, res, c, s, p, {});
  EXPECT_TRUE(e.rejected);
  EXPECT_NE(e.rejectReason.find("manual axis \"x\" must keep size 2"),
            std::string::npos);
  c.sizes = {2, 2};
  EXPECT_FALSE(estimateCandidate(g, res, c, s, p, {}).rejected);
}

TEST(Estimate, LoopMultiplierScalesEverything) {
  DotGraph dg;
  for (Op &op : dg.g.ops)
    op.multiplier = 40;
  PropagationResult res = propagate(dg.g);
  Slice s = slice("generic:4");
  Placement p = Placement::defaultFor(s);
  Candidate c;
  c.sizes = {4, 1};
  c.isModuleMesh = true;
  CandidateEstimate e = estimateCandidate(dg.g, res, c, s, p, {});
  EXPECT_DOUBLE_EQ(e.flops, 40 * 536870912.0);
  ASSERT_EQ(e.collectives.size(), 1u);
  EXPECT_DOUBLE_EQ(e.collectives[0].count, 40);
  EXPECT_DOUBLE_EQ(e.collectives[0].bytes, 40 * 2097152.0);
  // Memory does not scale: the same buffers are reused.
  EXPECT_DOUBLE_EQ(e.activationBytes, 524288.0);
}

TEST(Prune, KeepsLowerBoundsWithinRatioOfBest) {
  std::vector<CandidateScore> scores = {{1.0, 0.8, false},
                                        {1.4, 1.2, false},
                                        {2.0, 1.6, false},
                                        {0.5, 0.5, true},
                                        {1.2, 1.5, false}};
  // Best feasible estimate 1.0; keep lower bounds <= 1.5: #0, #1, #4,
  // ranked by estimate: 0 (1.0), 4 (1.2), 1 (1.4).
  PruneOptions opts;
  EXPECT_EQ(pruneCandidates(scores, opts), (std::vector<unsigned>{0, 4, 1}));
  opts.maxSurvivors = 2;
  EXPECT_EQ(pruneCandidates(scores, opts), (std::vector<unsigned>{0, 4}));
  opts.keepWithin = 1.0;
  opts.maxSurvivors = 0;
  EXPECT_EQ(pruneCandidates(scores, opts), (std::vector<unsigned>{0}));
}

} // namespace

TEST(Estimate, AsyncOverlapByHand) {
  // Three ops computing 3, 4 and 2 (seconds, for round numbers). A weight
  // all-gather of 5 feeds op 1 and its input is an argument (ready at the
  // start); a reshard of op 0's result taking 1 feeds op 2.
  CandidateEstimate e;
  e.opComputeSeconds = {3, 4, 2};
  e.schedule = {{-1, 1, 5}, {0, 2, 1}};
  e.computeSeconds = 9;
  e.commSeconds = 6;
  // Async: op 0 runs [0, 3] while the gather runs [0, 5]; op 1 waits for it,
  // [5, 9]; the reshard starts when the ICI is free and op 0 is done,
  // max(5, 3) = 5, ends at 6; op 2 runs [9, 11].
  EXPECT_DOUBLE_EQ(e.stepSeconds(OverlapMode::Async), 11);
  EXPECT_DOUBLE_EQ(e.stepSeconds(OverlapMode::None), 15);
  EXPECT_DOUBLE_EQ(e.stepSeconds(OverlapMode::Full), 9);
  // Communication twice as slow (a worse placement): gather [0, 10], op 1
  // [10, 14], reshard [10, 12], op 2 [14, 16].
  EXPECT_DOUBLE_EQ(e.stepSeconds(OverlapMode::Async, 2), 16);
  // A collective nothing waits for long: the reshard alone, 1, beside op 1.
  e.schedule = {{0, 2, 1}};
  EXPECT_DOUBLE_EQ(e.stepSeconds(OverlapMode::Async), 9);
  EXPECT_EQ(parseOverlapMode("async"), OverlapMode::Async);
  EXPECT_EQ(parseOverlapMode("eager"), std::nullopt);
}

TEST(Candidates, CountsOrderedFactorisations) {
  EXPECT_EQ(countSizeAssignments(3, 16), 15);
  EXPECT_EQ(countSizeAssignments(2, 8), 4);
  EXPECT_EQ(countSizeAssignments(1, 12), 1);
  EXPECT_EQ(countSizeAssignments(0, 1), 1);
  // 2000 axes over 8 devices: C(2002, 3), far too many to list.
  EXPECT_EQ(countSizeAssignments(2000, 8), int64_t(2002) * 2001 * 2000 / 6);
  EXPECT_EQ(countSizeAssignments(5000, int64_t(1) << 20),
            std::numeric_limits<int64_t>::max());
}

TEST(Candidates, SizeOneAxesStayOneBeyondTheLimit) {
  // Many size-1 axes: C(n+2, 3) candidates if they were free; they shard
  // nothing, so they are pinned and only the real axes vary.
  sharding::Mesh mesh;
  for (int i = 0; i < 2000; ++i)
    mesh.axes.push_back({"u" + std::to_string(i), 1});
  mesh.axes.push_back({"x", 2});
  mesh.axes.push_back({"y", 4});
  std::vector<Candidate> c = cantFail(enumerateCandidates(mesh, 8));
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0].sizes.back(), 8);
  EXPECT_EQ(
      llvm::count_if(c, [](const Candidate &x) { return x.isModuleMesh; }), 1);
}

TEST(Candidates, TooManyCandidatesIsAnError) {
  sharding::Mesh mesh;
  for (int i = 0; i < 20; ++i)
    mesh.axes.push_back({"a" + std::to_string(i), 2});
  llvm::Expected<std::vector<Candidate>> c =
      enumerateCandidates(mesh, int64_t(1) << 20);
  ASSERT_FALSE(c);
  EXPECT_NE(toString(c.takeError()).find("more than the limit of 100000"),
            std::string::npos);
}
