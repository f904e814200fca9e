//===- Roofline.h - Compute time of one chip ---------------------*- C++
//-*-===//
//
// The roofline model of one chip: a kernel takes as long as the slower of
// its math (FLOPs over peak FLOP/s) and its memory traffic (bytes over HBM
// bandwidth), assuming the two overlap fully.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_COST_ROOFLINE_H
#define AOIZORA_COST_ROOFLINE_H

#include "AoiZora/Cost/Efficiency.h"
#include "AoiZora/Topology/Chip.h"

namespace aoizora {

/// Both terms of the roofline.
struct RooflineTime {
  double computeSeconds = 0;
  double memorySeconds = 0;
  double seconds() const {
    return computeSeconds > memorySeconds ? computeSeconds : memorySeconds;
  }
  bool computeBound() const { return computeSeconds >= memorySeconds; }
};

/// Roofline of \p flops bf16 FLOPs and \p hbmBytes of HBM traffic on a whole
/// chip. For work on one of several devices of a chip (v7x), pass
/// \p devicesSharing = devicesPerChip: that device gets its share of the
/// chip's peak and bandwidth.
RooflineTime roofline(const ChipSpec &chip, double flops, double hbmBytes,
                      unsigned devicesSharing = 1);

/// The same with the achieved fractions of \p efficiency: FLOPs over peak x
/// efficiency.flopsFraction(\p opClass), bytes over HBM bandwidth x
/// efficiency.hbmBandwidth.
RooflineTime roofline(const ChipSpec &chip, double flops, double hbmBytes,
                      unsigned devicesSharing, OpClass opClass,
                      const ComputeEfficiency &efficiency);

/// max(flops / peak, bytes / HBM bandwidth) of a whole chip.
double rooflineSeconds(const ChipSpec &chip, double flops, double hbmBytes);

/// The arithmetic intensity (FLOPs per byte) above which a kernel is compute
/// bound: peak / HBM bandwidth.
double criticalIntensity(const ChipSpec &chip);

} // namespace aoizora

#endif // AOIZORA_COST_ROOFLINE_H
