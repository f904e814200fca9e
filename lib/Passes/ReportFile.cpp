//===- ReportFile.cpp - JSON reports written by passes --------------------===//

#include "AoiZora/Passes/ReportFile.h"

#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/ToolOutputFile.h"

namespace aoizora {

mlir::LogicalResult writeJSONReport(mlir::ModuleOp module, llvm::StringRef path,
                                    const llvm::json::Value &report) {
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> file =
      mlir::openOutputFile(path, &error);
  if (!file)
    return module.emitError()
           << "cannot write report '" << path << "': " << error;
  file->os() << llvm::formatv("{0:2}", report) << "\n";
  // A write failure (a full disk, say) is reported here; left in the stream
  // it would end the process with LLVM's fatal "IO failure on output stream".
  file->os().close();
  if (std::error_code ec = file->os().error()) {
    file->os().clear_error();
    return module.emitError()
           << "cannot write report '" << path << "': " << ec.message();
  }
  file->keep();
  return mlir::success();
}

mlir::LogicalResult writeTextReport(mlir::ModuleOp module, llvm::StringRef path,
                                    llvm::StringRef text) {
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> file =
      mlir::openOutputFile(path, &error);
  if (!file)
    return module.emitError() << "cannot write '" << path << "': " << error;
  file->os() << text;
  file->keep();
  return mlir::success();
}

} // namespace aoizora
