//===- Registration.cpp - Register all AoiZora passes ---------------------===//
//
// The single registration entry point used by aoizora-opt and the plugin.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Passes/Passes.h"

namespace aoizora {
#define GEN_PASS_REGISTRATION
#include "AoiZora/Passes/Passes.h.inc"

void registerAllAoiZoraPassesAndPipelines() { registerAoiZoraPasses(); }
} // namespace aoizora
