//===- TensorGraph.h - Build the planner's graph from a module --*- C++ -*-===//
//
// Reads the entry function of a generic-form StableHLO module (by op name,
// dialects need not be registered) into the plain C++ planner::TensorGraph:
// one tensor per SSA value, one graph op per StableHLO op, Shardy
// annotations as sharding constraints, `func.call` and
// `sdy.named_computation` inlined, `stablehlo.while` bodies with their
// constant trip count as a multiplier, `sdy.manual_computation` bodies at
// their per-device shapes. docs/stage1.md lists what is read and how.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_IR_TENSORGRAPH_H
#define AOIZORA_IR_TENSORGRAPH_H

#include "AoiZora/IR/ModuleShardings.h"
#include "AoiZora/Planner/Graph.h"

#include "mlir/IR/BuiltinOps.h"

#include <vector>

namespace aoizora {

/// The graph and, for every origin index used in it, the op it came from.
struct TensorGraphBuild {
  planner::TensorGraph graph;
  std::vector<mlir::Operation *> origins;
};

/// Builds the graph of \p module's entry function (`@main`, else its only
/// public function). Emits an error and fails when there is no entry
/// function or an explicit collective cannot be read; everything the graph
/// cannot follow is recorded as a warning in the graph instead.
mlir::FailureOr<TensorGraphBuild>
buildTensorGraph(mlir::ModuleOp module, const ModuleShardings &shardings);

/// The trip count of a `stablehlo.while` whose condition compares a counter
/// (a constant start, stepped by a positive constant) against a constant
/// limit with LT; std::nullopt for any other loop.
std::optional<int64_t> constantTripCount(mlir::Operation *whileOp);

} // namespace aoizora

#endif // AOIZORA_IR_TENSORGRAPH_H
