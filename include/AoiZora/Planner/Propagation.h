//===- Propagation.h - Shardings and derived collectives --------*- C++ -*-===//
//
// Forward propagation of shardings (in mesh axis names) through a
// TensorGraph, and the collectives XLA's partitioner would insert where an
// op needs its operands sharded otherwise than they are, or an annotation
// demands a different sharding. Nothing here depends on axis sizes: the
// result is priced for each candidate mesh by Candidates.h.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_PLANNER_PROPAGATION_H
#define AOIZORA_PLANNER_PROPAGATION_H

#include "AoiZora/Cost/Efficiency.h"
#include "AoiZora/Planner/Attention.h"
#include "AoiZora/Planner/Graph.h"

namespace aoizora::planner {

/// The kinds of resharding step; all but LocalSlice are collectives.
enum class ReshardKind {
  AllGather,
  ReduceScatter,
  AllReduce,
  AllToAll,
  CollectivePermute,
  /// Taking one's own shard of a replicated dimension: free.
  LocalSlice,
};

llvm::StringRef stringifyReshardKind(ReshardKind kind);
/// The cost-model kind of a collective step (not LocalSlice).
CollectiveKind toCollectiveKind(ReshardKind kind);

/// One derived (or explicit) data movement.
struct DerivedCollective {
  /// The op before which it runs.
  unsigned op = 0;
  /// The tensor it moves.
  unsigned tensor = 0;
  ReshardKind kind = ReshardKind::AllGather;
  /// The mesh axes its replica groups run over: devices whose mesh
  /// coordinates differ only along these axes form one group.
  AxisList axes;
  /// The sharding of `tensor` whose per-device bytes are the CollectiveSpec
  /// `bytes` of this step (output buffer of an all-gather, input of a
  /// reduce-scatter, the buffer of the others).
  ShardingState bytesState;
  double multiplier = 1;
  /// Explicit collectives: bytes as written (bytesState unused).
  std::optional<double> fixedBytes;
  /// Explicit collectives whose groups are not over mesh axes: the spec as
  /// written, valid on the module's own mesh only.
  std::optional<CollectiveSpec> writtenSpec;
  /// For messages: `%q: [{"x"}, {}] -> [{}, {"x"}]`.
  std::string why;
};

/// Work of one op on one device.
struct ComputeItem {
  unsigned op = 0;
  /// FLOPs = flopScale * prod over factors of (size / shards of its axes).
  /// Empty factors and flopScale 0: no FLOPs.
  llvm::SmallVector<std::pair<int64_t, AxisList>, 6> flopFactors;
  double flopScale = 0;
  /// Tensors read and written from HBM, at the sharding the op uses them.
  llvm::SmallVector<std::pair<unsigned, ShardingState>, 4> bytesTerms;
  /// The tensors live while the op runs (its activation working set).
  llvm::SmallVector<std::pair<unsigned, ShardingState>, 4> liveTerms;
  double multiplier = 1;
  /// Which achieved fraction of peak prices it (Cost/Efficiency.h).
  OpClass opClass = OpClass::Memory;
};

/// The propagation's answer for one graph.
struct PropagationResult {
  /// Final sharding of every tensor (as produced).
  std::vector<ShardingState> states;
  std::vector<DerivedCollective> collectives;
  std::vector<ComputeItem> compute;
  /// Attention blocks written as ops, each priced as one fused kernel: the
  /// compute item of its scores dot carries the whole kernel, the items of
  /// its other ops are empty.
  std::vector<AttentionMatch> attention;
  /// Number of attention kernel custom_calls priced from their operands.
  unsigned attentionKernels = 0;
};

/// Propagates forward through \p graph in program order. Warnings about
/// shardings the rules cannot follow are added to \p graph.warnings; a note
/// counting the attention blocks priced as fused kernels to \p graph.notes.
PropagationResult propagate(TensorGraph &graph);

/// The steps that turn \p from into \p to for tensor \p tensor, appended to
/// \p out: partial sums are all-reduced (or reduce-scattered onto the dims
/// \p to shards by the same axes), axes \p to adds are local slices, axes
/// that change dimension go through one all-to-all per (source, target)
/// dimension pair, axes \p to drops are all-gathered (one per dimension), and
/// axes that stay but change order within a dimension are permuted.
void deriveReshard(unsigned op, unsigned tensor, const ShardingState &from,
                   const ShardingState &to, double multiplier,
                   llvm::StringRef why,
                   std::vector<DerivedCollective> &out);

} // namespace aoizora::planner

#endif // AOIZORA_PLANNER_PROPAGATION_H
