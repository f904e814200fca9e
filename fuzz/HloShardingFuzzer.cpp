//===- HloShardingFuzzer.cpp - GSPMD/HLO sharding string parser -----------===//
//
// Properties: no crash on any text; printing is a fixed point (print, parse,
// print gives the same text); relabelling by a permutation and then by its
// inverse gives back the same devices in every tiled element.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "AoiZora/Sharding/Conversion.h"
#include "AoiZora/Sharding/HloSharding.h"

using namespace aoizora::sharding;
using namespace aoizora::fuzz;

/// One more than the largest device id \p s uses.
static int64_t devicesUsed(const HloSharding &s) {
  switch (s.kind) {
  case HloSharding::Kind::Tuple: {
    int64_t n = 1;
    for (const HloSharding &e : s.elements)
      n = std::max(n, devicesUsed(e));
    return n;
  }
  case HloSharding::Kind::Maximal:
    return s.maximalDevice + 1;
  case HloSharding::Kind::Tiled:
    return s.tiles.numElements();
  default:
    return 1;
  }
}

/// Same kind, same tile dims and the same devices in XLA's canonical order.
static bool sameDevices(const HloSharding &a, const HloSharding &b) {
  if (a.kind != b.kind)
    return false;
  switch (a.kind) {
  case HloSharding::Kind::Tuple:
    if (a.elements.size() != b.elements.size())
      return false;
    for (size_t i = 0; i < a.elements.size(); ++i)
      if (!sameDevices(a.elements[i], b.elements[i]))
        return false;
    return true;
  case HloSharding::Kind::Maximal:
    return a.maximalDevice == b.maximalDevice;
  case HloSharding::Kind::Tiled:
    return a.tiles.dims == b.tiles.dims &&
           canonicalDevices(a) == canonicalDevices(b);
  default:
    return true;
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text = textOf(data, size);
  llvm::Expected<HloSharding> hlo = parseHloSharding(text);
  if (!ok(hlo))
    return 0;
  std::string printed = printHloSharding(*hlo);
  llvm::Expected<HloSharding> again = parseHloSharding(printed);
  FUZZ_CHECK(again, printed);
  FUZZ_CHECK(printHloSharding(*again) == printed, printed);
  FUZZ_CHECK(sameDevices(*again, *hlo), printed);

  int64_t n = devicesUsed(*hlo);
  if (n > kMaxRelabelDevices)
    return 0;
  llvm::SmallVector<int64_t> sigma = permutationFor(text, n);
  llvm::Expected<HloSharding> relabelled = relabelDevices(*hlo, sigma);
  if (!ok(relabelled))
    return 0;
  llvm::Expected<HloSharding> back =
      relabelDevices(*relabelled, inverseOf(sigma));
  FUZZ_CHECK(back, printed);
  FUZZ_CHECK(sameDevices(*back, *hlo), printed);
  // What relabelling writes parses again.
  std::string relabelledText = printHloSharding(*relabelled);
  llvm::Expected<HloSharding> reparsed = parseHloSharding(relabelledText);
  FUZZ_CHECK(reparsed, relabelledText);
  return 0;
}
