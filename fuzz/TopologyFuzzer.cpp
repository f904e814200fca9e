//===- TopologyFuzzer.cpp - Slice specs and topology files ----------------===//
//
// The first line is a `topology=` spec (Slice::parse, what every pass's
// option goes through); the rest is a topology file read for that slice.
// Property: errors, never a crash; a slice within the device limit.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "AoiZora/Support/Limits.h"
#include "AoiZora/Topology/Placement.h"
#include "AoiZora/Topology/Slice.h"

using namespace aoizora;
using namespace aoizora::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto [spec, file] = textOf(data, size).split('\n');
  llvm::Expected<Slice> slice = Slice::parse(spec);
  if (!ok(slice))
    return 0;
  FUZZ_CHECK(slice->numDevices() >= 1 &&
                 int64_t(slice->numDevices()) <= limits::kMaxDevices,
             spec);
  if (slice->numDevices() > kMaxRelabelDevices)
    return 0;
  llvm::Expected<Placement> placement = Placement::fromJSONText(*slice, file);
  if (ok(placement))
    FUZZ_CHECK(placement->numDevices() == slice->numDevices(), file);
  return 0;
}
