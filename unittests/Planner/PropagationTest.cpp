//===- PropagationTest.cpp - Sharding rules and derived collectives -------===//
//
// Small graphs, one rule each. Every expected sharding and collective is
// worked out by hand in the comment next to it.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Planner/Propagation.h"

#include "gtest/gtest.h"

#include <functional>

using namespace aoizora;
using namespace aoizora::planner;

namespace {

ShardingState st(std::initializer_list<AxisList> dims,
                 AxisList partial = {}) {
  ShardingState s;
  for (const AxisList &d : dims)
    s.dims.push_back(d);
  s.partial = partial;
  return s;
}

struct Builder {
  TensorGraph g;
  Builder() {
    g.mesh.axes = {{"x", 2}, {"y", 4}};
    g.meshName = "mesh";
  }
  unsigned arg(std::initializer_list<int64_t> shape,
               std::optional<ShardingState> s = std::nullopt) {
    Tensor t;
    t.name = "%arg" + std::to_string(g.tensors.size());
    t.shape = shape;
    t.elementBytes = 2;
    t.isParameter = true;
    return g.addTensor(t, s);
  }
  unsigned op(OpKind kind, std::initializer_list<unsigned> operands,
              std::initializer_list<int64_t> shape,
              std::function<void(Op &)> fill = {}) {
    Tensor t;
    t.name = "%" + std::to_string(g.tensors.size());
    t.shape = shape;
    t.elementBytes = 2;
    unsigned r = g.addTensor(t);
    Op o;
    o.kind = kind;
    o.name = std::string("test.") + stringifyOpKind(kind).str();
    o.operands = operands;
    o.results = {r};
    if (fill)
      fill(o);
    g.addOp(o);
    return r;
  }
  unsigned constrain(unsigned in, ShardingState target) {
    Tensor t = g.tensors[in];
    t.name = "%" + std::to_string(g.tensors.size());
    t.isParameter = false;
    unsigned r = g.addTensor(t);
    Op o;
    o.kind = OpKind::Constraint;
    o.name = "test.constraint";
    o.operands = {in};
    o.results = {r};
    o.targets = {target};
    g.addOp(o);
    return r;
  }
};

/// The collectives of a result other than local slices, as "kind axes".
std::vector<std::string> kinds(const PropagationResult &r) {
  std::vector<std::string> out;
  for (const DerivedCollective &c : r.collectives) {
    std::string text = stringifyReshardKind(c.kind).str();
    for (const std::string &a : c.axes)
      text += " " + a;
    out.push_back(text);
  }
  return out;
}

using Strings = std::vector<std::string>;

TEST(ShardingState, Printing) {
  EXPECT_EQ(st({{"x"}, {}}, {"y"}).str(), "[{\"x\"}, {}] partial={\"y\"}");
  EXPECT_EQ(st({{"x", "y"}}).str(), "[{\"x\", \"y\"}]");
}

TEST(Reshard, PartialToReplicatedIsAllReduce) {
  std::vector<DerivedCollective> out;
  deriveReshard(0, 0, st({{}, {}}, {"y"}), st({{}, {}}), 1, "", out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, ReshardKind::AllReduce);
  EXPECT_EQ(out[0].axes, AxisList{"y"});
  EXPECT_EQ(out[0].bytesState, st({{}, {}}, {"y"}));
}

TEST(Reshard, PartialOntoDimIsReduceScatter) {
  std::vector<DerivedCollective> out;
  deriveReshard(0, 0, st({{}, {}}, {"y"}), st({{"y"}, {}}), 1, "", out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, ReshardKind::ReduceScatter);
  // The input buffer: the full partial tensor.
  EXPECT_EQ(out[0].bytesState, st({{}, {}}, {"y"}));
}

TEST(Reshard, MovesGathersSlicesPermutes) {
  std::vector<DerivedCollective> out;
  // x moves dim 0 -> dim 1 (all-to-all on the [{x},{}] buffer), y is
  // dropped from dim 0... here y is new on dim 0: a local slice first.
  deriveReshard(0, 0, st({{"x"}, {}}), st({{"y"}, {"x"}}), 1, "", out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].kind, ReshardKind::LocalSlice);
  EXPECT_EQ(out[0].axes, AxisList{"y"});
  EXPECT_EQ(out[1].kind, ReshardKind::AllToAll);
  EXPECT_EQ(out[1].axes, AxisList{"x"});
  EXPECT_EQ(out[1].bytesState, st({{"x", "y"}, {}}));

  out.clear();
  // Gather y from dim 1: output buffer is [{x},{}].
  deriveReshard(0, 0, st({{"x"}, {"y"}}), st({{"x"}, {}}), 1, "", out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, ReshardKind::AllGather);
  EXPECT_EQ(out[0].bytesState, st({{"x"}, {}}));

  out.clear();
  deriveReshard(0, 0, st({{"x", "y"}}), st({{"y", "x"}}), 1, "", out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, ReshardKind::CollectivePermute);
}

TEST(Propagate, ElementwiseFollowsTheMostShardedOperand) {
  Builder b;
  unsigned a = b.arg({8, 4}, st({{"x"}, {}}));
  unsigned c = b.arg({8, 4}, st({{}, {"x"}}));
  unsigned d = b.arg({8, 4});
  unsigned r = b.op(OpKind::Elementwise, {a, c, d}, {8, 4});
  PropagationResult res = propagate(b.g);
  EXPECT_EQ(res.states[r], st({{"x"}, {}}));
  // c moves x from dim 1 to dim 0; d slices its own shard.
  EXPECT_EQ(kinds(res), (Strings{"all-to-all x", "local-slice x"}));
}

TEST(Propagate, AddOfPartialAndFullIsAllReduced) {
  Builder b;
  unsigned a = b.arg({8, 4}, st({{}, {}}, {"y"}));
  unsigned c = b.arg({8, 4});
  b.op(OpKind::Elementwise, {a, c}, {8, 4},
       [](Op &o) { o.partialRule = PartialRule::Sum; });
  PropagationResult res = propagate(b.g);
  EXPECT_EQ(kinds(res), (Strings{"all-reduce y"}));
}

TEST(Propagate, SumOfPartialsStaysPartial) {
  Builder b;
  unsigned a = b.arg({8, 4}, st({{}, {}}, {"y"}));
  unsigned c = b.arg({8, 4}, st({{}, {}}, {"y"}));
  unsigned r = b.op(OpKind::Elementwise, {a, c}, {8, 4},
                    [](Op &o) { o.partialRule = PartialRule::Sum; });
  PropagationResult res = propagate(b.g);
  EXPECT_TRUE(res.collectives.empty());
  EXPECT_EQ(res.states[r], st({{}, {}}, {"y"}));
}

TEST(Propagate, BroadcastMapsDims) {
  Builder b;
  unsigned a = b.arg({4}, st({{"y"}}));
  unsigned r = b.op(OpKind::BroadcastInDim, {a}, {8, 4},
                    [](Op &o) { o.dimensions = {1}; });
  PropagationResult res = propagate(b.g);
  EXPECT_EQ(res.states[r], st({{}, {"y"}}));
  EXPECT_TRUE(res.collectives.empty());
}

TEST(Propagate, ReshapeSplitsAndMerges) {
  Builder b;
  // [2, 5120] with y on dim 1 -> [2, 40, 128]: y goes to the 40 dim.
  unsigned a = b.arg({2, 5120}, st({{"x"}, {"y"}}));
  unsigned s = b.op(OpKind::Reshape, {a}, {2, 40, 128});
  // And back: the major dim of the group (40) keeps y.
  unsigned m = b.op(OpKind::Reshape, {s}, {2, 5120});
  // A minor dim's axes cannot be merged: [40, 128] with y on 128 gathers.
  unsigned c = b.arg({40, 128}, st({{}, {"y"}}));
  unsigned r = b.op(OpKind::Reshape, {c}, {5120});
  PropagationResult res = propagate(b.g);
  EXPECT_EQ(res.states[s], st({{"x"}, {"y"}, {}}));
  EXPECT_EQ(res.states[m], st({{"x"}, {"y"}}));
  EXPECT_EQ(res.states[r], st({{}}));
  EXPECT_EQ(kinds(res), (Strings{"all-gather y"}));
}

TEST(Propagate, TransposePermutesDims) {
  Builder b;
  unsigned a = b.arg({2, 3, 4}, st({{"x"}, {}, {"y"}}, {}));
  unsigned r = b.op(OpKind::Transpose, {a}, {4, 2, 3},
                    [](Op &o) { o.permutation = {2, 0, 1}; });
  PropagationResult res = propagate(b.g);
  EXPECT_EQ(res.states[r], st({{"y"}, {"x"}, {}}));
}

TEST(Propagate, DotWithShardedContractionIsPartial) {
  Builder b;
  // Megatron row-parallel: [16, 64]{-, y} x [64, 32]{y, -} -> partial y.
  unsigned h = b.arg({16, 64}, st({{"x"}, {"y"}}));
  unsigned w = b.arg({64, 32}, st({{"y"}, {}}));
  unsigned d = b.op(OpKind::DotGeneral, {h, w}, {16, 32}, [](Op &o) {
    o.lhsContract = {1};
    o.rhsContract = {0};
  });
  // The annotation of the result: replicated on y -> all-reduce over y of
  // the [16/x, 32] buffer.
  b.constrain(d, st({{"x"}, {}}));
  PropagationResult res = propagate(b.g);
  EXPECT_EQ(res.states[d], st({{"x"}, {}}, {"y"}));
  EXPECT_EQ(kinds(res), (Strings{"all-reduce y"}));
  EXPECT_EQ(res.collectives[0].bytesState, st({{"x"}, {}}, {"y"}));
  // FLOPs factors: contract 64 over y, lhs free 16 over x, rhs free 32.
  ASSERT_EQ(res.compute.size(), 1u);
  const ComputeItem &item = res.compute[0];
  EXPECT_EQ(item.flopScale, 2);
  ASSERT_EQ(item.flopFactors.size(), 3u);
  EXPECT_EQ(item.flopFactors[0].first, 64);
  EXPECT_EQ(item.flopFactors[0].second, AxisList{"y"});
}

TEST(Propagate, DotGathersAWeightShardedLikeTheActivation) {
  Builder b;
  // FSDP: the activation uses y on its free dim, the weight on its
  // contraction dim: the (smaller) weight is gathered over y.
  unsigned x = b.arg({64, 32}, st({{"y"}, {}}));
  unsigned w = b.arg({32, 16}, st({{"y"}, {}}));
  unsigned d = b.op(OpKind::DotGeneral, {x, w}, {64, 16}, [](Op &o) {
    o.lhsContract = {1};
    o.rhsContract = {0};
  });
  PropagationResult res = propagate(b.g);
  EXPECT_EQ(res.states[d], st({{"y"}, {}}));
  EXPECT_EQ(kinds(res), (Strings{"all-gather y"}));
  EXPECT_EQ(res.collectives[0].tensor, w);
}

TEST(Propagate, DotBatchDims) {
  Builder b;
  // Attention scores: [B, H, S, d] x [B, H, S, d] batch (0,1) contract 3.
  unsigned q = b.arg({2, 8, 16, 4}, st({{"x"}, {"y"}, {}, {}}));
  unsigned k = b.arg({2, 8, 16, 4}, st({{"x"}, {}, {}, {}}));
  unsigned s = b.op(OpKind::DotGeneral, {q, k}, {2, 8, 16, 16}, [](Op &o) {
    o.lhsBatch = {0, 1};
    o.rhsBatch = {0, 1};
    o.lhsContract = {3};
    o.rhsContract = {3};
  });
  PropagationResult res = propagate(b.g);
  EXPECT_EQ(res.states[s], st({{"x"}, {"y"}, {}, {}}));
  // k takes its own head shard: free.
  EXPECT_EQ(kinds(res), (Strings{"local-slice y"}));
}

TEST(Propagate, ReduceMakesPartialSums) {
  Builder b;
  unsigned a = b.arg({8, 4}, st({{"x"}, {"y"}}));
  unsigned init = b.arg({});
  unsigned r = b.op(OpKind::Reduce, {a, init}, {8},
                    [](Op &o) { o.dimensions = {1}; });
  b.constrain(r, st({{"x"}}));
  PropagationResult res = propagate(b.g);
  EXPECT_EQ(res.states[r], st({{"x"}}, {"y"}));
  EXPECT_EQ(kinds(res), (Strings{"all-reduce y"}));
}

TEST(Propagate, ConcatenateGathersTheConcatDim) {
  Builder b;
  unsigned a = b.arg({8, 4}, st({{"x"}, {"y"}}));
  unsigned c = b.arg({8, 4}, st({{"x"}, {}}));
  unsigned r = b.op(OpKind::Concatenate, {a, c}, {8, 8},
                    [](Op &o) { o.dimension = 1; });
  PropagationResult res = propagate(b.g);
  EXPECT_EQ(res.states[r], st({{"x"}, {}}));
  EXPECT_EQ(kinds(res), (Strings{"all-gather y"}));
}

TEST(Propagate, SliceGathersSlicedDims) {
  Builder b;
  unsigned a = b.arg({8, 4}, st({{"x"}, {"y"}}));
  unsigned r = b.op(OpKind::Slice, {a}, {8, 2});
  PropagationResult res = propagate(b.g);
  EXPECT_EQ(res.states[r], st({{"x"}, {}}));
  EXPECT_EQ(kinds(res), (Strings{"all-gather y"}));
}

TEST(Propagate, UnknownOpsGatherEverything) {
  Builder b;
  unsigned a = b.arg({8, 4}, st({{"x"}, {"y"}}));
  unsigned r = b.op(OpKind::Unknown, {a}, {8, 4});
  PropagationResult res = propagate(b.g);
  EXPECT_EQ(res.states[r], st({{}, {}}));
  // One all-gather per dimension.
  EXPECT_EQ(kinds(res), (Strings{"all-gather x", "all-gather y"}));
  // The second gather's output is the full tensor.
  EXPECT_EQ(res.collectives[1].bytesState, st({{}, {}}));
  EXPECT_EQ(res.collectives[0].bytesState, st({{}, {"y"}}));
}

TEST(Propagate, UlyssesConstraintsAreAllToAlls) {
  Builder b;
  unsigned q = b.arg({2, 16, 8, 4}, st({{"x"}, {"y"}, {}, {}}));
  unsigned a = b.constrain(q, st({{"x"}, {}, {"y"}, {}}));
  PropagationResult res = propagate(b.g);
  EXPECT_EQ(res.states[a], st({{"x"}, {}, {"y"}, {}}));
  EXPECT_EQ(kinds(res), (Strings{"all-to-all y"}));
  EXPECT_EQ(res.collectives[0].bytesState, st({{"x"}, {"y"}, {}, {}}));
}

} // namespace
