//===- SearchBench.cpp - Cost of a placement search -----------------------===//
//
// One az-place run: structured embeddings plus a fixed local-search budget
// for a two-axis mesh with an all-to-all on the minor axis and an all-gather
// on the major one (a Ulysses + CFG step), against the slice size.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Search/PlacementSearch.h"

#include "BenchSlices.h"

#include "benchmark/benchmark.h"

using namespace aoizora;

namespace {


/// Groups of devices that differ only along the given axis of a row-major
/// mesh of `shape`.
CollectiveSpec overAxis(CollectiveKind kind, int64_t rows, int64_t cols,
                        bool minorAxis) {
  CollectiveSpec spec;
  spec.kind = kind;
  spec.bytes = 32 << 20;
  int64_t groups = minorAxis ? rows : cols;
  int64_t members = minorAxis ? cols : rows;
  for (int64_t g = 0; g < groups; ++g) {
    llvm::SmallVector<unsigned, 16> group;
    for (int64_t m = 0; m < members; ++m)
      group.push_back(minorAxis ? g * cols + m : m * cols + g);
    spec.groups.push_back(group);
  }
  return spec;
}

void BM_PlacementSearch(benchmark::State &state) {
  Slice slice = v5eSliceWith(state.range(0));
  int64_t devices = slice.numDevices();
  int64_t rows = 2, cols = devices / 2;
  std::vector<WeightedCollective> step = {
      {overAxis(CollectiveKind::AllToAll, rows, cols, true), 4},
      {overAxis(CollectiveKind::AllGather, rows, cols, false), 1}};
  SearchOptions options;
  options.localSearchEvaluations = 2000;
  uint64_t evaluated = 0;
  for (auto _ : state) {
    SearchResult result =
        searchPlacements(slice, {rows, cols}, step, {}, options);
    evaluated = result.evaluated;
    benchmark::DoNotOptimize(result.ranked.front().score.seconds);
  }
  state.counters["placements_scored"] = static_cast<double>(evaluated);
  state.SetComplexityN(devices);
}

} // namespace

BENCHMARK(BM_PlacementSearch)
    ->RangeMultiplier(2)
    ->Range(8, 256)
    ->Unit(benchmark::kMillisecond)
    ->Complexity();
