//===- Place.cpp - az-place -----------------------------------------------===//
//
// Reads what the plan needs from the module (its meshes, its explicit
// collectives or the stage-1 candidates az-prune-candidates left), asks the
// plan library (AoiZora/Plan) for the ranked plan, reports it, writes the
// JSON plan and rewrites the module's device assignment to the winner.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/IR/DeviceRelabel.h"
#include "AoiZora/IR/ModuleShardings.h"
#include "AoiZora/Passes/CandidateTable.h"
#include "AoiZora/Passes/ExplicitStep.h"
#include "AoiZora/Passes/Passes.h"
#include "AoiZora/Passes/ReportFile.h"
#include "AoiZora/Passes/Stage1Analysis.h"
#include "AoiZora/Passes/TopologyOptions.h"
#include "AoiZora/Plan/Picture.h"
#include "AoiZora/Plan/Summary.h"

#include "mlir/IR/Threading.h"
#include "llvm/ADT/STLExtras.h"

namespace aoizora {
#define GEN_PASS_DEF_PLACE
#include "AoiZora/Passes/Passes.h.inc"
} // namespace aoizora

using namespace mlir;
using namespace aoizora::planner;

namespace aoizora {

/// Reports the plan library's messages as diagnostics on the module.
static auto sinkFor(ModuleOp module) {
  return [loc = moduleReportLoc(module)](plan::MessageKind kind,
                                         const Twine &message) {
    if (kind == plan::MessageKind::Warning)
      emitWarning(loc) << message;
    else
      emitRemark(loc) << message;
  };
}

static LogicalResult emitPlanError(ModuleOp module, llvm::Error error) {
  return module.emitError() << llvm::toString(std::move(error));
}

static std::vector<plan::NamedMesh>
namedMeshes(const ModuleShardings &shardings) {
  std::vector<plan::NamedMesh> meshes;
  for (const MeshInfo &info : shardings.meshes())
    meshes.push_back({info.name, info.mesh});
  return meshes;
}

namespace {
struct PlacePass : public impl::PlaceBase<PlacePass> {
  using Base::Base;

  void runOnOperation() override;

private:
  plan::PlanOptions planOptions() {
    plan::PlanOptions options;
    options.search.topK = std::max(topK.getValue(), 1u);
    options.search.localSearchEvaluations = searchEvaluations;
    options.search.localSearchSeconds = searchSeconds;
    options.search.localSearchStall = searchStall;
    options.exhaustive = exhaustive;
    options.simulate = simulate;
    options.emitRemarks = emitRemarks;
    options.allowEmpty = allowEmpty;
    options.search.cost.calibration = &calibrated;
    options.auditRandom = auditRandom;
    MLIRContext *context = &getContext();
    options.parallelFor = [context](size_t n, function_ref<void(size_t)> body) {
      mlir::parallelFor(context, 0, n, body);
    };
    return options;
  }
  /// The summary table and the picture, when asked for.
  template <typename Plan>
  LogicalResult writeViews(ModuleOp module, const Slice &slice,
                           const Placement &assignment, const Plan &placed) {
    if (!summaryFile.empty() &&
        failed(writeTextReport(module, summaryFile,
                               plan::summarize(slice, placed))))
      return failure();
    if (pictureFile.empty())
      return success();
    auto svg = plan::drawPicture(slice, assignment, plan::pictureSides(placed),
                                 pictureAxis);
    if (!svg)
      return emitPlanError(module, svg.takeError());
    return writeTextReport(module, pictureFile, *svg);
  }
  LogicalResult placeExplicit(ModuleOp module, const ModuleShardings &shardings,
                              const Slice &slice, const Placement &assignment);
  LogicalResult placeCandidates(ModuleOp module,
                                const ModuleShardings &shardings,
                                const Slice &slice, const Placement &assignment,
                                DictionaryAttr table);
  /// The calibration every pricing of this run uses.
  Calibration calibrated;
};
} // namespace

void PlacePass::runOnOperation() {
  ModuleOp module = getOperation();
  if (searchSeconds < 0) {
    module.emitError() << "az-place: search-seconds must be >= 0 (0: no "
                          "wall-clock bound), got "
                       << searchSeconds;
    return signalPassFailure();
  }
  FailureOr<ModuleShardings> shardings = ModuleShardings::build(module);
  if (failed(shardings))
    return signalPassFailure();
  FailureOr<Slice> slice = parseTopologyOption(module, "az-place", topology,
                                               shardings->deviceCount());
  if (failed(slice))
    return signalPassFailure();
  FailureOr<Placement> assignment =
      loadDeviceAssignment(module, *slice, topologyFile);
  if (failed(assignment))
    return signalPassFailure();
  // After az-estimate-candidates / az-prune-candidates: place the survivors.
  auto table = module->getAttrOfType<DictionaryAttr>(kCandidatesAttr);
  // The calibration: this pass's option, else the file stage 1 used.
  std::string calibrationFile = calibration;
  if (table && calibrationFile.empty())
    if (auto carried = table.getAs<DictionaryAttr>("estimate_options"))
      if (auto file = carried.getAs<StringAttr>("calibration"))
        calibrationFile = file.getValue().str();
  FailureOr<Calibration> loaded =
      loadCalibrationOption(module, "az-place", *slice, calibrationFile);
  if (failed(loaded))
    return signalPassFailure();
  calibrated = std::move(*loaded);
  if (failed(table ? placeCandidates(module, *shardings, *slice, *assignment,
                                     table)
                   : placeExplicit(module, *shardings, *slice, *assignment)))
    signalPassFailure();
}

LogicalResult PlacePass::placeExplicit(ModuleOp module,
                                       const ModuleShardings &shardings,
                                       const Slice &slice,
                                       const Placement &assignment) {
  std::vector<plan::NamedMesh> meshes = namedMeshes(shardings);
  auto sink = sinkFor(module);
  auto dumped = plan::loadOwnDump(hloDumps, meshes, slice, allowEmpty, sink);
  if (!dumped)
    return emitPlanError(module, dumped.takeError());
  plan::PricedStep step;
  if (*dumped) {
    step = std::move(**dumped);
  } else {
    auto collected = collectExplicitStep(module, slice, allowEmpty);
    if (failed(collected))
      return failure();
    step = std::move(*collected);
  }
  auto placed = plan::planExplicit(slice, assignment, std::move(step), meshes,
                                   planOptions(), sink);
  if (!placed)
    return emitPlanError(module, placed.takeError());
  if (!planFile.empty() &&
      failed(writeJSONReport(module, planFile, placed->toJSON(slice))))
    return failure();
  if (failed(writeViews(module, slice, assignment, *placed)))
    return failure();
  if (!apply || plan::isIdentity(placed->sigma)) {
    markAllAnalysesPreserved();
    return success();
  }
  if (failed(checkRelabellingIsSafe(module, shardings)))
    return failure();
  return applyDevicePermutation(shardings, placed->sigma);
}

LogicalResult PlacePass::placeCandidates(ModuleOp module,
                                         const ModuleShardings &shardings,
                                         const Slice &slice,
                                         const Placement &assignment,
                                         DictionaryAttr table) {
  FailureOr<ArrayAttr> survivors = survivorList(module, table);
  if (failed(survivors))
    return failure();
  plan::CandidateInputs inputs;
  inputs.estimateOptions = carriedEstimateOptions(table);
  if (!overlap.empty()) {
    std::optional<OverlapMode> mode = parseOverlapMode(overlap);
    if (!mode)
      return module.emitError() << "az-place: overlap must be 'none', "
                                   "'async' or 'full', not '"
                                << overlap << "'";
    inputs.estimateOptions.overlap = *mode;
  }
  inputs.estimateOptions.calibration = &calibrated;
  // Every candidate on the module order, as az-estimate-candidates
  // estimated them (the same analysis when they run in one pipeline).
  auto &stage1 = getAnalysis<Stage1Analysis>();
  auto estimates =
      stage1.estimates(shardings, slice, assignment, inputs.estimateOptions);
  if (failed(estimates))
    return failure();
  const TensorGraph &graph = (*stage1.graph(shardings))->build.graph;
  inputs.moduleMesh = graph.mesh;
  inputs.estimates = *estimates;
  inputs.fixedReason = whyMeshIsFixed(module, shardings);
  inputs.hloDumps.assign(hloDumps.begin(), hloDumps.end());
  if (failed(readSurvivors(module, *survivors, *estimates, inputs)))
    return failure();
  if (auto excluded = table.getAs<ArrayAttr>("excluded"))
    for (Attribute entry : excluded)
      if (auto sizes = dyn_cast<DenseI64ArrayAttr>(entry))
        inputs.excluded.emplace_back(sizes.asArrayRef());
  auto placed = plan::planCandidates(slice, assignment, inputs, planOptions(),
                                     sinkFor(module));
  if (!placed)
    return emitPlanError(module, placed.takeError());
  if (!planFile.empty() &&
      failed(
          writeJSONReport(module, planFile, placed->toJSON(slice, assignment))))
    return failure();
  if (failed(writeViews(module, slice, assignment, *placed)))
    return failure();
  // The stage-1 table has served its purpose; only device assignment stays.
  module->removeAttr(kCandidatesAttr);
  if (!apply)
    return success();
  if (failed(checkRelabellingIsSafe(module, shardings)))
    return failure();
  SmallVector<int64_t> moduleSizes;
  for (const sharding::MeshAxis &axis : graph.mesh.axes)
    moduleSizes.push_back(axis.size);
  if (ArrayRef<int64_t>(placed->winner().estimate.candidate.sizes) ==
      ArrayRef<int64_t>(moduleSizes))
    return applyDevicePermutation(shardings, placed->sigma);
  // An identity order is the iota one: the mesh then lists no device_ids.
  ArrayRef<int64_t> deviceIds;
  if (!plan::isIdentity(placed->sigma))
    deviceIds = placed->sigma;
  return resizeSdyMesh(module, shardings, graph.meshName, placed->chosenMesh,
                       deviceIds);
}

} // namespace aoizora
