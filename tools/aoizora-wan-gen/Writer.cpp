//===- Writer.cpp - The Wan 2.1 DiT forward as StableHLO text ---------------===//
//
// The blocks (self-attention, cross-attention, FFN), the forward function,
// the entry function with classifier-free guidance, and the module around
// them (ref §1.3-1.4 of ../shared/reference/dit-workloads.md).
//
//===----------------------------------------------------------------------===//

#include "Writer.h"

namespace aoizora::wangen {

/// One WanAttentionBlock (ref §1.3 table; LayerNorms and the adaLN
/// modulation are elementwise and communication-free under every strategy
/// here, and are left out).
Val Writer::block(const Val &x, const Val &ctx, const BlockWeights &w) {
  int64_t B = p.B, S = p.S, D = p.model.D, H = p.model.H, d = kHeadDim;
  auto C = WeightRole::Column, R = WeightRole::Row;
  line() << "// self-attention\n";
  Val q = rmsNorm(matmul(x, useWeight(w.wq, C), "q"), "qn");
  Val k = rmsNorm(matmul(x, useWeight(w.wk, C), "k"), "kn");
  Val v = matmul(x, useWeight(w.wv, C), "v");
  Val q4 = reshape(q, {B, S, H, d}, "q4");
  Val k4 = reshape(k, {B, S, H, d}, "k4");
  Val v4 = reshape(v, {B, S, H, d}, "v4");
  Val o4 = selfAttentionCore(q4, k4, v4);
  Val o = reshape(o4, {B, S, D}, "o");
  Val y = matmul(o, useWeight(w.wo, R), "y");
  Val x1 = ew("add", {x, y}, "x");

  line() << "// cross-attention to the text context\n";
  int64_t Lc = ctx.shape[1];
  Val cq = rmsNorm(matmul(x1, useWeight(w.cq, C), "cq"), "cqn");
  Val ck = rmsNorm(matmul(ctx, useWeight(w.ck, C), "ck"), "ckn");
  Val cv = matmul(ctx, useWeight(w.cv, C), "cv");
  Val cq4 = reshape(cq, {B, S, H, d}, "cq4");
  Val ck4 = reshape(ck, {B, Lc, H, d}, "ck4");
  Val cv4 = reshape(cv, {B, Lc, H, d}, "cv4");
  Val co4 = shardedAttention(cq4, ck4, cv4, headSpec(p.tokenAxes(), p.tpAxes()),
                             headSpec({}, p.tpAxes()), /*chunked=*/false,
                             "co4");
  Val co = reshape(co4, {B, S, D}, "co");
  Val cy = matmul(co, useWeight(w.co, R), "cy");
  Val x2 = ew("add", {x1, cy}, "x");

  line() << "// FFN, GELU(tanh)-like\n";
  Val h = matmul(x2, useWeight(w.w1, C), "h");
  Val t = ew("tanh", {h}, "t");
  Val g = ew("multiply", {h, t}, "g");
  Val f = matmul(g, useWeight(w.w2, R), "f");
  return ew("add", {x2, f}, "x");
}

Writer::BlockWeights Writer::sliceLayer(const std::vector<Val> &stacks,
                                        const Val &i) {
  std::vector<Val> w;
  Val zero = constantScalar("0", "i64", "z");
  for (const Val &s : stacks) {
    Shape one = s.shape;
    one[0] = 1;
    Val sl = op("stablehlo.dynamic_slice", {s, i, zero, zero}, one,
                "slice_sizes = " + i64Array(one), "", "wl");
    w.push_back(reshape(sl, {s.shape[1], s.shape[2]}, "w"));
  }
  return {w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9]};
}

/// Weight names, roles and shapes of one block.
struct WeightInfo {
  const char *name;
  bool column;
  bool ffnIn, ffnOut;
};
static const WeightInfo kWeights[10] = {
    {"wq", true, false, false}, {"wk", true, false, false},
    {"wv", true, false, false}, {"wo", false, false, false},
    {"cq", true, false, false}, {"ck", true, false, false},
    {"cv", true, false, false}, {"co", false, false, false},
    {"w1", true, false, true},  {"w2", false, true, false}};

void Writer::forwardFunction() {
  int64_t B = p.B, S = p.S, D = p.model.D, F = p.model.F;
  // Arguments: latent patches, text context, embed/head weights, then the
  // block weights (one per layer, or stacked [L, ...] for --loop).
  std::vector<Val> args;
  args.push_back({"%patches", {B, S, kPatchFeatures}});
  args.push_back({"%context", {B, kTextTokens, D}});
  args.push_back({"%w_embed", {kPatchFeatures, D}});
  args.push_back({"%w_head", {D, kPatchFeatures}});
  auto weightShape = [&](const WeightInfo &info) -> Shape {
    return {info.ffnIn ? F : D, info.ffnOut ? F : D};
  };
  unsigned layerArgs = p.loop ? 1 : unsigned(p.L);
  for (unsigned l = 0; l < layerArgs; ++l)
    for (const WeightInfo &info : kWeights) {
      Shape s = weightShape(info);
      if (p.loop)
        s.insert(s.begin(), p.L);
      std::string name = "%" + std::string(info.name) +
                         (p.loop ? "" : "_l" + std::to_string(l));
      args.push_back({name, s});
    }

  line() << "\"func.func\"() <{function_type = (" << typesOf(args) << ") -> "
         << typeOf(Shape{B, S, kPatchFeatures})
         << ", sym_name = \"dit_forward\", "
         << "sym_visibility = \"private\"}> ({\n";
  line() << "^bb0(";
  for (auto [i, a] : llvm::enumerate(args))
    os << (i ? ", " : "") << a.name << ": " << typeOf(a);
  os << "):\n";
  indent += 2;

  // ref §1.3 step 1: patch embedding as a matmul [B*S, 64] x [64, D].
  Val x = matmul(args[0], args[2], "x");
  Val ctx = args[1];
  auto layerWeights = [&](unsigned l) {
    std::vector<Val> w(args.begin() + 4 + 10 * l, args.begin() + 14 + 10 * l);
    return BlockWeights{w[0], w[1], w[2], w[3], w[4],
                        w[5], w[6], w[7], w[8], w[9]};
  };
  if (!p.loop) {
    for (unsigned l = 0; l < unsigned(p.L); ++l) {
      line() << "// block " << l << "\n";
      x = block(x, ctx, layerWeights(l));
    }
  } else {
    // The stacked weights ride along unchanged; each trip slices its layer.
    std::vector<Val> init{x, ctx};
    for (unsigned k = 0; k < 10; ++k)
      init.push_back(args[4 + k]);
    std::vector<Val> r = countedLoop(
        "layers", p.L, init,
        [&](const Val &i, const std::vector<Val> &carried) {
          std::vector<Val> stacks(carried.begin() + 2, carried.end());
          std::vector<Val> next = carried;
          next[0] = block(carried[0], carried[1], sliceLayer(stacks, i));
          return next;
        });
    x = r[0];
  }
  // ref §1.3 "After the blocks": Linear(D -> 64).
  Val out = matmul(x, args[3], "out");
  line() << "\"func.return\"(" << out.name << ") : (" << typeOf(out)
         << ") -> ()\n";
  indent -= 2;
  line() << "}) : () -> ()\n";
}

void Writer::mainFunction() {
  int64_t B = p.B, S = p.S, D = p.model.D, F = p.model.F;
  struct Arg {
    Val v;
    Spec spec;
  };
  std::vector<Arg> args;
  args.push_back({{"%patches", {B, S, kPatchFeatures}}, activationSpec(3)});
  Spec ctxSpec{p.batchAxes(), {}, {}};
  if (p.twoPass) {
    args.push_back({{"%context_cond", {1, kTextTokens, D}}, ctxSpec});
    args.push_back({{"%context_uncond", {1, kTextTokens, D}}, ctxSpec});
  } else {
    args.push_back({{"%context", {B, kTextTokens, D}}, ctxSpec});
  }
  args.push_back({{"%w_embed", {kPatchFeatures, D}}, {{}, {}}});
  args.push_back({{"%w_head", {D, kPatchFeatures}}, {{}, {}}});
  unsigned firstWeight = unsigned(args.size());
  unsigned layerArgs = p.loop ? 1 : unsigned(p.L);
  for (unsigned l = 0; l < layerArgs; ++l)
    for (const WeightInfo &info : kWeights) {
      Shape s{info.ffnIn ? F : D, info.ffnOut ? F : D};
      Spec spec =
          storedSpec(info.column ? WeightRole::Column : WeightRole::Row);
      if (p.loop) {
        s.insert(s.begin(), p.L);
        spec.insert(spec.begin(), AxisList{});
      }
      args.push_back({{"%" + std::string(info.name) +
                           (p.loop ? "" : "_l" + std::to_string(l)),
                       s},
                      spec});
    }
  Shape outShape{1, S, kPatchFeatures};
  Spec outSpec{{}, p.tokenAxes(), {}};

  line() << "\"func.func\"() <{arg_attrs = [";
  for (auto [i, a] : llvm::enumerate(args))
    os << (i ? ", " : "") << argAttr(a.spec);
  os << "], function_type = (";
  for (auto [i, a] : llvm::enumerate(args))
    os << (i ? ", " : "") << typeOf(a.v);
  os << ") -> " << typeOf(outShape) << ", res_attrs = [" << argAttr(outSpec)
     << "], sym_name = \"main\", sym_visibility = \"public\"}> ({\n";
  line() << "^bb0(";
  for (auto [i, a] : llvm::enumerate(args))
    os << (i ? ", " : "") << a.v.name << ": " << typeOf(a.v);
  os << "):\n";
  indent += 2;

  std::vector<Val> weights;
  for (unsigned i = firstWeight; i < args.size(); ++i)
    weights.push_back(args[i].v);
  auto call = [&](const Val &ctx, StringRef hint) {
    std::vector<Val> operands{args[0].v, ctx, args[p.twoPass ? 3 : 2].v,
                              args[p.twoPass ? 4 : 3].v};
    operands.insert(operands.end(), weights.begin(), weights.end());
    return op("func.call", operands, {B, S, kPatchFeatures},
              "callee = @dit_forward", "", hint);
  };
  // Classifier-free guidance (ref §1.4): uncond + scale * (cond - uncond).
  Val cond, uncond;
  if (p.twoPass) {
    cond = call(args[1].v, "cond");
    uncond = call(args[2].v, "uncond");
  } else {
    Val both = call(args[1].v, "both");
    cond = slice(both, {0, 0, 0}, {1, S, kPatchFeatures}, "cond");
    uncond = slice(both, {1, 0, 0}, {2, S, kPatchFeatures}, "uncond");
  }
  Val diff = ew("subtract", {cond, uncond}, "diff");
  Val scale = constantScalar(kGuideScale, "bf16", "guide");
  Val sb = broadcast(scale, outShape, {}, "guideb");
  Val scaled = ew("multiply", {diff, sb}, "scaled");
  Val noise = ew("add", {uncond, scaled}, "noise");
  line() << "\"func.return\"(" << noise.name << ") : (" << typeOf(noise)
         << ") -> ()\n";
  indent -= 2;
  line() << "}) : () -> ()\n";
}

void Writer::module() {
  const std::string &strategy = p.strategyText;
  std::string meshText;
  for (auto [i, a] : llvm::enumerate(p.mesh))
    meshText += (i ? "," : "") + a.first + "=" + std::to_string(a.second);
  os << "// Generated by aoizora-wan-gen: Wan 2.1 T2V " << p.model.name
     << " DiT, " << p.L << " block(s)"
     << (p.loop ? " in a stablehlo.while" : "") << ", strategy " << strategy
     << " on mesh " << meshText
     << (p.chunks > 1 ? ", self-attention in " + std::to_string(p.chunks) +
                            " query chunks"
                      : std::string())
     << (p.gspmd ? " (GSPMD shardings)" : " (Shardy)") << ".\n";
  os << "// D=" << p.model.D << ", heads=" << p.model.H << "x" << kHeadDim
     << ", FFN " << p.model.F << ", text context " << kTextTokens
     << " tokens, S=" << p.rawS << " video tokens";
  if (p.S != p.rawS)
    os << " padded to " << p.S;
  os << ", batch " << p.B
     << (p.twoPass ? " (CFG: two sequential passes)" : " (CFG batched)")
     << ", bf16.\n";
  os << "// Dimensions: shared/reference/dit-workloads.md §1.1-1.4; "
        "strategies: §2.2; docs/workloads.md.\n";
  os << "\"builtin.module\"() <{sym_name = \"wan21_"
     << (p.model.name == "14b" ? "14b" : "1_3b") << "\"}> ({\n";
  indent = 2;
  if (!p.gspmd) {
    line() << "\"sdy.mesh\"() <{mesh = #sdy.mesh<[";
    for (auto [i, a] : llvm::enumerate(p.mesh))
      os << (i ? ", \"" : "\"") << a.first << "\"=" << a.second;
    os << "]>, sym_name = \"mesh\"}> : () -> ()\n";
  }
  forwardFunction();
  mainFunction();
  indent = 0;
  os << "}) {mhlo.num_partitions = " << p.numDevices()
     << " : i32, mhlo.num_replicas = 1 : i32} : () -> ()\n";
}


} // namespace aoizora::wangen
