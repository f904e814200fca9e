//===- aoizora-opt.cpp - AoiZora optimizer driver -------------------------===//
//
// An mlir-opt style driver with every az- pass and pipeline linked in. The
// dialects AoiZora reads (StableHLO, Shardy, MHLO) are not available as
// libraries, so unregistered dialects are allowed by default: inputs are
// generic-form MLIR, and their attributes arrive as opaque attributes.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Passes/Passes.h"
#include "AoiZora/Support/InputFile.h"
#include "AoiZora/Support/Limits.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Location.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/ToolOutputFile.h"

#include <cstdio>

static constexpr const char *kToolDescription =
    "AoiZora: topology-aware device placement for sharded StableHLO\n\n"
    "Reads StableHLO modules with Shardy (sdy.*) or GSPMD (mhlo.sharding)\n"
    "annotations in generic form. The stablehlo, sdy and mhlo dialects are\n"
    "external and not linked in, so --allow-unregistered-dialect is ON by\n"
    "default (pass --allow-unregistered-dialect=false to turn it off).\n"
    "Passes: see the --az-* options below; docs/ explains each one.\n";

/// Returns true when the user already set --allow-unregistered-dialect.
static bool mentionsUnregisteredFlag(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg(argv[i]);
    if (arg == "--")
      break;
    if (arg.ltrim('-').starts_with("allow-unregistered-dialect"))
      return true;
  }
  return false;
}

/// The input module: stdin for "-", else a bounded read of a regular file
/// (a FIFO or /dev/zero is refused instead of read forever).
static std::unique_ptr<llvm::MemoryBuffer> openInput(llvm::StringRef path) {
  if (path == "-") {
    if (llvm::sys::Process::FileDescriptorIsDisplayed(fileno(stdin)))
      llvm::errs() << "(processing input from stdin now, hit ctrl-c/ctrl-d to "
                      "interrupt)\n";
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> in =
        llvm::MemoryBuffer::getSTDIN();
    if (!in) {
      llvm::errs() << "<stdin>: error: cannot read input: "
                   << in.getError().message() << "\n";
      return nullptr;
    }
    return std::move(*in);
  }
  llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> in =
      aoizora::readInputFile(path, aoizora::limits::kMaxModuleFileBytes,
                             "input file");
  if (!in) {
    llvm::errs() << path << ": error: " << llvm::toString(in.takeError())
                 << "\n";
    return nullptr;
  }
  return std::move(*in);
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  aoizora::registerAllAoiZoraPassesAndPipelines();

  mlir::DialectRegistry registry;
  registry.insert<mlir::func::FuncDialect>();

  // Turn unregistered dialects on by default without shadowing the standard
  // flag, so that an explicit user choice still wins.
  llvm::SmallVector<char *> args(argv, argv + argc);
  static char allowFlag[] = "--allow-unregistered-dialect";
  if (!mentionsUnregisteredFlag(argc, argv))
    args.insert(args.begin() + 1, allowFlag);
  int numArgs = static_cast<int>(args.size());

  // MlirOptMain's own file handling, except that the input is read with a
  // bound and a failure to write the output (a full disk, say) is an error
  // naming the file instead of LLVM's fatal "IO failure on output stream".
  auto [inputFilename, outputFilename] = mlir::registerAndParseCLIOptions(
      numArgs, args.data(), kToolDescription, registry);
  mlir::MlirOptMainConfig config =
      mlir::MlirOptMainConfig::createFromCLOptions();
  if (config.shouldShowDialects() || config.shouldListPasses())
    return mlir::asMainReturnCode(mlir::MlirOptMain(
        numArgs, args.data(), inputFilename, outputFilename, registry));
  // Errors in pass options (`--az-place='topology=v5e:2x4 bogus=1'`) are
  // reported by MLIR at an unknown location; say that they are about the
  // command line instead of printing `<unknown>:0`.
  mlir::MlirOptMainConfig pipelineConfig = config;
  config.setPassPipelineSetupFn([pipelineConfig](mlir::PassManager &pm) {
    mlir::ScopedDiagnosticHandler handler(
        pm.getContext(), [](mlir::Diagnostic &diag) -> mlir::LogicalResult {
          if (!llvm::isa<mlir::UnknownLoc>(diag.getLocation()))
            return mlir::failure(); // Not ours: the usual handler prints it.
          std::string text = diag.str();
          llvm::StringRef message = llvm::StringRef(text).trim();
          // An empty message follows llvm::cl's own line about the value.
          llvm::errs() << "<command line>: error: "
                       << (message.empty()
                               ? llvm::StringRef("invalid pass option value "
                                                 "(see the line above)")
                               : message)
                       << "\n";
          return mlir::success();
        });
    return pipelineConfig.setupPassPipeline(pm);
  });
  std::unique_ptr<llvm::MemoryBuffer> input = openInput(inputFilename);
  if (!input)
    return 1;
  std::string errorMessage;
  std::unique_ptr<llvm::ToolOutputFile> output =
      mlir::openOutputFile(outputFilename, &errorMessage);
  if (!output) {
    llvm::errs() << outputFilename << ": error: " << errorMessage << "\n";
    return 1;
  }
  if (mlir::failed(
          mlir::MlirOptMain(output->os(), std::move(input), registry, config)))
    return 1;
  output->os().close();
  if (std::error_code ec = output->os().error()) {
    output->os().clear_error();
    llvm::errs() << outputFilename
                 << ": error: cannot write the output: " << ec.message()
                 << "\n";
    return 1;
  }
  output->keep();
  return 0;
}
