//===- Chip.h - Per-chip figures of TPU generations -------------*- C++ -*-===//
//
// The hardware constants the topology and cost models need for each TPU
// generation: compute, HBM, ICI link bandwidth and latency, DCN bandwidth and
// how many JAX devices a chip exposes. Every figure is cited in Chip.cpp and
// in docs/cost-model.md.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_TOPOLOGY_CHIP_H
#define AOIZORA_TOPOLOGY_CHIP_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace aoizora {

/// The TPU generations the model knows. `Generic` is a made-up chip with round
/// numbers for tests and experiments.
enum class TpuGeneration { V4, V5e, V5p, V6e, V7x, Generic };

/// Figures of one chip. Units are SI: FLOP/s, bytes, bytes/s, seconds.
struct ChipSpec {
  TpuGeneration generation;
  /// Short name used in slice specs ("v5e", "v5p", ...).
  llvm::StringRef name;
  /// Peak dense bf16 FLOP/s of the whole chip.
  double peakBf16Flops;
  /// HBM capacity of the chip in bytes.
  double hbmBytes;
  /// HBM bandwidth of the chip in bytes/s.
  double hbmBandwidth;
  /// Number of ICI ports (4 for a 2D torus, 6 for a 3D torus).
  unsigned iciPorts;
  /// Bandwidth of ONE ICI link in ONE direction, bytes/s. A link carries this
  /// much from A to B and, at the same time, this much from B to A. This is
  /// the only ICI bandwidth the cost model uses.
  double iciLinkBandwidth;
  /// Latency added per hop a message takes (an estimate; see Chip.cpp).
  double iciHopLatency;
  /// Data-centre network egress bandwidth per chip, bytes/s.
  double dcnBandwidth;
  /// TensorCores on the chip.
  unsigned tensorCores;
  /// JAX devices the chip exposes: 1 for single-core chips and for megacore
  /// chips (v4, v5p) whose two cores form one device; 2 on v7x.
  unsigned devicesPerChip;
  /// Physical torus dimensions of the pod (2 or 3).
  unsigned numDims;
};

/// All known chips, in TpuGeneration order.
llvm::ArrayRef<ChipSpec> getAllChipSpecs();

/// The figures of \p gen.
const ChipSpec &getChipSpec(TpuGeneration gen);

/// Looks a chip up by its short name ("v4", "v5e", "v5p", "v6e", "v7x",
/// "generic"); "v5litepod" and "tpu7x" are accepted as aliases.
llvm::Expected<const ChipSpec *> lookupChipSpec(llvm::StringRef name);

} // namespace aoizora

#endif // AOIZORA_TOPOLOGY_CHIP_H
