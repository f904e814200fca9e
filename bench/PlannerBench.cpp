//===- PlannerBench.cpp - Cost of planner stage 1 -------------------------===//
//
// Stage 1 (az-estimate-candidates) propagates a module's shardings once and
// then prices the result for every candidate mesh. These measure the three
// parts on a TensorGraph of DiT blocks built here directly (no MLIR): the
// propagation and one candidate's estimate against the number of ops, and
// the whole candidate sweep of a 4-axis mesh against the number of
// candidates.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Planner/Candidates.h"

#include "BenchSlices.h"

#include "benchmark/benchmark.h"

#include <string>

using namespace aoizora;
using namespace aoizora::planner;

namespace {

/// Wan 2.1 14B at 480p with classifier-free guidance as batch 2: tokens
/// padded to a multiple of 256, 40 heads of 128, FFN 13824, 512 text tokens.
constexpr int64_t kBatch = 2, kTokens = 32768, kModel = 5120, kHeads = 40,
                  kHeadDim = 128, kFfn = 13824, kText = 512;

ShardingState spec(std::initializer_list<AxisList> dims) {
  ShardingState s;
  for (const AxisList &d : dims)
    s.dims.push_back(d);
  return s;
}

/// Builds a graph of DiT blocks under cfg + fsdp + Ulysses + Megatron TP on
/// the mesh [cfg, fsdp, sp, tp]: activations [{cfg}, {fsdp, sp}, {}],
/// weights stored with fsdp on the dimension TP leaves alone and gathered
/// before use, sp moved from tokens to heads around self-attention, K and V
/// gathered over fsdp. The same shape of graph aoizora-wan-gen writes for
/// that strategy, without its embedding and head.
class DitGraphBuilder {
public:
  DitGraphBuilder(int64_t cfg, int64_t fsdp, int64_t sp, int64_t tp) {
    g.mesh.axes = {{"cfg", cfg}, {"fsdp", fsdp}, {"sp", sp}, {"tp", tp}};
    g.meshName = "mesh";
  }

  TensorGraph build(unsigned layers) {
    unsigned x = param({kBatch, kTokens, kModel}, act3());
    unsigned ctx = param({kBatch, kText, kModel}, spec({{"cfg"}, {}, {}}));
    for (unsigned l = 0; l < layers; ++l)
      x = block(x, ctx);
    // The entry result, unannotated: partial sums reduced, nothing moved.
    unsigned r = tensor(shapeOf(x));
    add(OpKind::Constraint, "func.return", {x}, r).targets = {std::nullopt};
    return std::move(g);
  }

private:
  TensorGraph g;

  static ShardingState act3() { return spec({{"cfg"}, {"fsdp", "sp"}, {}}); }
  static ShardingState heads4(AxisList tokens, AxisList heads) {
    return spec({{"cfg"}, tokens, heads, {}});
  }

  unsigned tensor(llvm::ArrayRef<int64_t> shape, bool parameter = false) {
    Tensor t;
    t.name = "%" + std::to_string(g.tensors.size());
    t.shape.assign(shape.begin(), shape.end());
    t.elementBytes = 2;
    t.isParameter = parameter;
    return g.addTensor(std::move(t));
  }
  unsigned param(llvm::ArrayRef<int64_t> shape, ShardingState s) {
    Tensor t;
    t.name = "%arg" + std::to_string(g.tensors.size());
    t.shape.assign(shape.begin(), shape.end());
    t.elementBytes = 2;
    t.isParameter = true;
    return g.addTensor(std::move(t), std::move(s));
  }
  Op &add(OpKind kind, llvm::StringRef name,
          std::initializer_list<unsigned> operands, unsigned result) {
    Op op;
    op.kind = kind;
    op.name = name.str();
    op.origin = g.ops.size();
    op.operands = operands;
    op.results = {result};
    g.addOp(std::move(op));
    return g.ops.back();
  }
  llvm::SmallVector<int64_t, 4> shapeOf(unsigned t) const {
    return g.tensors[t].shape;
  }

  unsigned ew(llvm::StringRef name, std::initializer_list<unsigned> operands,
              PartialRule rule = PartialRule::None) {
    unsigned r = tensor(shapeOf(*operands.begin()));
    add(OpKind::Elementwise, ("stablehlo." + name).str(), operands, r)
        .partialRule = rule;
    return r;
  }
  unsigned constrain(unsigned x, ShardingState target) {
    unsigned r = tensor(shapeOf(x));
    add(OpKind::Constraint, "sdy.sharding_constraint", {x}, r).targets = {
        std::move(target)};
    return r;
  }
  unsigned reshape(unsigned x, llvm::ArrayRef<int64_t> shape) {
    unsigned r = tensor(shape);
    add(OpKind::Reshape, "stablehlo.reshape", {x}, r);
    return r;
  }
  unsigned transpose(unsigned x, llvm::ArrayRef<int64_t> perm) {
    llvm::SmallVector<int64_t, 4> in = shapeOf(x), out;
    for (int64_t p : perm)
      out.push_back(in[p]);
    unsigned r = tensor(out);
    add(OpKind::Transpose, "stablehlo.transpose", {x}, r)
        .permutation.assign(perm.begin(), perm.end());
    return r;
  }
  /// A sum over \p dim; its init value is a scalar constant.
  unsigned reduce(unsigned x, int64_t dim) {
    unsigned zero = tensor({});
    add(OpKind::Source, "stablehlo.constant", {}, zero);
    llvm::SmallVector<int64_t, 4> out = shapeOf(x);
    out.erase(out.begin() + dim);
    unsigned r = tensor(out);
    add(OpKind::Reduce, "stablehlo.reduce", {x, zero}, r).dimensions = {dim};
    return r;
  }
  unsigned broadcast(unsigned x, llvm::ArrayRef<int64_t> shape,
                     llvm::ArrayRef<int64_t> dims) {
    unsigned r = tensor(shape);
    add(OpKind::BroadcastInDim, "stablehlo.broadcast_in_dim", {x}, r)
        .dimensions.assign(dims.begin(), dims.end());
    return r;
  }
  unsigned dot(unsigned lhs, unsigned rhs, llvm::ArrayRef<int64_t> lb,
               llvm::ArrayRef<int64_t> rb, llvm::ArrayRef<int64_t> lc,
               llvm::ArrayRef<int64_t> rc) {
    // Result dims: batch, lhs free, rhs free.
    llvm::SmallVector<int64_t, 4> ls = shapeOf(lhs), rs = shapeOf(rhs), out;
    auto in = [](llvm::ArrayRef<int64_t> list, int64_t d) {
      return llvm::is_contained(list, d);
    };
    for (int64_t d : lb)
      out.push_back(ls[d]);
    for (int64_t d = 0; d < int64_t(ls.size()); ++d)
      if (!in(lb, d) && !in(lc, d))
        out.push_back(ls[d]);
    for (int64_t d = 0; d < int64_t(rs.size()); ++d)
      if (!in(rb, d) && !in(rc, d))
        out.push_back(rs[d]);
    unsigned r = tensor(out);
    Op &op = add(OpKind::DotGeneral, "stablehlo.dot_general", {lhs, rhs}, r);
    op.lhsBatch.assign(lb.begin(), lb.end());
    op.rhsBatch.assign(rb.begin(), rb.end());
    op.lhsContract.assign(lc.begin(), lc.end());
    op.rhsContract.assign(rc.begin(), rc.end());
    return r;
  }

  /// A weight stored for FSDP and gathered to its Megatron sharding.
  unsigned weight(int64_t rows, int64_t cols, bool column) {
    ShardingState stored =
        column ? spec({{"fsdp"}, {"tp"}}) : spec({{"tp"}, {"fsdp"}});
    unsigned w = param({rows, cols}, stored);
    return constrain(w, column ? spec({{}, {"tp"}}) : spec({{"tp"}, {}}));
  }
  unsigned matmul(unsigned x, unsigned w) {
    return dot(x, w, {}, {}, {int64_t(shapeOf(x).size()) - 1}, {0});
  }
  unsigned rmsNorm(unsigned x) {
    llvm::SmallVector<int64_t, 4> shape = shapeOf(x);
    unsigned sq = ew("multiply", {x, x}, PartialRule::Scale);
    unsigned ss = reduce(sq, shape.size() - 1);
    unsigned rs = ew("rsqrt", {ss});
    unsigned rb = broadcast(rs, shape, {0, 1});
    return ew("multiply", {x, rb}, PartialRule::Scale);
  }
  unsigned attention(unsigned q, unsigned k, unsigned v) {
    unsigned s = dot(q, k, {0, 2}, {0, 2}, {3}, {3});
    unsigned e = ew("exponential", {s});
    unsigned den = reduce(e, 3);
    unsigned pv = dot(e, v, {0, 1}, {0, 2}, {3}, {1});
    unsigned db = broadcast(den, shapeOf(pv), {0, 1, 2});
    unsigned o = ew("divide", {pv, db});
    return transpose(o, {0, 2, 1, 3});
  }

  unsigned block(unsigned x, unsigned ctx) {
    const int64_t B = kBatch, S = kTokens, D = kModel, H = kHeads, d = kHeadDim;
    // Self-attention with Ulysses: sp moves from tokens to heads.
    unsigned q = rmsNorm(matmul(x, weight(D, D, true)));
    unsigned k = rmsNorm(matmul(x, weight(D, D, true)));
    unsigned v = matmul(x, weight(D, D, true));
    unsigned q4 =
        constrain(reshape(q, {B, S, H, d}), heads4({"fsdp"}, {"tp", "sp"}));
    unsigned k4 = constrain(reshape(k, {B, S, H, d}), heads4({}, {"tp", "sp"}));
    unsigned v4 = constrain(reshape(v, {B, S, H, d}), heads4({}, {"tp", "sp"}));
    unsigned o4 =
        constrain(attention(q4, k4, v4), heads4({"fsdp", "sp"}, {"tp"}));
    unsigned y = matmul(reshape(o4, {B, S, D}), weight(D, D, false));
    unsigned x1 = ew("add", {x, y}, PartialRule::Sum);
    // Cross-attention to the text context.
    unsigned cq = rmsNorm(matmul(x1, weight(D, D, true)));
    unsigned ck = rmsNorm(matmul(ctx, weight(D, D, true)));
    unsigned cv = matmul(ctx, weight(D, D, true));
    unsigned co4 =
        attention(reshape(cq, {B, S, H, d}), reshape(ck, {B, kText, H, d}),
                  reshape(cv, {B, kText, H, d}));
    unsigned cy = matmul(reshape(co4, {B, S, D}), weight(D, D, false));
    unsigned x2 = ew("add", {x1, cy}, PartialRule::Sum);
    // FFN.
    unsigned h = matmul(x2, weight(D, kFfn, true));
    unsigned t = ew("tanh", {h});
    unsigned gl = ew("multiply", {h, t}, PartialRule::Scale);
    unsigned f = matmul(gl, weight(kFfn, D, false));
    return ew("add", {x2, f}, PartialRule::Sum);
  }
};

/// \p layers blocks on the mesh cfg=2, fsdp=16, sp=4, tp=2 (256 devices).
TensorGraph ditGraph(unsigned layers) {
  return DitGraphBuilder(2, 16, 4, 2).build(layers);
}

/// A module mesh [cfg, fsdp, sp, tp] with \p devices devices.
DitGraphBuilder builderFor(int64_t devices) {
  if (devices <= 16)
    return DitGraphBuilder(2, 2, 2, 2);
  if (devices <= 64)
    return DitGraphBuilder(2, 4, 4, 2);
  return DitGraphBuilder(2, 16, 4, 2);
}

/// Propagation through `range(0)` blocks.
void BM_PlannerPropagate(benchmark::State &state) {
  TensorGraph graph = ditGraph(state.range(0));
  PropagationResult result;
  for (auto _ : state) {
    result = propagate(graph);
    benchmark::DoNotOptimize(result.states.data());
  }
  // The graph must be one the rules follow: no warnings, every tensor given
  // a sharding of its rank.
  if (!graph.warnings.empty())
    state.SkipWithError(graph.warnings.front().message.c_str());
  for (unsigned t = 0; t < graph.tensors.size(); ++t)
    if (result.states[t].rank() != graph.tensors[t].rank())
      state.SkipWithError("a tensor got no sharding of its rank");
  state.counters["ops"] = double(graph.ops.size());
  state.counters["collectives"] = double(result.collectives.size());
  state.SetComplexityN(int64_t(graph.ops.size()));
}

/// The estimate of the module mesh (cfg=2, fsdp=16, sp=4, tp=2) on
/// v5e:16x16 for `range(0)` blocks.
void BM_PlannerEstimateCandidate(benchmark::State &state) {
  TensorGraph graph = ditGraph(state.range(0));
  PropagationResult result = propagate(graph);
  Slice slice = v5eSliceWith(256);
  Placement placement = Placement::defaultFor(slice);
  Candidate own;
  own.isModuleMesh = true;
  for (const sharding::MeshAxis &axis : graph.mesh.axes)
    own.sizes.push_back(axis.size);
  EstimateOptions options;
  options.checkMemory = false;
  for (auto _ : state) {
    CandidateEstimate est =
        estimateCandidate(graph, result, own, slice, placement, options);
    benchmark::DoNotOptimize(est.totalSeconds);
  }
  state.counters["ops"] = double(graph.ops.size());
  state.SetComplexityN(int64_t(graph.ops.size()));
}

/// Every candidate of a 2-block graph on a 4-axis mesh over `range(0)`
/// devices (16: 35 candidates, 64: 84, 256: 165): enumeration plus one
/// estimate each, as az-estimate-candidates does after propagating.
void BM_PlannerAllCandidates(benchmark::State &state) {
  int64_t devices = state.range(0);
  TensorGraph graph = builderFor(devices).build(2);
  PropagationResult result = propagate(graph);
  Slice slice = v5eSliceWith(devices);
  Placement placement = Placement::defaultFor(slice);
  EstimateOptions options;
  options.checkMemory = false;
  size_t count = 0;
  for (auto _ : state) {
    std::vector<Candidate> candidates =
        llvm::cantFail(candidatesOf(graph, devices));
    count = candidates.size();
    for (const Candidate &c : candidates) {
      CandidateEstimate est =
          estimateCandidate(graph, result, c, slice, placement, options);
      benchmark::DoNotOptimize(est.totalSeconds);
    }
  }
  state.counters["candidates"] = double(count);
  state.counters["devices"] = double(devices);
  // Seconds per candidate: pricing one grows with the device count too.
  state.counters["per_candidate"] = benchmark::Counter(
      double(count), benchmark::Counter::kIsIterationInvariantRate |
                         benchmark::Counter::kInvert);
  state.SetComplexityN(int64_t(count));
}

} // namespace

BENCHMARK(BM_PlannerPropagate)
    ->RangeMultiplier(2)
    ->Range(1, 32)
    ->Arg(40)
    ->Unit(benchmark::kMicrosecond)
    ->Complexity();
BENCHMARK(BM_PlannerEstimateCandidate)
    ->RangeMultiplier(2)
    ->Range(1, 32)
    ->Arg(40)
    ->Unit(benchmark::kMicrosecond)
    ->Complexity();
BENCHMARK(BM_PlannerAllCandidates)
    ->Arg(16)
    ->Arg(64)
    ->Arg(256)
    ->Unit(benchmark::kMillisecond)
    ->Complexity();
