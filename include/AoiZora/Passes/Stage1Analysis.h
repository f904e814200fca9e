//===- Stage1Analysis.h - Stage 1, computed once per module -----*- C++ -*-===//
//
// az-estimate-candidates, az-prune-candidates and az-place all need the
// module's tensor graph, its propagation and the estimate of every
// candidate mesh. This MLIR analysis computes each once per module and
// hands it to every pass of a pipeline: the estimate and prune passes only
// add or replace their table attribute, so they keep it valid. Estimates
// are kept per (slice, device order, options), the inputs they depend on.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_PASSES_STAGE1ANALYSIS_H
#define AOIZORA_PASSES_STAGE1ANALYSIS_H

#include "AoiZora/IR/TensorGraph.h"
#include "AoiZora/Planner/Candidates.h"

#include "mlir/Pass/AnalysisManager.h"

#include <deque>
#include <memory>

namespace aoizora {

class Stage1Analysis {
public:
  explicit Stage1Analysis(mlir::Operation *op);

  /// The tensor graph of the module and its propagation (built on first
  /// use; errors are emitted on the module and nothing is kept).
  struct Graph {
    TensorGraphBuild build;
    planner::PropagationResult propagation;
  };
  mlir::FailureOr<const Graph *> graph(const ModuleShardings &shardings);

  /// The estimate of every candidate of the graph on \p slice with devices
  /// where \p assignment puts them, in candidatesOf order.
  mlir::FailureOr<llvm::ArrayRef<planner::CandidateEstimate>>
  estimates(const ModuleShardings &shardings, const Slice &slice,
            const Placement &assignment,
            const planner::EstimateOptions &options);

  /// Stays valid while the passes that change nothing but their table
  /// attribute say so.
  bool isInvalidated(const mlir::AnalysisManager::PreservedAnalyses &pa) {
    return !pa.isPreserved<Stage1Analysis>();
  }

private:
  struct Estimates {
    std::string key;
    std::vector<planner::CandidateEstimate> table;
  };
  mlir::ModuleOp module;
  std::unique_ptr<Graph> built;
  std::deque<Estimates> cache;
};

} // namespace aoizora

#endif // AOIZORA_PASSES_STAGE1ANALYSIS_H
