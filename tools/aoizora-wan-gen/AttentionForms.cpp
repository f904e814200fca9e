//===- AttentionForms.cpp - The three ways attention is written -----------===//
//
// What JAX emits for attention on TPU (docs/workloads.md, "Attention forms"):
//
// * fused: `jax.nn.dot_product_attention` with the default implementation
//   is the XLA path on TPU (cuDNN is GPU-only). It lowers to an einsum with
//   f32 logits (preferred_element_type), a multiply by the scale, a softmax
//   in f32 (`jax.nn.softmax`: reduce max, broadcast, subtract, exp, reduce
//   sum, broadcast, divide), a convert back to the input type and a second
//   einsum, then a transpose to [B,T,N,H] (jax/_src/nn/functions.py,
//   `_dot_product_attention_core`). XLA keeps that as ops; it is "fused"
//   only in that this is the form users call the fused API with.
// * unfused: hand-written attention as flax.linen's dot_product_attention
//   writes it: q divided by sqrt(d) first, an einsum to [b,h,q,k] in the
//   input type (bf16), jax.nn.softmax in bf16, an einsum back.
// * kernel: Pallas splash attention. A Pallas TPU kernel lowers to
//   `stablehlo.custom_call @tpu_custom_call` with a JSON backend_config
//   {"custom_call_config": {"body": <serialized Mosaic module, base64>,
//   "serialization_format": 1, "needs_layout_passes": true},
//   "implicit_sharding": {"type": "MANUAL"}} and a `kernel_name` attribute
//   (the shape of JAX's Pallas export back-compatibility test data,
//   jax/_src/internal_test_util/export_back_compat_test_data/pallas/).
//   Splash's forward kernels are named `splash_mha_fwd*` (as XLA profiles
//   of splash attention show), take q, k, v as [heads, seq, head_dim] per
//   example (vmapped over the batch: [b,h,s,d]) and are called under
//   shard_map. The body written here is a placeholder, not a Mosaic module,
//   and the scalar-prefetch mask operands are left out.
//
// Stage 1 recognises all three and prices them as one fused kernel
// (docs/stage1.md, "Attention").
//
//===----------------------------------------------------------------------===//

#include "Writer.h"

#include <cmath>
#include <cstdio>

namespace aoizora::wangen {

namespace {
/// 1/sqrt(128), the softmax scale of Wan's head dim (ref §1.1), as MLIR
/// prints a float.
std::string scaleText(int64_t headDim) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6e", 1.0 / std::sqrt(double(headDim)));
  return buf;
}
std::string sqrtText(int64_t headDim) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6e", std::sqrt(double(headDim)));
  return buf;
}
} // namespace

Val Writer::attention(const Val &q, const Val &k, const Val &v,
                      StringRef hint) {
  switch (p.attention) {
  case AttentionForm::Fused:
    return dotProductAttention(q, k, v, hint);
  case AttentionForm::Unfused:
    return einsumSoftmaxAttention(q, k, v, hint);
  case AttentionForm::Kernel:
    return transpose(splashKernel(q, k, v, false, hint)[0], {0, 2, 1, 3},
                     hint);
  }
  return q;
}

Val Writer::dotProductAttention(const Val &q, const Val &k, const Val &v,
                                StringRef hint) {
  // einsum('BTNH,BSNH->BNTS', preferred_element_type=f32) * scale
  Val logits = dot(q, k, {0, 2}, {0, 2}, {3}, {3}, "logits", "f32");
  Val scale = constantScalar(scaleText(q.shape[3]), "f32", "scale");
  Val sb = broadcast(scale, logits.shape, {}, "scaleb");
  Val scaled = ew("multiply", {logits, sb}, "scaled");
  // jax.nn.softmax(axis=-1) in f32: keepdims reductions are broadcast back.
  Shape rowShape = scaled.shape;
  rowShape[3] = 1;
  Val mx = reduce(scaled, {3}, "maximum", "0xFF800000", "rowmax");
  Val mx1 = broadcast(mx, rowShape, {0, 1, 2}, "rowmax1");
  Val mxb = broadcast(mx1, scaled.shape, {0, 1, 2, 3}, "rowmaxb");
  Val shifted = ew("subtract", {scaled, mxb}, "shifted");
  Val e = ew("exponential", {shifted}, "unnorm");
  Val sum = reduceSum(e, {3}, "rowsum");
  Val sum1 = broadcast(sum, rowShape, {0, 1, 2}, "rowsum1");
  Val sumb = broadcast(sum1, e.shape, {0, 1, 2, 3}, "rowsumb");
  Val probs32 = ew("divide", {e, sumb}, "probs32");
  Val probs = op("stablehlo.convert", {probs32}, probs32.shape, "", "",
                 "probs", q.elt);
  // einsum('BNTS,BSNH->BTNH'): [B,N,T,H], then the transpose.
  Val o = dot(probs, v, {0, 1}, {0, 2}, {3}, {1}, "pv");
  return transpose(o, {0, 2, 1, 3}, hint);
}

Val Writer::einsumSoftmaxAttention(const Val &q, const Val &k, const Val &v,
                                   StringRef hint) {
  // query / sqrt(depth), then einsum('...qhd,...khd->...hqk') in bf16.
  Val root = constantScalar(sqrtText(q.shape[3]), q.elt, "depth");
  Val rb = broadcast(root, q.shape, {}, "depthb");
  Val qs = ew("divide", {q, rb}, "qscaled");
  Val s = dot(qs, k, {0, 2}, {0, 2}, {3}, {3}, "scores");
  // jax.nn.softmax in the input type.
  Shape rowShape = s.shape;
  rowShape[3] = 1;
  Val mx = reduce(s, {3}, "maximum", "0xFF80", "rowmax");
  Val mx1 = broadcast(mx, rowShape, {0, 1, 2}, "rowmax1");
  Val mxb = broadcast(mx1, s.shape, {0, 1, 2, 3}, "rowmaxb");
  Val shifted = ew("subtract", {s, mxb}, "shifted");
  Val e = ew("exponential", {shifted}, "unnorm");
  Val sum = reduceSum(e, {3}, "rowsum");
  Val sum1 = broadcast(sum, rowShape, {0, 1, 2}, "rowsum1");
  Val sumb = broadcast(sum1, e.shape, {0, 1, 2, 3}, "rowsumb");
  Val probs = ew("divide", {e, sumb}, "probs");
  // einsum('...hqk,...khd->...qhd'): [b,h,q,d], then to [b,q,h,d].
  Val o = dot(probs, v, {0, 1}, {0, 2}, {3}, {1}, "pv");
  return transpose(o, {0, 2, 1, 3}, hint);
}

std::vector<Val> Writer::splashKernel(const Val &q, const Val &k, const Val &v,
                                      bool residuals, StringRef hint) {
  // Splash takes [heads, seq, head_dim] per example: [b,h,s,d] vmapped.
  Val qh = transpose(q, {0, 2, 1, 3}, "qbhsd");
  Val kh = transpose(k, {0, 2, 1, 3}, "kbhsd");
  Val vh = transpose(v, {0, 2, 1, 3}, "vbhsd");
  Val out{fresh(hint), qh.shape, q.elt};
  Val lse{out.name + "#1", {qh.shape[0], qh.shape[1], qh.shape[2]}, "f32"};
  std::string kernel =
      residuals ? "splash_mha_fwd_residuals" : "splash_mha_fwd_no_residuals";
  std::string config =
      "{\\22custom_call_config\\22: {\\22body\\22: \\22"
      "PLACEHOLDER_NOT_A_MOSAIC_MODULE\\22, \\22serialization_format\\22: 1, "
      "\\22needs_layout_passes\\22: true}, \\22implicit_sharding\\22: "
      "{\\22type\\22: \\22MANUAL\\22}}";
  line() << out.name << (residuals ? ":2" : "")
         << " = \"stablehlo.custom_call\"(" << namesOf({qh, kh, vh})
         << ") <{api_version = 1 : i32, backend_config = \"" << config
         << "\", call_target_name = \"tpu_custom_call\"}> {kernel_name = \""
         << kernel << "\"} : (" << typesOf({qh, kh, vh}) << ") -> "
         << (residuals ? "(" + typesOf({out, lse}) + ")" : typeOf(out))
         << "\n";
  if (!residuals)
    return {out};
  Val first{out.name + "#0", out.shape, out.elt};
  return {first, lse};
}

Val Writer::shardedAttention(const Val &q, const Val &k, const Val &v,
                             const Spec &qSpec, const Spec &kvSpec,
                             bool chunked, StringRef hint) {
  if (p.attention != AttentionForm::Kernel)
    return chunked ? chunkedAttention(q, k, v, hint) : attention(q, k, v, hint);
  line() << "// splash attention kernel under shard_map (--attention=kernel)\n";
  auto [r, ql, kl, vl] = openManualBody("splash", q, k, v, qSpec, kvSpec);
  Val o = attention(ql, kl, vl, "ol");
  line() << "\"sdy.return\"(" << o.name << ") : (" << typeOf(o) << ") -> ()\n";
  indent -= 2;
  line() << "}) : (" << typesOf({q, k, v}) << ") -> " << typeOf(r) << "\n";
  return r;
}

} // namespace aoizora::wangen
