//===- Passes.h - AoiZora passes and pipelines ------------------*- C++ -*-===//
//
// Declarations of all AoiZora passes (generated from Passes.td) and the one
// registration entry point shared by aoizora-opt and the pass plugin.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_PASSES_PASSES_H
#define AOIZORA_PASSES_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace aoizora {

#define GEN_PASS_DECL
#include "AoiZora/Passes/Passes.h.inc"

/// Registers every AoiZora pass and pipeline with the global registry. Called
/// by aoizora-opt before parsing its command line and by the plugin's
/// registration callback.
void registerAllAoiZoraPassesAndPipelines();

} // namespace aoizora

#endif // AOIZORA_PASSES_PASSES_H
