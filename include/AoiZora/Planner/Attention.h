//===- Attention.h - Attention patterns in the tensor graph -----*- C++ -*-===//
//
// Real DiT inference runs attention as one fused kernel (flash/splash) that
// never writes the [B,H,Sq,Skv] scores to HBM. Stage 1 sees it either as a
// custom_call to such a kernel (OpKind::AttentionKernel) or as the
// unfused ops JAX emits for `jax.nn.dot_product_attention` and hand-written
// einsum/softmax code:
//
//   s = dot_general(q, k)          batch dims B.., contracting D, free Sq, Skv
//   [convert | multiply/divide by a scale | add a bias | select a mask]*
//   [subtract broadcast(reduce max over Skv)]
//   e = exponential(...)
//   [convert | divide by broadcast(reduce sum over Skv)]*
//   o = dot_general(p, v)          batch dims = s's batch dims, contracting Skv
//
// with a reduce-sum of e over the Skv dims somewhere (before the second dot,
// or after it when the output is normalised later, as ring attention does).
// findAttention finds these; Propagation prices each as one kernel.
// docs/stage1.md, "Attention".
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_PLANNER_ATTENTION_H
#define AOIZORA_PLANNER_ATTENTION_H

#include "AoiZora/Planner/Graph.h"

#include <vector>

namespace aoizora::planner {

/// One attention block written as ops.
struct AttentionMatch {
  /// Op index of the q·k dot_general (the scores).
  unsigned scores = 0;
  /// Op index of the p·v dot_general (the output).
  unsigned output = 0;
  /// Every op the fused kernel replaces, the two dots included, sorted.
  llvm::SmallVector<unsigned, 16> members;
  /// The scores pass a `select` whose predicate compares two iotas (a
  /// causal or banded mask): half the score blocks are skipped.
  bool causal = false;
};

/// The attention blocks of \p graph, in the order of their output dots. A
/// block is matched only when nothing outside it reads the scores or the
/// probabilities (otherwise the program really materialises them).
std::vector<AttentionMatch> findAttention(const TensorGraph &graph);

/// Whether a custom_call is a fused attention forward kernel, from its
/// call_target_name and its kernel name (the `kernel_name` attribute of a
/// Pallas `tpu_custom_call`, else the text of its backend_config): cuDNN
/// `__cudnn$fmha*` targets other than backward ones, and `tpu_custom_call`
/// kernels whose name mentions flash, splash or attention (splash
/// attention's forward kernels are `splash_mha_fwd*`) and not a backward
/// pass (`dkv`, `dq`, `bwd`).
bool isAttentionKernel(llvm::StringRef target, llvm::StringRef kernelName);

} // namespace aoizora::planner

#endif // AOIZORA_PLANNER_ATTENTION_H
