//===- CandidateTable.h - What stage 1 leaves for az-place ------*- C++ -*-===//
//
// az-prune-candidates replaces az-estimate-candidates' table by the module
// attribute `aoizora.candidates` (docs/stage1.md, "What stage 2 reads"):
// the survivors and the options the estimates were made with. az-place
// reads it here, and decides here whether the module lets the plan change
// its mesh's axis sizes.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_PASSES_CANDIDATETABLE_H
#define AOIZORA_PASSES_CANDIDATETABLE_H

#include "AoiZora/IR/ModuleShardings.h"
#include "AoiZora/Plan/Plan.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"

namespace aoizora {

/// The name of the table az-prune-candidates leaves for az-place.
inline constexpr llvm::StringLiteral kCandidatesAttr = "aoizora.candidates";

/// The estimate options az-estimate-candidates used, carried in \p table.
planner::EstimateOptions carriedEstimateOptions(mlir::DictionaryAttr table);

/// The survivors listed in \p table; an error on \p module when there are
/// none (stage 1 not run, or every candidate rejected).
mlir::FailureOr<mlir::ArrayAttr> survivorList(mlir::ModuleOp module,
                                              mlir::DictionaryAttr table);

/// Appends the sizes of \p survivors to \p inputs, each checked against
/// \p estimates (the module's candidates); errors on \p module.
mlir::LogicalResult
readSurvivors(mlir::ModuleOp module, mlir::ArrayAttr survivors,
              llvm::ArrayRef<planner::CandidateEstimate> estimates,
              plan::CandidateInputs &inputs);

/// Why the module's mesh must keep its axis sizes, or "" when it may take
/// others: only when nothing else in the module spells out devices or
/// per-device shapes (HLO strings, explicit collectives, manual
/// computations, inline or round-trip meshes).
std::string whyMeshIsFixed(mlir::ModuleOp module,
                           const ModuleShardings &shardings);

} // namespace aoizora

#endif // AOIZORA_PASSES_CANDIDATETABLE_H
