//===- ShardyFuzzer.cpp - Shardy mesh and sharding parsers ----------------===//
//
// Properties: no crash on any text; whatever parses prints to text that
// parses to the same printed form; a verified mesh relabelled by a
// permutation and then by its inverse holds its original devices; a verified
// sharding converts to HLO and to a tile map without crashing.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "AoiZora/Sharding/Conversion.h"
#include "AoiZora/Sharding/HloSharding.h"
#include "AoiZora/Sharding/Shardy.h"

using namespace aoizora::sharding;
using namespace aoizora::fuzz;

static void checkMesh(llvm::StringRef text) {
  llvm::Expected<Mesh> mesh = parseMesh(text);
  if (!ok(mesh))
    return;
  std::string printed = printMesh(*mesh);
  llvm::Expected<Mesh> again = parseMesh(printed);
  FUZZ_CHECK(again, printed);
  FUZZ_CHECK(printMesh(*again) == printed, printed);
  if (llvm::Error err = verifyMesh(*mesh)) {
    llvm::consumeError(std::move(err));
    return;
  }
  FUZZ_CHECK(again->deviceIdsOrIota() == mesh->deviceIdsOrIota(), printed);
  int64_t n = mesh->numDevices();
  for (int64_t id : mesh->deviceIds)
    n = std::max(n, id + 1);
  if (n > kMaxRelabelDevices)
    return;
  llvm::SmallVector<int64_t> sigma = permutationFor(text, n);
  llvm::Expected<Mesh> relabelled = relabelMesh(*mesh, sigma);
  if (!ok(relabelled))
    return;
  llvm::Expected<Mesh> back = relabelMesh(*relabelled, inverseOf(sigma));
  FUZZ_CHECK(back, printed);
  FUZZ_CHECK(back->deviceIdsOrIota() == mesh->deviceIdsOrIota(), printed);
}

static void checkSharding(llvm::StringRef text) {
  llvm::Expected<TensorSharding> sharding = parseTensorSharding(text);
  if (!ok(sharding))
    return;
  std::string printed = printTensorSharding(*sharding);
  llvm::Expected<TensorSharding> again = parseTensorSharding(printed);
  FUZZ_CHECK(again, printed);
  FUZZ_CHECK(printTensorSharding(*again) == printed, printed);
  if (!sharding->inlineMesh)
    return;
  const Mesh &mesh = *sharding->inlineMesh;
  if (llvm::Error err = verifyMesh(mesh)) {
    llvm::consumeError(std::move(err));
    return;
  }
  if (llvm::Error err = verifyTensorSharding(*sharding, mesh)) {
    llvm::consumeError(std::move(err));
    return;
  }
  llvm::Expected<HloSharding> hlo = toHloSharding(*sharding, mesh);
  if (!ok(hlo))
    return;
  if (mesh.numDevices() <= kMaxRelabelDevices) {
    llvm::Expected<TileMap> map =
        tileMapOf(*hlo, mesh.numDevices(), sharding->rank());
    ok(map);
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text = textOf(data, size);
  checkMesh(text);
  checkSharding(text);
  llvm::Expected<std::vector<TensorSharding>> perValue =
      parseShardingPerValue(text);
  if (ok(perValue)) {
    std::string printed = printShardingPerValue(*perValue);
    llvm::Expected<std::vector<TensorSharding>> again =
        parseShardingPerValue(printed);
    FUZZ_CHECK(again, printed);
    FUZZ_CHECK(printShardingPerValue(*again) == printed, printed);
  }
  llvm::Expected<llvm::SmallVector<std::string>> axes = parseManualAxes(text);
  if (ok(axes)) {
    std::string printed = printManualAxes(*axes);
    llvm::Expected<llvm::SmallVector<std::string>> again =
        parseManualAxes(printed);
    FUZZ_CHECK(again && *again == *axes, printed);
  }
  return 0;
}
