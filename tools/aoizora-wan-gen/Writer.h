//===- Writer.h - The Wan 2.1 DiT forward as StableHLO text -----------------===//
//
// Writes the module of one plan: the DiT blocks (Writer.cpp) and the
// self-attention core under each parallel strategy (Strategies.cpp), on top
// of the op and sharding emission of Emitter.h.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_WAN_GEN_WRITER_H
#define AOIZORA_WAN_GEN_WRITER_H

#include "Emitter.h"

#include <array>

namespace aoizora::wangen {

class Writer : public Emitter {
public:
  using Emitter::Emitter;

  /// Writes the whole module.
  void module();

private:
  //--- model pieces ------------------------------------------------------===//

  /// RMSNorm over the model dimension (ref §1.3 step 3, §1.6.1: it spans
  /// all heads, so head-sharded TP needs an all-reduce of the sums).
  Val rmsNorm(const Val &x, StringRef hint) {
    Val sq = ew("multiply", {x, x}, "sq");
    Val ss = reduceSum(sq, {int64_t(x.shape.size()) - 1}, "ss");
    Val r = ew("rsqrt", {ss}, "rs");
    Shape dims;
    for (size_t i = 0; i + 1 < x.shape.size(); ++i)
      dims.push_back(int64_t(i));
    Val rb = broadcast(r, x.shape, dims, "rsb");
    return ew("multiply", {x, rb}, hint);
  }

  /// Attention of q[b,sq,h,d] over k,v[b,sk,h,d] -> [b,sq,h,d] on whatever
  /// shapes it gets (global or per device), in the form --attention asks
  /// for (AttentionForms.cpp). The kernel form is the bare custom_call: call
  /// it on per-device values (inside a manual computation).
  Val attention(const Val &q, const Val &k, const Val &v, StringRef hint);
  /// jax.nn.dot_product_attention's XLA lowering (--attention=fused).
  Val dotProductAttention(const Val &q, const Val &k, const Val &v,
                          StringRef hint);
  /// A hand-written einsum + jax.nn.softmax in bf16 (--attention=unfused).
  Val einsumSoftmaxAttention(const Val &q, const Val &k, const Val &v,
                             StringRef hint);
  /// The Pallas splash attention forward kernel on per-device q, k, v
  /// [b,s,h,d] (--attention=kernel); with \p residuals also the per-row
  /// log-sum-exp [b,h,sq] (f32) that ring attention combines blocks with.
  std::vector<Val> splashKernel(const Val &q, const Val &k, const Val &v,
                                bool residuals, StringRef hint);
  /// attention() of q, k, v that carry \p qSpec / \p kvSpec outside any
  /// manual computation: the kernel form runs in an sdy.manual_computation
  /// over those specs (shard_map, as Pallas kernels are called under SPMD),
  /// the other forms as written (with --attention-chunks for self-attention
  /// when \p chunked).
  Val shardedAttention(const Val &q, const Val &k, const Val &v,
                       const Spec &qSpec, const Spec &kvSpec, bool chunked,
                       StringRef hint);


  /// q[b,s,h,d] with its tokens split into N strided chunks:
  /// [b, s/N, N, h, d], chunk i holding the tokens t with t mod N == i.
  /// Strided so that the token dimension keeps its shards on the major
  /// s/N part (stage 1's reshape rule) and slicing a chunk (dimension 2)
  /// never cuts a sharded dimension: each device processes 1/N of its own
  /// query tokens per trip, with no communication.
  Val chunkTokens(const Val &q, StringRef hint) {
    int64_t N = p.chunks;
    return reshape(q, {q.shape[0], q.shape[1] / N, N, q.shape[2], q.shape[3]},
                   hint);
  }

  /// attention() over p.chunks query chunks (--attention-chunks): a
  /// constant-trip loop whose body slices one chunk of q, attends to all of
  /// k and v (scores [b,h,s/N,sk]) and writes the chunk's output into the
  /// carried output buffer. The buffer starts as q's chunked view (same
  /// shape and sharding, every chunk overwritten), so no replicated zero
  /// buffer is materialised.
  Val chunkedAttention(const Val &q, const Val &k, const Val &v,
                       StringRef hint) {
    if (p.chunks <= 1)
      return attention(q, k, v, hint);
    line() << "// self-attention over " << p.chunks
           << " strided query chunks (--attention-chunks)\n";
    Val q5 = chunkTokens(q, "qchunks");
    std::vector<Val> out = countedLoop(
        "chunks", p.chunks, {q5, q5, k, v},
        [&](const Val &i, const std::vector<Val> &c) -> std::vector<Val> {
          Val qc = sliceChunk(c[0], 2, i, "qc");
          Val oc = attention(qc, c[2], c[3], "oc");
          return {c[0], updateChunk(c[1], oc, 2, i, "ochunks"), c[2], c[3]};
        });
    return reshape(out[1], q.shape, hint);
  }

  struct BlockWeights {
    Val wq, wk, wv, wo, cq, ck, cv, co, w1, w2;
  };
  enum class WeightRole { Column, Row };

  /// The sharding a weight is computed with (Megatron, ref §2.2 TP row).
  Spec computeSpec(WeightRole role) const {
    if (role == WeightRole::Column)
      return {{}, p.tpAxes()};
    return {p.tpAxes(), {}};
  }
  /// The sharding a weight is stored with: FSDP adds the fsdp axis on the
  /// dimension TP leaves alone.
  Spec storedSpec(WeightRole role) const {
    Spec s = computeSpec(role);
    if (p.fsdp)
      s[role == WeightRole::Column ? 0 : 1].push_back("fsdp");
    return s;
  }
  /// FSDP: gather the weight before use (ref §2.2 FSDP row).
  Val useWeight(const Val &w, WeightRole role) {
    if (!p.fsdp)
      return w;
    return constrain(w, computeSpec(role), "gathered");
  }

  Spec activationSpec(unsigned rank) const {
    Spec s(rank);
    s[0] = p.batchAxes();
    s[1] = p.tokenAxes();
    return s;
  }
  Spec headSpec(const AxisList &tokens, const AxisList &heads) const {
    return {p.batchAxes(), tokens, heads, {}};
  }

  /// Local (per device) shape of a value with \p spec when every axis of the
  /// spec is manual.
  Shape localShape(const Shape &shape, const Spec &spec) const {
    Shape s = shape;
    for (size_t i = 0; i < s.size(); ++i)
      s[i] /= p.size(spec[i]);
    return s;
  }

  /// Self-attention core on q,k,v [B,S,H,d] sharded [{b},{tokens},{tp},{}];
  /// returns [B,S,H,d] sharded the same way.
  Val selfAttentionCore(Val q, Val k, Val v);
  Val manualUlysses(const Val &q, const Val &k, const Val &v, const Spec &qSpec,
                    const Spec &kvSpec);
  Val manualRing(const Val &q, const Val &k, const Val &v, const Spec &qSpec,
                 const Spec &kvSpec);
  /// Opens an sdy.manual_computation over q, k, v whose manual axes are
  /// every axis that shards them (so the body's shapes are exactly per
  /// device and explicit collectives' bytes are exact); returns its result
  /// and the body's block arguments. The caller writes the body and closes
  /// it.
  std::array<Val, 4> openManualBody(StringRef name, const Val &q, const Val &k,
                                    const Val &v, const Spec &qSpec,
                                    const Spec &kvSpec);
  Val block(const Val &x, const Val &ctx, const BlockWeights &w);
  void forwardFunction();
  void mainFunction();
  BlockWeights sliceLayer(const std::vector<Val> &stacks, const Val &i);
};

} // namespace aoizora::wangen

#endif // AOIZORA_WAN_GEN_WRITER_H
