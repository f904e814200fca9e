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

#include "llvm/Support/Error.h"

namespace aoizora {

/// Parses a comma-separated device order such as "0,2,1,3".
llvm::Expected<llvm::SmallVector<int64_t>> parseDeviceOrder(llvm::StringRef text);

/// Reads the "device_order" array of a JSON plan file.
llvm::Expected<llvm::SmallVector<int64_t>>
readDeviceOrderFromPlan(llvm::StringRef path);

/// Checks that \p order is a permutation of 0..numDevices-1.
llvm::Error verifyDeviceOrder(llvm::ArrayRef<int64_t> order, int64_t numDevices);

/// Refuses modules whose meaning a relabelling would change (ops that read
/// their own device id, meshes of different device counts). Emits an error
/// at the offending op.
mlir::LogicalResult checkRelabellingIsSafe(mlir::ModuleOp module,
                                           const ModuleShardings &shardings);

/// Applies \p sigma to every device-assignment attribute of the module.
/// Attributes whose device assignment does not change keep their exact text.
mlir::LogicalResult applyDevicePermutation(const ModuleShardings &shardings,
                                           llvm::ArrayRef<int64_t> sigma);

} // namespace aoizora

#endif // AOIZORA_IR_DEVICERELABEL_H
