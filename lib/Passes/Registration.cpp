//===- Registration.cpp - Register all AoiZora passes and pipelines -------===//
//
// The single registration entry point used by aoizora-opt and the plugin,
// and the az-plan pipeline: stage 1 (estimate, prune) then stage 2 (place,
// rewrite).
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Passes/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"

namespace aoizora {
#define GEN_PASS_REGISTRATION
#include "AoiZora/Passes/Passes.h.inc"

namespace {
/// Options of az-plan; each is forwarded to the passes that take it.
struct PlanPipelineOptions
    : public mlir::PassPipelineOptions<PlanPipelineOptions> {
  Option<std::string> topology{
      *this, "topology",
      llvm::cl::desc("The slice, e.g. v5e:4x4, v5p:4x4x8, v5litepod-16")};
  Option<std::string> topologyFile{
      *this, "topology-file",
      llvm::cl::desc("JSON list of {id, coords, core_on_chip} from "
                     "jax.devices(); default: the slice's default order")};
  Option<std::string> planFile{
      *this, "plan-file", llvm::cl::desc("Write the JSON plan to this file")};
  ListOption<std::string> hloDumps{
      *this, "hlo-dump",
      llvm::cl::desc("Compiled XLA HLO text per candidate: 'PATH' for the "
                     "module's own mesh, 'SIZES=PATH' (e.g. 2x4x2=dump.txt) "
                     "for another; comma-separated")};
  Option<bool> allowEmpty{
      *this, "allow-empty",
      llvm::cl::desc("Place a candidate whose HLO dump has no priceable "
                     "collective (0 s of communication) instead of failing"),
      llvm::cl::init(false)};
  Option<std::string> reportFile{
      *this, "report-file",
      llvm::cl::desc("Write the stage-1 candidate table as JSON here")};
  Option<double> keepWithin{
      *this, "keep-within",
      llvm::cl::desc("Keep candidates whose lower bound is within this ratio "
                     "of the best estimate"),
      llvm::cl::init(1.5)};
  Option<unsigned> maxSurvivors{
      *this, "max-survivors",
      llvm::cl::desc("Place at most this many candidates"), llvm::cl::init(4)};
  Option<unsigned> searchEvaluations{
      *this, "search-evaluations",
      llvm::cl::desc("Local-search budget per candidate (placements scored)"),
      llvm::cl::init(20000)};
  Option<unsigned> searchStall{
      *this, "search-stall",
      llvm::cl::desc("Stop a local-search start after this many moves in a "
                     "row without improvement (0: spend the whole budget)"),
      llvm::cl::init(500)};
  Option<bool> exhaustive{
      *this, "exhaustive",
      llvm::cl::desc("Score every placement of each candidate (slices of at "
                     "most 8 devices; the reference for the search)"),
      llvm::cl::init(false)};
  Option<unsigned> auditRandom{
      *this, "audit-random",
      llvm::cl::desc("Audit the plan against this many random placements, "
                     "every search source and (at most 8 devices) the "
                     "exhaustive optimum, in the JSON plan (0: no audit)"),
      llvm::cl::init(0)};
  Option<bool> checkMemory{
      *this, "check-memory",
      llvm::cl::desc("Reject candidates whose memory estimate exceeds HBM"),
      llvm::cl::init(true)};
  Option<bool> allowPadding{
      *this, "allow-padding",
      llvm::cl::desc("Price indivisible dimensions as padded"),
      llvm::cl::init(false)};
  Option<std::string> overlap{
      *this, "overlap",
      llvm::cl::desc("How collectives overlap compute: async (XLA's "
                     "latency-hiding scheduler), none or full"),
      llvm::cl::init("async")};
  Option<std::string> calibration{
      *this, "calibration",
      llvm::cl::desc("JSON file of measured collective figures overriding "
                     "the defaults (bench/jax/calibrate.py writes one)")};
  Option<bool> simulate{
      *this, "simulate",
      llvm::cl::desc("Replay the plan and the baselines in the link-level "
                     "simulator too"),
      llvm::cl::init(false)};
  Option<bool> apply{
      *this, "apply",
      llvm::cl::desc("Rewrite the module to the plan (false: report only)"),
      llvm::cl::init(true)};
  Option<std::string> summaryFile{
      *this, "summary-file",
      llvm::cl::desc("Write the plan as one aligned table to this file ('-' "
                     "for stdout)")};
  Option<std::string> pictureFile{
      *this, "picture-file",
      llvm::cl::desc("Draw the plan and the best baseline on the slice as "
                     "SVG to this file")};
  Option<std::string> pictureAxis{
      *this, "picture-axis",
      llvm::cl::desc("Mesh axis whose groups colour the picture (default: "
                     "the axis with the most traffic)")};
  Option<bool> verbose{
      *this, "verbose",
      llvm::cl::desc("Also emit the stage-1 remarks (every candidate)"),
      llvm::cl::init(false)};
};

void buildPlanPipeline(mlir::OpPassManager &pm,
                       const PlanPipelineOptions &options) {
  EstimateCandidatesOptions estimate;
  estimate.topology = options.topology;
  estimate.topologyFile = options.topologyFile;
  estimate.reportFile = options.reportFile;
  estimate.emitRemarks = options.verbose;
  estimate.checkMemory = options.checkMemory;
  estimate.allowPadding = options.allowPadding;
  estimate.overlap = options.overlap;
  estimate.calibration = options.calibration;
  pm.addPass(createEstimateCandidates(estimate));

  PruneCandidatesOptions prune;
  prune.keepWithin = options.keepWithin;
  prune.maxSurvivors = options.maxSurvivors;
  prune.emitRemarks = options.verbose;
  pm.addPass(createPruneCandidates(prune));

  PlaceOptions place;
  place.topology = options.topology;
  place.topologyFile = options.topologyFile;
  place.planFile = options.planFile;
  place.hloDumps.assign(options.hloDumps.begin(), options.hloDumps.end());
  place.allowEmpty = options.allowEmpty;
  place.searchEvaluations = options.searchEvaluations;
  place.searchStall = options.searchStall;
  place.exhaustive = options.exhaustive;
  place.auditRandom = options.auditRandom;
  place.apply = options.apply;
  place.simulate = options.simulate;
  place.summaryFile = options.summaryFile;
  place.pictureFile = options.pictureFile;
  place.pictureAxis = options.pictureAxis;
  pm.addPass(createPlace(place));
}
} // namespace

void registerAllAoiZoraPassesAndPipelines() {
  registerAoiZoraPasses();
  mlir::PassPipelineRegistration<PlanPipelineOptions>(
      "az-plan",
      "Plan the device mesh and its placement on a TPU slice: estimate every "
      "candidate mesh (az-estimate-candidates), keep the promising ones "
      "(az-prune-candidates), rank placements of each on the torus and "
      "rewrite the module to the best (az-place)",
      buildPlanPipeline);
}
} // namespace aoizora
