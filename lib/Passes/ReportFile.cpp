//===- ReportFile.cpp - JSON reports written by passes --------------------===//

#include "AoiZora/Passes/ReportFile.h"

#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

namespace aoizora {

/// Writes \p text to \p path ('-': stdout) and reports a failure to open
/// or write it (a full disk, say) as a located error instead of leaving it
/// in the stream, where it would end the process with LLVM's fatal "IO
/// failure on output stream". Stdout is flushed, not closed: a later report
/// (another --split-input-file chunk) still writes to it.
static mlir::LogicalResult writeReport(mlir::ModuleOp module,
                                       llvm::StringRef path,
                                       llvm::StringRef what,
                                       llvm::StringRef text) {
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> file =
      mlir::openOutputFile(path, &error);
  if (!file)
    return module.emitError()
           << "cannot write " << what << "'" << path << "': " << error;
  file->os() << text;
  if (path == "-")
    file->os().flush();
  else
    file->os().close();
  if (std::error_code ec = file->os().error()) {
    file->os().clear_error();
    return module.emitError()
           << "cannot write " << what << "'" << path << "': " << ec.message();
  }
  file->keep();
  return mlir::success();
}

mlir::LogicalResult writeJSONReport(mlir::ModuleOp module, llvm::StringRef path,
                                    const llvm::json::Value &report) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", report) << "\n";
  return writeReport(module, path, "report ", text);
}

mlir::LogicalResult writeTextReport(mlir::ModuleOp module, llvm::StringRef path,
                                    llvm::StringRef text) {
  return writeReport(module, path, "", text);
}

} // namespace aoizora
