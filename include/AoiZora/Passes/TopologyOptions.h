//===- TopologyOptions.h - Topology options shared by passes ----*- C++ -*-===//
//
// The passes that price or place (`az-estimate-collectives`, `az-place`, ...)
// take the same `topology`, `topology-file` and device-count checks, and
// print times, sizes and links the same way. This is that shared code.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_PASSES_TOPOLOGYOPTIONS_H
#define AOIZORA_PASSES_TOPOLOGYOPTIONS_H

#include "AoiZora/Plan/Report.h"
#include "AoiZora/Cost/Calibration.h"
#include "AoiZora/Topology/Placement.h"
#include "AoiZora/Topology/Slice.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace aoizora {

/// Parses the `topology` option of \p passName and checks that the slice has
/// \p numDevices devices. Errors are emitted on \p module.
mlir::FailureOr<Slice> parseTopologyOption(mlir::ModuleOp module,
                                           llvm::StringRef passName,
                                           llvm::StringRef topology,
                                           int64_t numDevices);

/// Where each logical device id sits: the slice's default order, or the
/// JSON topology file (as dumped from jax.devices()) when \p file is set.
mlir::FailureOr<Placement> loadDeviceAssignment(mlir::ModuleOp module,
                                                const Slice &slice,
                                                llvm::StringRef file);

/// The calibration of the `calibration` option: the slice generation's
/// defaults when \p file is empty, else the file (errors, which name the
/// offending key, are emitted on \p module).
mlir::FailureOr<Calibration> loadCalibrationOption(mlir::ModuleOp module,
                                                   llvm::StringRef passName,
                                                   const Slice &slice,
                                                   llvm::StringRef file);

/// Where a pass reports about the whole module: the module's file and line
/// without a column, so that a remark does not echo the module's first line
/// (its text is the whole `module attributes {...}` header).
mlir::Location moduleReportLoc(mlir::ModuleOp module);
/// "chip (1,0) +x", or "none" for kNoLink.
std::string describeLink(const Slice &slice, LinkId link);
/// "(1,0)" / "(1,0,2)": a chip's coordinates over the slice's dimensions.
std::string describeChip(const Slice &slice, unsigned chip);

} // namespace aoizora

#endif // AOIZORA_PASSES_TOPOLOGYOPTIONS_H
