//===- ExplicitStep.h - A module's explicit collectives as one step -*- C++ -*-===//
//
// az-place prices a partitioned module (or one whose manual computations hold
// the collectives) from the collectives it finds in the IR. This reads them,
// weighs each by the trips of the loops around it and reports what cannot be
// priced, so the pass itself only orchestrates.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_PASSES_EXPLICITSTEP_H
#define AOIZORA_PASSES_EXPLICITSTEP_H

#include "AoiZora/Plan/Plan.h"

#include "mlir/IR/BuiltinOps.h"

namespace aoizora {

/// The module's explicit collectives as one step on \p slice. Warns at every
/// op that communicates but cannot be priced (the step then counts it in
/// `unpriced`); a module with no collectives is an error unless
/// \p allowEmpty, when it warns and prices 0 s of communication.
mlir::FailureOr<plan::PricedStep>
collectExplicitStep(mlir::ModuleOp module, const Slice &slice, bool allowEmpty);

} // namespace aoizora

#endif // AOIZORA_PASSES_EXPLICITSTEP_H
