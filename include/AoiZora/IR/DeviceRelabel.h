//===- DeviceRelabel.h - Apply a device permutation to a module -*- C++ -*-===//
//
// Rewrites only device-assignment attributes so that the device that had
// logical id i gets id sigma[i]: mesh device_ids, device lists of HLO
// sharding strings, and the device groups of explicit collectives.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_IR_DEVICERELABEL_H
#define AOIZORA_IR_DEVICERELABEL_H

#include "AoiZora/IR/ModuleShardings.h"
#include "AoiZora/Support/DeviceOrder.h"

#include "llvm/Support/Error.h"

namespace aoizora {

/// Refuses modules whose meaning a relabelling would change (ops that read
/// their own device id, meshes of different device counts). Emits an error
/// at the offending op.
mlir::LogicalResult checkRelabellingIsSafe(mlir::ModuleOp module,
                                           const ModuleShardings &shardings);

/// Applies \p sigma to every device-assignment attribute of the module.
/// Attributes whose device assignment does not change keep their exact text.
mlir::LogicalResult applyDevicePermutation(const ModuleShardings &shardings,
                                           llvm::ArrayRef<int64_t> sigma);

/// Gives the module's `sdy.mesh @meshName` the axis sizes of \p mesh and
/// `device_ids` = \p deviceIds (none when empty: the iota order). Errors on
/// \p module when no such mesh exists.
mlir::LogicalResult resizeSdyMesh(mlir::ModuleOp module,
                                  const ModuleShardings &shardings,
                                  llvm::StringRef meshName, sharding::Mesh mesh,
                                  llvm::ArrayRef<int64_t> deviceIds);

} // namespace aoizora

#endif // AOIZORA_IR_DEVICERELABEL_H
