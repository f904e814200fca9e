//===- ReportFile.h - JSON reports written by passes ------------*- C++ -*-===//
//
// Passes that report (inspect, estimate, plan) write JSON through this one
// helper, so '-' (stdout), error handling and formatting are the same for all.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_PASSES_REPORTFILE_H
#define AOIZORA_PASSES_REPORTFILE_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/JSON.h"

namespace aoizora {

/// Writes \p report, pretty-printed, to \p path ('-' is stdout). Emits an
/// error on \p module when the file cannot be written.
mlir::LogicalResult writeJSONReport(mlir::ModuleOp module, llvm::StringRef path,
                                    const llvm::json::Value &report);

/// Writes \p text to \p path ('-' is stdout). Emits an error on \p module
/// when the file cannot be written.
mlir::LogicalResult writeTextReport(mlir::ModuleOp module, llvm::StringRef path,
                                    llvm::StringRef text);

} // namespace aoizora

#endif // AOIZORA_PASSES_REPORTFILE_H
