//===- AttentionTest.cpp - Attention pattern matcher and fused pricing ----===//
//
// Graphs in the forms JAX emits (jax.nn.dot_product_attention's XLA path,
// the normalise-later form of ring attention, a causal mask) must match;
// near misses (no softmax, the wrong contraction, other batch dims, a sum
// over the wrong dim, scores read elsewhere) must not. The fused price is
// worked out by hand on the generic chip (1e14 FLOP/s, 1e12 B/s HBM).
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Planner/Attention.h"
#include "AoiZora/Planner/Candidates.h"

#include "TestSupport/TestSlices.h"

#include "gtest/gtest.h"

#include <functional>

using namespace aoizora;
using namespace aoizora::planner;

namespace {

/// q, k, v [B=2, S=64, H=4, D=16] in JAX's [B,T,N,H] layout; scores
/// [2,4,64,64].
constexpr int64_t B = 2, S = 64, H = 4, D = 16;

struct Graph {
  TensorGraph g;
  unsigned q, k, v;

  Graph() {
    g.mesh.axes = {{"x", 1}};
    g.meshName = "mesh";
    q = arg({B, S, H, D});
    k = arg({B, S, H, D});
    v = arg({B, S, H, D});
  }
  unsigned arg(llvm::ArrayRef<int64_t> shape) {
    Tensor t;
    t.name = "%arg" + std::to_string(g.tensors.size());
    t.shape.assign(shape.begin(), shape.end());
    t.elementBytes = 2;
    t.isParameter = true;
    return g.addTensor(t);
  }
  unsigned op(OpKind kind, llvm::StringRef name,
              llvm::ArrayRef<unsigned> operands, llvm::ArrayRef<int64_t> shape,
              std::function<void(Op &)> fill = {}) {
    Tensor t;
    t.name = "%" + std::to_string(g.tensors.size());
    t.shape.assign(shape.begin(), shape.end());
    t.elementBytes = 2;
    unsigned r = g.addTensor(t);
    Op o;
    o.kind = kind;
    o.name = ("stablehlo." + name).str();
    o.operands.assign(operands.begin(), operands.end());
    o.results = {r};
    if (fill)
      fill(o);
    g.addOp(o);
    return r;
  }
  unsigned ew(llvm::StringRef name, llvm::ArrayRef<unsigned> operands) {
    return op(OpKind::Elementwise, name, operands, g.tensors[operands[0]].shape);
  }
  unsigned constant() { return op(OpKind::Source, "constant", {}, {}); }
  unsigned broadcast(unsigned x, llvm::ArrayRef<int64_t> shape,
                     llvm::ArrayRef<int64_t> dims) {
    return op(OpKind::BroadcastInDim, "broadcast_in_dim", {x}, shape,
              [&](Op &o) { o.dimensions.assign(dims.begin(), dims.end()); });
  }
  unsigned reduce(unsigned x, llvm::StringRef reducer, int64_t dim) {
    llvm::SmallVector<int64_t, 4> shape;
    for (auto [i, d] : llvm::enumerate(g.tensors[x].shape))
      if (int64_t(i) != dim)
        shape.push_back(d);
    unsigned init = constant();
    return op(OpKind::Reduce, "reduce", {x, init}, shape, [&](Op &o) {
      o.dimensions = {dim};
      o.reducer = reducer.str();
    });
  }
  /// q·k^T: batch (B, H), contracting D -> [B,H,S,S].
  unsigned scores() {
    return op(OpKind::DotGeneral, "dot_general", {q, k}, {B, H, S, S},
              [](Op &o) {
                o.lhsBatch = {0, 2};
                o.rhsBatch = {0, 2};
                o.lhsContract = {3};
                o.rhsContract = {3};
              });
  }
  /// p·v: batch (B, H), contracting the key dim -> [B,H,S,D].
  unsigned output(unsigned p, llvm::SmallVector<int64_t, 2> lhsBatch = {0, 1},
                  llvm::SmallVector<int64_t, 2> lhsContract = {3}) {
    llvm::SmallVector<int64_t, 4> shape{B, H, S, D};
    if (lhsBatch.size() != 2)
      shape = {B, H, S, H, D};
    return op(OpKind::DotGeneral, "dot_general", {p, v}, shape, [&](Op &o) {
      o.lhsBatch = lhsBatch;
      o.rhsBatch = lhsBatch.size() == 2 ? llvm::SmallVector<int64_t, 2>{0, 2}
                                        : llvm::SmallVector<int64_t, 2>{0};
      o.lhsContract = lhsContract;
      o.rhsContract = {1};
    });
  }
  /// Broadcast of a row statistic [B,H,S] back to the scores' shape.
  unsigned rowBack(unsigned row) {
    unsigned one = broadcast(row, {B, H, S, 1}, {0, 1, 2});
    return broadcast(one, {B, H, S, S}, {0, 1, 2, 3});
  }
  /// jax.nn.softmax over the key dim of \p x: max, subtract, exp, sum,
  /// divide. Returns the probabilities.
  unsigned softmax(unsigned x, int64_t sumDim = 3) {
    unsigned mx = reduce(x, "maximum", 3);
    unsigned shifted = ew("subtract", {x, rowBack(mx)});
    unsigned e = ew("exponential", {shifted});
    unsigned sum = reduce(e, "add", sumDim);
    unsigned back = sumDim == 3
                        ? rowBack(sum)
                        : broadcast(broadcast(sum, {B, H, 1, S}, {0, 1, 3}),
                                    {B, H, S, S}, {0, 1, 2, 3});
    return ew("divide", {e, back});
  }
  /// jax.nn.dot_product_attention's XLA form: scale, softmax, convert.
  unsigned dotProductAttention() {
    unsigned s = scores();
    unsigned scaled = ew("multiply", {s, broadcast(constant(), {B, H, S, S}, {})});
    unsigned p = ew("convert", {softmax(scaled)});
    return output(p);
  }
};

TEST(Attention, MatchesJaxDotProductAttention) {
  Graph a;
  unsigned o = a.dotProductAttention();
  std::vector<AttentionMatch> m = findAttention(a.g);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(a.g.ops[m[0].output].results[0], o);
  EXPECT_EQ(a.g.ops[m[0].scores].operands[0], a.q);
  EXPECT_FALSE(m[0].causal);
  // Every op but the sources q,k,v come from is folded in: the dots, the
  // scale multiply and its broadcast, both reductions and their
  // broadcasts, subtract, exp, divide, convert (the shared-looking scalar
  // constants are private here too).
  EXPECT_EQ(m[0].members.size(), a.g.ops.size());
}

TEST(Attention, MatchesRingFormNormalisedLater) {
  // exp(s) feeds p·v directly; its row sum leaves the block and divides
  // the output later (ring attention accumulates both over blocks).
  Graph a;
  unsigned e = a.ew("exponential", {a.scores()});
  unsigned sum = a.reduce(e, "add", 3);
  unsigned pv = a.output(e);
  unsigned back = a.broadcast(sum, {B, H, S, D}, {0, 1, 2});
  a.ew("divide", {pv, back});
  std::vector<AttentionMatch> m = findAttention(a.g);
  ASSERT_EQ(m.size(), 1u);
  // The final divide works on the output, outside the kernel.
  EXPECT_EQ(m[0].members.size(), a.g.ops.size() - 2);
}

TEST(Attention, CausalMaskFromIotas) {
  // where(col <= row, s, -inf) with row/col from iotas (jnp.tril).
  Graph a;
  unsigned s = a.scores();
  unsigned row = a.op(OpKind::Source, "iota", {}, {S, S});
  unsigned col = a.op(OpKind::Source, "iota", {}, {S, S});
  unsigned mask = a.ew("compare", {row, col});
  unsigned maskb = a.broadcast(mask, {B, H, S, S}, {2, 3});
  unsigned neg = a.broadcast(a.constant(), {B, H, S, S}, {});
  unsigned masked = a.op(OpKind::Elementwise, "select", {maskb, s, neg},
                         {B, H, S, S});
  a.output(a.softmax(masked));
  std::vector<AttentionMatch> m = findAttention(a.g);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_TRUE(m[0].causal);
}

TEST(Attention, NearMissWithoutExponential) {
  // Two chained dots normalised by a sum are not a softmax.
  Graph a;
  unsigned s = a.scores();
  unsigned sum = a.reduce(s, "add", 3);
  a.output(a.ew("divide", {s, a.rowBack(sum)}));
  EXPECT_TRUE(findAttention(a.g).empty());
}

TEST(Attention, NearMissExponentialWithoutRowSum) {
  Graph a;
  a.output(a.ew("exponential", {a.scores()}));
  EXPECT_TRUE(findAttention(a.g).empty());
}

TEST(Attention, NearMissSumOverQueries) {
  // Normalised over the query dim (2), not the keys.
  Graph a;
  a.output(a.softmax(a.scores(), /*sumDim=*/2));
  EXPECT_TRUE(findAttention(a.g).empty());
}

TEST(Attention, NearMissContractsQueries) {
  // p·v contracting the query dim of the scores.
  Graph a;
  a.output(a.softmax(a.scores()), {0, 1}, {2});
  EXPECT_TRUE(findAttention(a.g).empty());
}

TEST(Attention, NearMissOtherBatchDims) {
  // p·v batches over B only: the heads are not the scores' heads.
  Graph a;
  a.output(a.softmax(a.scores()), {0}, {3});
  EXPECT_TRUE(findAttention(a.g).empty());
}

TEST(Attention, NearMissScoresReadElsewhere) {
  // The program keeps the probabilities (e.g. returns them): they are
  // really materialised, so nothing is fused.
  Graph a;
  unsigned p = a.softmax(a.scores());
  a.output(p);
  a.ew("negate", {p});
  EXPECT_TRUE(findAttention(a.g).empty());
}

TEST(Attention, KernelNames) {
  EXPECT_TRUE(isAttentionKernel("tpu_custom_call", "splash_mha_fwd_residuals"));
  EXPECT_TRUE(isAttentionKernel("tpu_custom_call", "flash_attention"));
  EXPECT_FALSE(isAttentionKernel("tpu_custom_call", "splash_mha_dkv_no_residuals"));
  EXPECT_FALSE(isAttentionKernel("tpu_custom_call", "dma_kernel"));
  EXPECT_TRUE(isAttentionKernel("__cudnn$fmhaSoftmax", ""));
  EXPECT_TRUE(isAttentionKernel("__cudnn$fmhaScaleBiasMaskSoftmax", ""));
  EXPECT_FALSE(isAttentionKernel("__cudnn$fmhaSoftmaxBackward", ""));
  EXPECT_FALSE(isAttentionKernel("my_kernel", "flash_attention"));
}

TEST(Attention, PricedAsOneFusedKernel) {
  Graph a;
  a.dotProductAttention();
  PropagationResult res = propagate(a.g);
  ASSERT_EQ(res.attention.size(), 1u);
  Slice s = test::parseTestSlice("generic:1");
  Placement p = Placement::defaultFor(s);
  Candidate c;
  c.sizes = {1};
  c.isModuleMesh = true;
  EstimateOptions peak;
  peak.efficiency = {1.0, 1.0, 1.0};
  CandidateEstimate e = estimateCandidate(a.g, res, c, s, p, peak);
  // FLOPs 4*B*H*S*S*D = 4*2*4*64*64*16 = 2097152; HBM: q, k, v, o of
  // 2*64*4*16*2 B = 16384 B each = 65536 B (no [2,4,64,64] score buffer,
  // which alone would be 65536 B per pass). 20.97152 ns of compute at
  // 1e14 FLOP/s beats 65.536 ns of HBM at 1e12 B/s: memory bound.
  EXPECT_DOUBLE_EQ(e.flops, 2097152.0);
  EXPECT_DOUBLE_EQ(e.hbmBytes, 65536.0);
  EXPECT_DOUBLE_EQ(e.computeSeconds, 65.536e-9);
  // Working set: the output only (q, k, v are parameters), no scores.
  EXPECT_DOUBLE_EQ(e.activationBytes, 16384.0);
  // Default efficiencies: HBM at 0.84 of its bandwidth.
  e = estimateCandidate(a.g, res, c, s, p, {});
  EXPECT_DOUBLE_EQ(e.computeSeconds, 65.536e-9 / 0.84);
  EXPECT_FALSE(a.g.notes.empty());
}

TEST(Attention, CausalHalvesTheFlops) {
  Graph a;
  unsigned s = a.scores();
  unsigned row = a.op(OpKind::Source, "iota", {}, {S, S});
  unsigned col = a.op(OpKind::Source, "iota", {}, {S, S});
  unsigned maskb =
      a.broadcast(a.ew("compare", {row, col}), {B, H, S, S}, {2, 3});
  unsigned neg = a.broadcast(a.constant(), {B, H, S, S}, {});
  unsigned masked =
      a.op(OpKind::Elementwise, "select", {maskb, s, neg}, {B, H, S, S});
  a.output(a.softmax(masked));
  PropagationResult res = propagate(a.g);
  Slice sl = test::parseTestSlice("generic:1");
  Candidate c;
  c.sizes = {1};
  c.isModuleMesh = true;
  CandidateEstimate e = estimateCandidate(a.g, res, c, sl,
                                          Placement::defaultFor(sl), {});
  EXPECT_DOUBLE_EQ(e.flops, 2097152.0 / 2);
}

TEST(Attention, KernelCustomCallPricedFromOperands) {
  // A splash-style call on [B,H,S,D] operands (plus an int mask operand).
  Graph a;
  unsigned qh = a.arg({B, H, S, D}), kh = a.arg({B, H, S, D}),
           vh = a.arg({B, H, S, D});
  unsigned o = a.op(OpKind::AttentionKernel, "custom_call", {qh, kh, vh},
                    {B, H, S, D}, [](Op &op) { op.kernelOperands = {0, 1, 2}; });
  (void)o;
  PropagationResult res = propagate(a.g);
  EXPECT_EQ(res.attentionKernels, 1u);
  Slice sl = test::parseTestSlice("generic:1");
  Candidate c;
  c.sizes = {1};
  c.isModuleMesh = true;
  CandidateEstimate e = estimateCandidate(a.g, res, c, sl,
                                          Placement::defaultFor(sl), {});
  // The key sequence dim is the larger middle dim (S=64 > H=4).
  EXPECT_DOUBLE_EQ(e.flops, 2097152.0);
  EXPECT_DOUBLE_EQ(e.hbmBytes, 65536.0);
}

} // namespace
