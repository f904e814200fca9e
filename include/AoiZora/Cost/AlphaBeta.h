//===- AlphaBeta.h - Topology-oblivious collective cost ---------*- C++ -*-===//
//
// The per-axis alpha-beta model that topology-oblivious auto-parallel
// planners use (XLA auto-sharding's cluster environment, Alpa): every mesh
// axis is an abstract ring with one latency and one bandwidth, whatever
// chips its groups land on. AoiZora uses it only as a baseline: the
// candidate such a planner would pick, which AoiZora then prices on the real
// torus (docs/cost-model.md, "Baselines").
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_COST_ALPHABETA_H
#define AOIZORA_COST_ALPHABETA_H

#include "AoiZora/Cost/Collective.h"
#include "AoiZora/Topology/Chip.h"

namespace aoizora {

/// Latency and bandwidth of one mesh axis in the alpha-beta model.
struct AlphaBetaAxis {
  /// Seconds per collective step.
  double alpha = 0;
  /// Bytes per second a member sends and receives on the axis.
  double beta = 0;
  /// The values a topology-oblivious planner assumes for \p chip: one ICI
  /// hop of latency and a bidirectional ring's bandwidth (2W) on every axis.
  static AlphaBetaAxis forChip(const ChipSpec &chip);
};

/// Time of one collective over groups of \p groupSize members, \p bytes as
/// CollectiveSpec counts them, on an axis with \p axis's figures:
///   all-gather, reduce-scatter: (n-1)·alpha + (n-1)/n · bytes / beta
///   all-reduce:                 2(n-1)·alpha + 2(n-1)/n · bytes / beta
///   all-to-all:                 (n-1)·alpha + (n-1)/n · bytes / beta
///   collective-permute:         alpha + bytes / beta
///   collective-broadcast:       ceil(log2 n)·alpha + bytes / beta
/// Groups of one member cost nothing.
double alphaBetaSeconds(CollectiveKind kind, double bytes, int64_t groupSize,
                        const AlphaBetaAxis &axis);

} // namespace aoizora

#endif // AOIZORA_COST_ALPHABETA_H
