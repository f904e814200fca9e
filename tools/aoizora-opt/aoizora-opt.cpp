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
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

#include <cstdio>
#include <optional>

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

/// The op named by MLIR's parse error for a custom-syntax op of an external
/// dialect this driver cannot parse, e.g. "sdy.mesh" in "Dialect `sdy' not
/// found for custom op 'sdy.mesh' ".
static std::optional<std::string> customFormOp(llvm::StringRef message) {
  static constexpr llvm::StringLiteral kExternal[] = {"sdy", "stablehlo",
                                                      "mhlo", "chlo"};
  if (!message.consume_front("Dialect `"))
    return std::nullopt;
  auto [dialect, rest] = message.split('\'');
  if (!llvm::is_contained(kExternal, dialect) ||
      !rest.consume_front(" not found for custom op '"))
    return std::nullopt;
  return rest.take_until([](char c) { return c == '\''; }).str();
}

/// Parses \p buffer (each split chunk on its own, as MlirOptMain will) in
/// a scratch context. When a chunk fails on a custom-syntax op of an
/// external dialect, reports one error at MLIR's location that explains
/// the file is JAX's default printed form and how to print it generic, and
/// returns true.
static bool reportCustomForm(const llvm::MemoryBuffer &buffer,
                             llvm::StringRef splitMarker,
                             mlir::DialectRegistry &registry) {
  llvm::StringRef text = buffer.getBuffer();
  // Chunks as [begin, end) offsets; a chunk keeps its line numbers because
  // everything outside it is blanked (newlines kept) rather than cut.
  llvm::SmallVector<std::pair<size_t, size_t>> chunks;
  size_t begin = 0;
  if (!splitMarker.empty()) {
    size_t lineStart = 0;
    while (lineStart < text.size()) {
      size_t lineEnd = text.find('\n', lineStart);
      if (lineEnd == llvm::StringRef::npos)
        lineEnd = text.size();
      if (text.slice(lineStart, lineEnd).trim() == splitMarker) {
        chunks.emplace_back(begin, lineStart);
        begin = lineEnd;
      }
      lineStart = lineEnd + 1;
    }
  }
  chunks.emplace_back(begin, text.size());

  bool reported = false;
  for (auto [chunkBegin, chunkEnd] : chunks) {
    std::string masked = text.str();
    for (size_t i = 0; i < masked.size(); ++i)
      if ((i < chunkBegin || i >= chunkEnd) && masked[i] != '\n')
        masked[i] = ' ';
    llvm::SourceMgr sourceMgr;
    sourceMgr.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(masked,
                                             buffer.getBufferIdentifier()),
        llvm::SMLoc());
    mlir::MLIRContext context(registry,
                              mlir::MLIRContext::Threading::DISABLED);
    context.allowUnregisteredDialects();
    std::optional<mlir::Location> at;
    std::string op;
    {
      // Swallow every diagnostic of the scratch parse; MlirOptMain reports
      // the ones that are not ours.
      mlir::ScopedDiagnosticHandler capture(
          &context, [&](mlir::Diagnostic &diag) {
            if (!at && diag.getSeverity() == mlir::DiagnosticSeverity::Error)
              if (std::optional<std::string> name = customFormOp(diag.str())) {
                at = diag.getLocation();
                op = *name;
              }
            return mlir::success();
          });
      (void)mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
    }
    if (!at)
      continue;
    mlir::SourceMgrDiagnosticHandler report(sourceMgr, &context);
    mlir::emitError(*at)
        << "'" << op
        << "' is written in custom syntax, the form JAX prints by default; "
           "aoizora-opt reads the generic form only (the sdy, stablehlo, "
           "mhlo and chlo dialects are not linked in). Print the module "
           "generic in JAX: lowered.compiler_ir(\"stablehlo\").operation."
           "get_asm(print_generic_op_form=True)";
    reported = true;
  }
  return reported;
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
  // A custom-syntax module (JAX's default print) gets one error that says
  // how to print it generic. With --verify-diagnostics the input's
  // expected-* lines decide what is reported, so MLIR's own messages stay.
  if (config.shouldAllowUnregisteredDialects() &&
      !config.shouldVerifyDiagnostics() &&
      reportCustomForm(*input, config.inputSplitMarker(), registry))
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
