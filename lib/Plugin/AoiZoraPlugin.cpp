//===- AoiZoraPlugin.cpp - mlir-opt pass plugin entry point ---------------===//
//
// Lets an unmodified mlir-opt run AoiZora passes:
//   mlir-opt --load-pass-plugin=AoiZoraPlugin.so \
//     --pass-pipeline='builtin.module(az-inspect-shardings)'
// The plugin API only offers a pass-registry hook; pipelines are registered
// from inside it as well.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Passes/Passes.h"

#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"

extern "C" LLVM_ATTRIBUTE_WEAK mlir::PassPluginLibraryInfo
mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "AoiZoraPlugin", LLVM_VERSION_STRING,
          []() { aoizora::registerAllAoiZoraPassesAndPipelines(); }};
}
