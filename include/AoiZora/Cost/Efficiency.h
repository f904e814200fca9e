//===- Efficiency.h - Achieved fractions of a chip's peak -------*- C++ -*-===//
//
// Real kernels do not reach a chip's datasheet peak. The roofline divides
// FLOPs by peak x an achieved fraction that depends on the kind of work, and
// bytes by HBM bandwidth x an achieved fraction. These are the only compute
// efficiencies in the project: every default below is derived from a
// published measurement, named next to it and in docs/cost-model.md
// ("Compute efficiency"). A calibration file may override them.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_COST_EFFICIENCY_H
#define AOIZORA_COST_EFFICIENCY_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace aoizora {

/// The kind of work an op is priced as.
enum class OpClass {
  /// dot_general, dot, convolution: MXU matmuls.
  Matmul,
  /// A fused attention kernel (a recognised dot_general -> softmax ->
  /// dot_general, or a flash/splash/cuDNN attention custom_call).
  Attention,
  /// Everything else: elementwise ops, reductions, slices, copies; these do
  /// no MXU FLOPs and are bound by HBM bandwidth.
  Memory,
};

llvm::StringRef stringifyOpClass(OpClass opClass);

/// Achieved fractions of peak, one per op class. Every field is in (0, 1].
struct ComputeEfficiency {
  /// Fraction of peak bf16 FLOP/s a large matmul achieves. 0.65: MaxText's
  /// Llama 2 70B pre-training on 512 v5p chips runs at 65.4% MFU
  /// (maxtext.readthedocs.io "Optimized models tiering", gold tier, v5p).
  /// That step is dominated by large matmuls but also holds attention,
  /// elementwise work and exposed communication, so 0.65 is a lower bound
  /// on the matmuls' own fraction, taken as is.
  double matmulFlops = 0.65;
  /// Fraction of peak bf16 FLOP/s a fused (flash/splash) attention kernel
  /// achieves. 0.50: FlashAttention-2's forward pass reaches 50-73% of the
  /// A100's peak (Dao 2023, arXiv:2307.08691), FlashAttention-3 75% of the
  /// H100's (Shah et al. 2024, arXiv:2407.08608). No TPU splash figure is
  /// published; its softmax runs on the vector and transcendental units
  /// beside the MXU, as FA-2's non-matmul work does, so the lower end of
  /// FA-2's measured range is used.
  double attentionFlops = 0.50;
  /// Fraction of HBM bandwidth that streaming ops (and the memory term of
  /// every op) achieve. 0.84: coalesced loads measured at 2.8 of 3.35 TB/s
  /// on an H100 with Nsight Compute (mikamirai.com, "GPU Memory Bandwidth:
  /// What Your Profiler Isn't Telling You", 2026). No TPU figure is
  /// published; this is the one GPU-only default.
  double hbmBandwidth = 0.84;

  /// The FLOP/s fraction of \p opClass (Memory ops do no MXU FLOPs; their
  /// FLOPs, if any, are priced like a matmul's).
  double flopsFraction(OpClass opClass) const;
  /// An error naming the first field that is not in (0, 1].
  llvm::Error verify() const;
};

/// The published defaults above.
inline ComputeEfficiency defaultComputeEfficiency() { return {}; }

} // namespace aoizora

#endif // AOIZORA_COST_EFFICIENCY_H
