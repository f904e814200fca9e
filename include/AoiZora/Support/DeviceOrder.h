//===- DeviceOrder.h - Device orders given by the user ----------*- C++ -*-===//
//
// The two ways a user names a device permutation: a comma list option
// (`order=0,2,1,3`) and the "device_order" array of a JSON plan file. Plain
// C++ (no MLIR), so the fuzzers exercise exactly the code the passes run.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_SUPPORT_DEVICEORDER_H
#define AOIZORA_SUPPORT_DEVICEORDER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>

namespace aoizora {

/// Parses a comma-separated device order such as "0,2,1,3".
llvm::Expected<llvm::SmallVector<int64_t>>
parseDeviceOrder(llvm::StringRef text);

/// Reads the "device_order" array of the JSON text of a plan file; errors
/// name \p path.
llvm::Expected<llvm::SmallVector<int64_t>>
parseDeviceOrderFromPlanText(llvm::StringRef text, llvm::StringRef path);

/// Reads the "device_order" array of a JSON plan file (a bounded read of a
/// regular file, see InputFile.h).
llvm::Expected<llvm::SmallVector<int64_t>>
readDeviceOrderFromPlan(llvm::StringRef path);

/// Checks that \p order is a permutation of 0..numDevices-1.
llvm::Error verifyDeviceOrder(llvm::ArrayRef<int64_t> order,
                              int64_t numDevices);

} // namespace aoizora

#endif // AOIZORA_SUPPORT_DEVICEORDER_H
