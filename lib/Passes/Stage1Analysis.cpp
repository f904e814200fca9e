//===- Stage1Analysis.cpp - Stage 1, computed once per module -------------===//

#include "AoiZora/Passes/Stage1Analysis.h"

#include "mlir/IR/Threading.h"

using namespace mlir;
using namespace aoizora::planner;

namespace aoizora {

Stage1Analysis::Stage1Analysis(Operation *op) : module(cast<ModuleOp>(op)) {}

FailureOr<const Stage1Analysis::Graph *>
Stage1Analysis::graph(const ModuleShardings &shardings) {
  if (built)
    return built.get();
  FailureOr<TensorGraphBuild> build = buildTensorGraph(module, shardings);
  if (failed(build))
    return failure();
  auto graph = std::make_unique<Graph>();
  graph->build = std::move(*build);
  graph->propagation = propagate(graph->build.graph);
  built = std::move(graph);
  return built.get();
}

/// What an estimate depends on besides the graph.
static std::string estimateKey(const Slice &slice, const Placement &assignment,
                               const EstimateOptions &options) {
  std::string key = slice.str();
  key += options.allowPadding ? "|pad" : "|nopad";
  key += "|" + stringifyOverlapMode(options.overlap).str();
  key += "|" + (options.calibration ? options.calibration->origin
                                    : std::string("defaults"));
  key += options.checkMemory ? "|memory" : "|nomemory";
  for (unsigned d = 0; d < assignment.numDevices(); ++d)
    key += "|" + std::to_string(assignment.chipOf(d)) + ":" +
           std::to_string(assignment.slotOf(d));
  return key;
}

FailureOr<ArrayRef<CandidateEstimate>>
Stage1Analysis::estimates(const ModuleShardings &shardings, const Slice &slice,
                          const Placement &assignment,
                          const EstimateOptions &options) {
  std::string key = estimateKey(slice, assignment, options);
  for (const Estimates &entry : cache)
    if (entry.key == key)
      return ArrayRef<CandidateEstimate>(entry.table);
  FailureOr<const Graph *> g = graph(shardings);
  if (failed(g))
    return failure();
  const TensorGraph &tensorGraph = (*g)->build.graph;
  llvm::Expected<std::vector<Candidate>> enumerated =
      candidatesOf(tensorGraph, slice.numDevices());
  if (!enumerated)
    return module.emitError() << llvm::toString(enumerated.takeError());
  std::vector<Candidate> &candidates = *enumerated;
  // Candidates are estimated independently (pure functions of the graph).
  std::vector<CandidateEstimate> table(candidates.size());
  mlir::parallelFor(module.getContext(), 0, candidates.size(), [&](size_t i) {
    table[i] = estimateCandidate(tensorGraph, (*g)->propagation, candidates[i],
                                 slice, assignment, options);
  });
  cache.push_back({std::move(key), std::move(table)});
  return ArrayRef<CandidateEstimate>(cache.back().table);
}

} // namespace aoizora
