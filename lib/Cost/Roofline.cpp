//===- Roofline.cpp - Compute time of one chip ----------------------------===//
//
// The roofline: time = max(FLOPs / peak, bytes / HBM bandwidth), as in "How
// to Scale Your Model", part "All About Rooflines" (jax-ml/scaling-book).
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Cost/Roofline.h"

namespace aoizora {

RooflineTime roofline(const ChipSpec &chip, double flops, double hbmBytes,
                      unsigned devicesSharing) {
  double share = devicesSharing ? double(devicesSharing) : 1.0;
  RooflineTime t;
  t.computeSeconds = flops * share / chip.peakBf16Flops;
  t.memorySeconds = hbmBytes * share / chip.hbmBandwidth;
  return t;
}

RooflineTime roofline(const ChipSpec &chip, double flops, double hbmBytes,
                      unsigned devicesSharing, OpClass opClass,
                      const ComputeEfficiency &efficiency) {
  RooflineTime t = roofline(chip, flops, hbmBytes, devicesSharing);
  t.computeSeconds /= efficiency.flopsFraction(opClass);
  t.memorySeconds /= efficiency.hbmBandwidth;
  return t;
}

double rooflineSeconds(const ChipSpec &chip, double flops, double hbmBytes) {
  return roofline(chip, flops, hbmBytes).seconds();
}

double criticalIntensity(const ChipSpec &chip) {
  return chip.peakBf16Flops / chip.hbmBandwidth;
}

} // namespace aoizora
