//===- ExplicitCollectives.h - Collectives written in a module --*- C++ -*-===//
//
// Reads the explicit StableHLO collectives of a (partitioned or manual)
// module into the cost model's CollectiveSpec: kind, bytes per device and
// device groups.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_IR_EXPLICITCOLLECTIVES_H
#define AOIZORA_IR_EXPLICITCOLLECTIVES_H

#include "AoiZora/Cost/Collective.h"

#include "mlir/IR/BuiltinOps.h"

namespace aoizora {

/// One collective op and what it moves.
struct ExplicitCollective {
  mlir::Operation *op;
  CollectiveSpec spec;
  /// Members per group (the device count for an all-devices group).
  int64_t groupSize = 0;
  /// Number of groups (or of source-target pairs for a permute).
  int64_t numGroups = 0;
};

/// Whether \p opName is an explicit StableHLO collective.
bool isExplicitCollective(llvm::StringRef opName);

/// Byte size of a statically shaped tensor of int/float/complex elements.
std::optional<int64_t> getTensorBytes(mlir::Type type);

/// Collects every explicit collective of \p module over \p numDevices
/// devices. Emits an error at an op whose groups or types cannot be read.
mlir::FailureOr<llvm::SmallVector<ExplicitCollective, 0>>
collectExplicitCollectives(mlir::ModuleOp module, int64_t numDevices);

/// An op that moves data between devices but that the cost model cannot
/// price, and why.
struct UnpricedCommunicationOp {
  mlir::Operation *op;
  std::string reason;
};

/// The ops of \p module that communicate but cannot be priced: send and
/// recv between devices (not host transfers), custom calls whose target
/// names a collective (hlo::isCommunicatingCustomCallTarget), and
/// StableHLO ops named like a collective that isExplicitCollective does not
/// know (stablehlo.ragged_all_to_all, say). A cost that leaves them out is
/// incomplete.
llvm::SmallVector<UnpricedCommunicationOp, 0>
findUnpricedCommunication(mlir::ModuleOp module);

} // namespace aoizora

#endif // AOIZORA_IR_EXPLICITCOLLECTIVES_H
