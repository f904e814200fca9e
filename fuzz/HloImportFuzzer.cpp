//===- HloImportFuzzer.cpp - Compiled XLA HLO text importer ---------------===//
//
// Property: any text imports or fails with an error; never a crash, a hang
// or an unbounded allocation (group expansion and shapes are bounded).
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "AoiZora/HloImport/HloImport.h"

using namespace aoizora::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::Expected<aoizora::hlo::HloImportResult> result =
      aoizora::hlo::importHloText(textOf(data, size));
  if (ok(result))
    for (const aoizora::hlo::ImportedCollective &c : result->collectives)
      FUZZ_CHECK(c.count >= 0, c.instructionName);
  return 0;
}
