//===- AlphaBeta.cpp - Topology-oblivious collective cost -----------------===//
//
// Ring-algorithm volumes (Patarasuk & Yuan 2009, as in docs/cost-model.md)
// with one latency per step and one bandwidth per axis: the model of
// Alpa (Zheng et al., OSDI 2022, "communication cost ... alpha-beta model on
// each mesh dimension") and XLA's auto-sharding cluster environment.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Cost/AlphaBeta.h"

#include <cmath>

namespace aoizora {

AlphaBetaAxis AlphaBetaAxis::forChip(const ChipSpec &chip) {
  return AlphaBetaAxis{chip.iciHopLatency, 2 * chip.iciLinkBandwidth};
}

double alphaBetaSeconds(CollectiveKind kind, double bytes, int64_t groupSize,
                        const AlphaBetaAxis &axis) {
  if (groupSize <= 1)
    return 0;
  double n = static_cast<double>(groupSize);
  double ringVolume = (n - 1) / n * bytes;
  switch (kind) {
  case CollectiveKind::AllGather:
  case CollectiveKind::ReduceScatter:
  case CollectiveKind::AllToAll:
    return (n - 1) * axis.alpha + ringVolume / axis.beta;
  case CollectiveKind::AllReduce:
    return 2 * ((n - 1) * axis.alpha + ringVolume / axis.beta);
  case CollectiveKind::CollectivePermute:
    return axis.alpha + bytes / axis.beta;
  case CollectiveKind::CollectiveBroadcast:
    return std::ceil(std::log2(n)) * axis.alpha + bytes / axis.beta;
  }
  return 0;
}

} // namespace aoizora
