//===- CostBench.cpp - Cost of pricing one collective ---------------------===//
//
// The placement search prices every collective of a step for every candidate
// placement, so estimateCollective is the innermost loop of planning.
// Complexity is fitted against the number of devices in the slice.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Cost/Collective.h"

#include "BenchSlices.h"

#include "benchmark/benchmark.h"

#include <numeric>
#include <random>

using namespace aoizora;

namespace {


/// Groups of `groupSize` consecutive devices covering the slice.
CollectiveSpec groupedSpec(CollectiveKind kind, unsigned devices,
                           unsigned groupSize) {
  CollectiveSpec spec;
  spec.kind = kind;
  spec.bytes = 64 << 20;
  for (unsigned first = 0; first < devices; first += groupSize) {
    llvm::SmallVector<unsigned, 16> group(groupSize);
    std::iota(group.begin(), group.end(), first);
    spec.groups.push_back(group);
  }
  return spec;
}

/// A random placement, fixed per benchmark run.
Placement shuffled(const Slice &slice) {
  llvm::SmallVector<unsigned> chips(slice.numChips());
  std::iota(chips.begin(), chips.end(), 0);
  std::mt19937 rng(7);
  std::shuffle(chips.begin(), chips.end(), rng);
  return std::move(*Placement::fromChips(slice, chips));
}

void runCollective(benchmark::State &state, CollectiveKind kind) {
  Slice slice = v5eSliceWith(state.range(0));
  unsigned devices = slice.numDevices();
  CollectiveSpec spec = groupedSpec(kind, devices, std::min(devices, 16u));
  Placement placement = shuffled(slice);
  CollectiveCost cost;
  for (auto _ : state) {
    estimateCollective(slice, placement, spec, cost);
    benchmark::DoNotOptimize(cost.seconds);
  }
  state.SetComplexityN(devices);
}

void BM_AllGather(benchmark::State &state) {
  runCollective(state, CollectiveKind::AllGather);
}
void BM_AllReduce(benchmark::State &state) {
  runCollective(state, CollectiveKind::AllReduce);
}
void BM_AllToAll(benchmark::State &state) {
  runCollective(state, CollectiveKind::AllToAll);
}

} // namespace

BENCHMARK(BM_AllGather)->RangeMultiplier(2)->Range(4, 256)->Complexity();
BENCHMARK(BM_AllReduce)->RangeMultiplier(2)->Range(4, 256)->Complexity();
BENCHMARK(BM_AllToAll)->RangeMultiplier(2)->Range(4, 256)->Complexity();
