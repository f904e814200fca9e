//===- Chip.cpp - Per-chip figures of TPU generations ---------------------===//
//
// The table of chip figures. Sources (see docs/cost-model.md, "Constants"):
//  [CT-v4]  docs.cloud.google.com/tpu/docs/v4, key specifications.
//  [CT-v5e] docs.cloud.google.com/tpu/docs/v5e, and the v5e column of the
//           comparison table on /tpu/docs/v6e.
//  [CT-v5p] docs.cloud.google.com/tpu/docs/v5p, specification table.
//  [CT-v6e] docs.cloud.google.com/tpu/docs/v6e, specification table.
//  [CT-7x]  docs.cloud.google.com/tpu/docs/tpu7x, specification table.
//  [IW]     Google Cloud's Ironwood announcement (April 2025): 7.37 TB/s HBM
//           and 1.2 TB/s bidirectional ICI per chip.
//  [SB-TPU] "How to Scale Your Model", part "How to Think About TPUs"
//           (jax-ml/scaling-book, tpus.md): per-link one-way ICI bandwidth
//           table, DCN per TPU, and the 1 us per-hop figure.
//  [JAX-CV] docs.jax.dev, jax.experimental.pallas.tpu.ChipVersion: physical
//           TensorCores per chip and megacore support.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Topology/Chip.h"

#include "llvm/ADT/StringSwitch.h"

using namespace llvm;

namespace aoizora {

namespace {
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

// Per-hop latency: [SB-TPU] says each ICI hop costs "typically around 1us"
// and uses 1 us in its worked problem. No generation-specific figure is
// published, so every generation uses this estimate.
constexpr double kHopLatency = 1e-6;

// Per-link, per-direction ICI bandwidth. [SB-TPU] gives "ICI BW/link
// (one-way)": v4p 4.5e10, v5e 4.5e10, v5p 9e10, v6e 9e10 bytes/s. These agree
// with the nominal per-chip figures divided by ports and by two directions
// within 10% (v5e: 1600 Gbps = 200 GB/s per direction / 4 ports = 50 GB/s;
// v5p: 1200 GB/s bidirectional / 6 / 2 = 100 GB/s; v6e: 3200 Gbps / 4 =
// 100 GB/s) and [SB-TPU] measures ~95% of 4.5e10 in a v5e all-gather, so the
// model uses the book's effective figures.
const ChipSpec kChips[] = {
    // v4: 275 TFLOP/s, 32 GiB at 1200 GB/s [CT-v4]; 3D torus, 6 ports; one
    // megacore device of 2 TensorCores per chip [JAX-CV]. DCN: [SB-TPU]'s
    // typical 6.25e9 B/s per TPU (no v4-specific figure published).
    {TpuGeneration::V4, "v4", 275e12, 32 * kGiB, 1200e9, 6, 4.5e10, kHopLatency,
     6.25e9, 2, 1, 3},
    // v5e: 197 TFLOP/s, 16 GB at 819 GB/s, 4 ICI ports, 2D torus [CT-v5e].
    // DCN: 6.4 Tbps per 256-chip pod [CT-v5e] = 3.125e9 B/s per chip, the
    // same as [SB-TPU].
    {TpuGeneration::V5e, "v5e", 197e12, 16e9, 819e9, 4, 4.5e10, kHopLatency,
     3.125e9, 1, 1, 2},
    // v5p: 459 TFLOP/s, 95 GiB at 2765 GB/s, 50 Gbps DCN per chip, 3D torus,
    // 2 TensorCores per chip [CT-v5p] forming one megacore device [JAX-CV].
    {TpuGeneration::V5p, "v5p", 459e12, 95 * kGiB, 2765e9, 6, 9e10, kHopLatency,
     50e9 / 8, 2, 1, 3},
    // v6e: 918 TFLOP/s, 32 GB at 1640 GB/s, 4 ICI ports, 2D torus; DCN
    // 25.6 Tbps per 256-chip pod = 12.5e9 B/s per chip [CT-v6e], [SB-TPU].
    {TpuGeneration::V6e, "v6e", 918e12, 32e9, 1640e9, 4, 9e10, kHopLatency,
     12.5e9, 1, 1, 2},
    // v7x (TPU7x, Ironwood): 2307 TFLOP/s bf16, 192 GiB [CT-7x]; 7.37 TB/s
    // HBM and 1.2 TB/s bidirectional ICI per chip [IW]. Link bandwidth is
    // derived, assuming 6 ports of a 3D torus like v5p: 1.2e12 / 6 / 2 =
    // 1e11 B/s. Two TensorCores without megacore [JAX-CV], so JAX shows two
    // devices per chip. DCN: not published; [SB-TPU]'s typical 6.25e9.
    {TpuGeneration::V7x, "v7x", 2307e12, 192 * kGiB, 7.37e12, 6, 1e11,
     kHopLatency, 6.25e9, 2, 2, 3},
    // A made-up chip with round numbers, for tests.
    {TpuGeneration::Generic, "generic", 1e14, 16e9, 1e12, 6, 1e10, kHopLatency,
     1e9, 1, 1, 3},
};
} // namespace

ArrayRef<ChipSpec> getAllChipSpecs() { return kChips; }

const ChipSpec &getChipSpec(TpuGeneration gen) {
  return kChips[static_cast<unsigned>(gen)];
}

Expected<const ChipSpec *> lookupChipSpec(StringRef name) {
  std::optional<TpuGeneration> gen =
      StringSwitch<std::optional<TpuGeneration>>(name.lower())
          .Case("v4", TpuGeneration::V4)
          .Case("v5e", TpuGeneration::V5e)
          .Case("v5litepod", TpuGeneration::V5e)
          .Case("v5p", TpuGeneration::V5p)
          .Case("v6e", TpuGeneration::V6e)
          .Case("v7x", TpuGeneration::V7x)
          .Case("tpu7x", TpuGeneration::V7x)
          .Case("generic", TpuGeneration::Generic)
          .Default(std::nullopt);
  if (!gen)
    return createStringError(inconvertibleErrorCode(),
                             "unknown TPU generation '%s' (expected v4, v5e, "
                             "v5p, v6e, v7x or generic)",
                             name.str().c_str());
  return &getChipSpec(*gen);
}

} // namespace aoizora
