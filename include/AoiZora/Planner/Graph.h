//===- Graph.h - The tensor graph stage 1 of the planner reads --*- C++ -*-===//
//
// A small, MLIR-free picture of one step of a sharded program: tensors with
// their global shapes and element sizes, and ops in program order with a
// kind and the few attributes the sharding rules need. The MLIR adapter
// (AoiZora/IR/TensorGraph.h) builds it from a generic-form StableHLO module:
// calls are inlined, the bodies of constant `while` loops carry their trip
// count as a multiplier, and annotations become `Constraint` ops. The
// propagation (Propagation.h) and the per-candidate estimate (Candidates.h)
// work on this graph only, so they are unit-tested without MLIR.
// docs/stage1.md describes the rules.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_PLANNER_GRAPH_H
#define AOIZORA_PLANNER_GRAPH_H

#include "AoiZora/Cost/Collective.h"
#include "AoiZora/Sharding/Shardy.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace aoizora::planner {

/// Mesh axis names sharding one tensor dimension, major to minor.
using AxisList = llvm::SmallVector<std::string, 2>;

/// The sharding of one tensor in mesh axis NAMES (no sizes), so that one
/// propagation can be priced for every candidate mesh.
struct ShardingState {
  /// Per dimension, the axes that split it (major to minor).
  llvm::SmallVector<AxisList, 4> dims;
  /// Axes over which every device holds a partial sum (kept sorted).
  AxisList partial;

  static ShardingState replicated(unsigned rank);
  unsigned rank() const { return dims.size(); }
  /// The dimension \p axis splits, if any.
  std::optional<unsigned> dimOf(llvm::StringRef axis) const;
  bool isPartial(llvm::StringRef axis) const;
  /// Every axis that splits a dimension, in dimension order.
  AxisList dimAxes() const;
  /// Number of axis names over all dimensions.
  unsigned numDimAxes() const;
  /// Removes \p axis from the dims and the partial set.
  void removeAxis(llvm::StringRef axis);
  void addPartial(llvm::StringRef axis);
  /// The same sharding without partial sums.
  ShardingState withoutPartial() const;
  /// `[{"x"}, {}]` or `[{"x"}, {}] partial={"y"}`.
  std::string str() const;

  bool operator==(const ShardingState &o) const {
    return dims == o.dims && partial == o.partial;
  }
  bool operator!=(const ShardingState &o) const { return !(*this == o); }
};

/// One tensor of the program.
struct Tensor {
  /// For messages: "%q", "argument #0", ...
  std::string name;
  llvm::SmallVector<int64_t, 4> shape;
  /// Bytes per element; 0 for values that are not tensors (tokens, tuples).
  int64_t elementBytes = 0;
  /// A parameter (argument of the entry function): counted once in memory.
  bool isParameter = false;

  int64_t numElements() const;
  double bytes() const { return double(numElements()) * elementBytes; }
  unsigned rank() const { return shape.size(); }
};

enum class OpKind {
  /// Same-shape n-ary ops (add, exp, convert, select, compare, ...); rank-0
  /// operands are broadcast scalars.
  Elementwise,
  BroadcastInDim,
  Reshape,
  Transpose,
  DotGeneral,
  Convolution,
  Reduce,
  Concatenate,
  /// slice, dynamic_slice, pad: result dims whose size differs from the
  /// operand's must be replicated. Operand 0 is the data; others are indices
  /// or padding values (rank 0).
  Slice,
  /// dynamic_update_slice: operand 0 is the data, operand 1 the update.
  DynamicUpdateSlice,
  /// iota, constant: replicated results, no cost.
  Source,
  /// Requires its operand(s) to have `targets[i]` (a collective is derived
  /// when they do not); results get the targets. sdy.sharding_constraint,
  /// sdy.reshard, result annotations, function results, loop-carried values.
  Constraint,
  /// Gives results the sharding `targets[i]` without any data movement or
  /// cost: the global/local views of a manual computation.
  SetState,
  /// Results take the operands' shardings (no cost): optimization_barrier,
  /// custom_call @Sharding without a usable annotation, call/loop plumbing.
  Identity,
  /// A collective written in the module (inside a manual computation).
  ExplicitCollective,
  /// A custom_call to a fused attention kernel (Pallas flash/splash on TPU,
  /// cuDNN fMHA): priced from the q, k, v operands named by
  /// `kernelOperands`.
  AttentionKernel,
  /// An op the rules do not know: operands gathered to replicated, results
  /// replicated, bytes read and written counted.
  Unknown,
};

llvm::StringRef stringifyOpKind(OpKind kind);

/// How an elementwise op treats partial sums in its operands.
enum class PartialRule {
  /// Any partial operand is all-reduced first.
  None,
  /// add, subtract: partial passes when all operands are partial over the
  /// same axes.
  Sum,
  /// convert, negate, copy: a one-operand linear op, partial passes.
  Unary,
  /// multiply: partial passes when exactly one operand is partial.
  Scale,
};

/// Dimension numbers of a convolution (StableHLO's names).
struct ConvDims {
  int64_t inputBatch = 0, inputFeature = 1;
  llvm::SmallVector<int64_t, 3> inputSpatial;
  int64_t kernelInputFeature = 0, kernelOutputFeature = 1;
  llvm::SmallVector<int64_t, 3> kernelSpatial;
  int64_t outputBatch = 0, outputFeature = 1;
  llvm::SmallVector<int64_t, 3> outputSpatial;
  int64_t featureGroupCount = 1, batchGroupCount = 1;
};

/// One op of the program.
struct Op {
  OpKind kind = OpKind::Unknown;
  /// The op's name (e.g. "stablehlo.add"; "custom_call @foo" for calls).
  std::string name;
  /// Index the builder uses to find the op again (e.g. for a location).
  unsigned origin = 0;
  llvm::SmallVector<unsigned, 4> operands;
  llvm::SmallVector<unsigned, 2> results;
  /// How many times the op runs per step (product of enclosing constant
  /// loop trip counts).
  double multiplier = 1;
  PartialRule partialRule = PartialRule::None;

  /// DotGeneral.
  llvm::SmallVector<int64_t, 2> lhsBatch, rhsBatch, lhsContract, rhsContract;
  /// Transpose: result dim i is operand dim permutation[i].
  llvm::SmallVector<int64_t, 4> permutation;
  /// BroadcastInDim: broadcast_dimensions. Reduce: the reduced dimensions.
  llvm::SmallVector<int64_t, 4> dimensions;
  /// Concatenate: the concatenated dimension.
  int64_t dimension = 0;
  /// Reduce: the op of its body with the dialect prefix dropped ("add",
  /// "maximum", ...); empty when the body is not one such op.
  std::string reducer;
  /// AttentionKernel: the operand positions of q, k and v.
  llvm::SmallVector<unsigned, 3> kernelOperands;
  /// AttentionKernel: the kernel applies a causal mask.
  bool causal = false;
  /// Constraint, SetState: one target per operand/result pair; unset entries
  /// keep the operand's sharding (partial sums are still reduced).
  llvm::SmallVector<std::optional<ShardingState>, 1> targets;
  /// Constraint: per operand, a tensor whose sharding (without partial
  /// sums) is the target, or -1 (loop-carried values keep the sharding the
  /// loop entered with).
  llvm::SmallVector<int, 1> targetsFrom;
  /// Convolution.
  ConvDims conv;

  /// ExplicitCollective: the collective as written.
  CollectiveKind collectiveKind = CollectiveKind::AllReduce;
  /// Bytes per device as CollectiveSpec counts them.
  double collectiveBytes = 0;
  /// The mesh axes its groups run over, when they can be expressed so.
  std::optional<AxisList> collectiveAxes;
  /// The written groups or pairs, valid on the module's own mesh only.
  CollectiveSpec writtenSpec;
};

/// A warning about the input: an op the rules do not know, a sharding they
/// cannot follow, a loop whose trip count is not constant.
struct GraphWarning {
  /// The op name (or a short subject) the warning is about.
  std::string subject;
  std::string message;
  /// The builder's origin index of the first occurrence.
  unsigned origin = 0;
  unsigned count = 1;
};

/// The whole program as stage 1 sees it.
struct TensorGraph {
  /// The mesh the candidates are built from (its axis names and sizes).
  sharding::Mesh mesh;
  std::string meshName;
  std::vector<Tensor> tensors;
  std::vector<Op> ops;
  /// Annotated sharding of tensors no op produces (entry arguments);
  /// missing entries mean replicated.
  std::vector<std::optional<ShardingState>> initialStates;
  /// Axes whose size the program fixes (manual axes: the bodies of manual
  /// computations have per-device shapes). Candidates may not change them.
  AxisList fixedAxes;
  /// True when the module has no named axes (GSPMD-only annotations).
  bool gspmdOnly = false;
  std::vector<GraphWarning> warnings;
  /// Facts worth stating in the report (e.g. "loop x40").
  std::vector<std::string> notes;

  unsigned addTensor(Tensor tensor,
                     std::optional<ShardingState> initial = std::nullopt);
  unsigned addOp(Op op);
  /// Records a warning, merging it with an earlier one of the same subject
  /// and message (the count goes up).
  void warn(llvm::StringRef subject, llvm::StringRef message, unsigned origin);
};

} // namespace aoizora::planner

#endif // AOIZORA_PLANNER_GRAPH_H
