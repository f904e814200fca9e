//===- ShardingBench.cpp - Parsing and converting sharding text -----------===//
//
// Every pass re-reads every annotation of a module through its text; these
// measure one parse + Shardy-to-HLO conversion, and HLO strings whose
// device lists grow with the device count.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Sharding/Conversion.h"
#include "AoiZora/Sharding/HloSharding.h"

#include "benchmark/benchmark.h"

#include <string>

using namespace aoizora::sharding;

namespace {

void BM_ParseAndConvertShardy(benchmark::State &state) {
  Mesh mesh = std::move(*parseMesh(R"(#sdy.mesh<["cfg"=2, "sp"=8, "tp"=16]>)"));
  const char *text = R"(#sdy.sharding<@mesh, [{"cfg"}, {"sp", ?}, {"tp"}p1, {}]>)";
  for (auto _ : state) {
    llvm::Expected<TensorSharding> sharding = parseTensorSharding(text);
    llvm::Expected<HloSharding> hlo = toHloSharding(*sharding, mesh);
    benchmark::DoNotOptimize(printHloSharding(*hlo));
  }
}

/// An explicit device list of n devices in a non-iota order.
void BM_ParseExplicitHloSharding(benchmark::State &state) {
  int64_t n = state.range(0);
  std::string text = "{devices=[" + std::to_string(n / 2) + ",2]";
  for (int64_t i = 0; i < n; ++i)
    text += (i ? "," : "") + std::to_string((i * 7) % n);
  text += "}";
  for (auto _ : state) {
    llvm::Expected<HloSharding> hlo = parseHloSharding(text);
    benchmark::DoNotOptimize(hlo->tiles.devices.size());
  }
  state.SetComplexityN(n);
}

} // namespace

BENCHMARK(BM_ParseAndConvertShardy);
BENCHMARK(BM_ParseExplicitHloSharding)
    ->RangeMultiplier(4)
    ->Range(16, 4096)
    ->Complexity();
