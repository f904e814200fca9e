//===- aoizora-opt.cpp - AoiZora optimizer driver -------------------------===//
//
// An mlir-opt style driver with every az- pass and pipeline linked in. The
// dialects AoiZora reads (StableHLO, Shardy, MHLO) are not available as
// libraries, so unregistered dialects are allowed by default: inputs are
// generic-form MLIR, and their attributes arrive as opaque attributes.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

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

int main(int argc, char **argv) {
  aoizora::registerAllAoiZoraPassesAndPipelines();

  mlir::DialectRegistry registry;
  registry.insert<mlir::func::FuncDialect>();

  // Turn unregistered dialects on by default without shadowing the standard
  // flag, so that an explicit user choice still wins.
  llvm::SmallVector<char *> args(argv, argv + argc);
  static char allowFlag[] = "--allow-unregistered-dialect";
  if (!mentionsUnregisteredFlag(argc, argv))
    args.insert(args.begin() + 1, allowFlag);

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      static_cast<int>(args.size()), args.data(), kToolDescription,
      registry));
}
