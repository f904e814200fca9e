//===- Plan.h - The ranked device plan, as plain C++ ------------*- C++ -*-===//
//
// Stage 2 of the planner without MLIR: from a step's collectives (explicit
// in a partitioned module, or derived by stage 1 for every candidate mesh),
// a slice and options, produce the ranked plan: candidates, their best
// placements, the baselines JAX programs run with, an optional replay in the
// link-level simulator, the JSON plan and the JAX snippet. az-place reads
// the module, calls this, reports and rewrites the attributes.
// docs/architecture.md, "Data flow", shows where it sits.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_PLAN_PLAN_H
#define AOIZORA_PLAN_PLAN_H

#include "AoiZora/Plan/HloDumps.h"
#include "AoiZora/Plan/Orders.h"
#include "AoiZora/Planner/Candidates.h"

#include "llvm/Support/JSON.h"

#include <functional>

namespace aoizora::plan {

/// Runs body(0..n-1), possibly in parallel (az-place passes MLIR's thread
/// pool so that --mlir-disable-threading holds); default: in order.
using ParallelFor =
    std::function<void(size_t n, llvm::function_ref<void(size_t)> body)>;

struct PlanOptions {
  SearchOptions search;
  /// Score every permutation instead of searching (at most 8 devices).
  bool exhaustive = false;
  /// Replay the plan and the baselines in the link-level simulator.
  bool simulate = false;
  /// Report the ranking and the baselines as remarks.
  bool emitRemarks = true;
  /// Place a candidate whose HLO dump has no priceable collective (at 0 s
  /// of communication) instead of failing.
  bool allowEmpty = false;
  /// Audit the plan against this many random placements, every search
  /// source and (at most 8 devices) the exhaustive optimum (0: no audit).
  unsigned auditRandom = 0;
  ParallelFor parallelFor;
};

//===----------------------------------------------------------------------===//
// Explicit collectives: the module's own mesh, placed
//===----------------------------------------------------------------------===//

/// The step of a partitioned module and what it came from.
struct PricedStep {
  std::vector<WeightedCollective> collectives;
  std::string source;
  /// Communication that could not be priced: the cost is incomplete.
  unsigned unpriced = 0;
  /// For a dump: each priced collective (DumpCollectives::priced).
  std::optional<llvm::json::Array> dumpCollectives;
};

/// The axis sizes of the module's mesh over all \p devices as written, or
/// one flat axis (what `hlo-dump=PATH` entries refer to).
llvm::SmallVector<int64_t> writtenMeshSizes(llvm::ArrayRef<NamedMesh> meshes,
                                            int64_t devices);

/// The step of the dump that `hlo-dump` gives for the module's own mesh, if
/// any; dumps for other meshes are warned about (without stage 1 only the
/// module's own mesh is placed).
llvm::Expected<std::optional<PricedStep>>
loadOwnDump(llvm::ArrayRef<std::string> hloDumps,
            llvm::ArrayRef<NamedMesh> meshes, const Slice &slice,
            bool allowEmpty, MessageSink sink);

struct ExplicitPlan {
  /// The mesh the search followed and the mesh as written (the JAX snippet
  /// needs the latter when the mesh has explicit device_ids).
  LogicalMesh mesh;
  LogicalMesh writtenMesh;
  llvm::SmallVector<int64_t> writtenDeviceIds;
  PricedStep step;
  /// The module order (sorted ids) and, when JAX can build them, the
  /// mesh_utils, jax.devices() and jax.make_mesh orders.
  std::vector<RankedPlacement> baselines;
  /// The best placements, best first; the baselines compete.
  SearchResult result;
  /// sigma[i]: the device that sits on the planned chip of logical id i.
  llvm::SmallVector<int64_t> sigma;
  std::optional<double> simulatedSeconds;
  llvm::SmallVector<double> simulatedBaselines;
  /// Baselines that do not exist, with why (one line each).
  std::vector<std::string> unplaced;
  /// No placement's communication beats this (stepLowerBoundSeconds).
  double lowerBoundSeconds = 0;

  const RankedPlacement &best() const { return result.ranked.front(); }
  llvm::json::Value toJSON(const Slice &slice) const;
};

/// Places \p step for the module's own mesh (from \p meshes).
llvm::Expected<ExplicitPlan>
planExplicit(const Slice &slice, const Placement &assignment, PricedStep step,
             llvm::ArrayRef<NamedMesh> meshes, const PlanOptions &options,
             MessageSink sink);

//===----------------------------------------------------------------------===//
// Stage-1 survivors: candidate meshes, placed and compared
//===----------------------------------------------------------------------===//

struct CandidateInputs {
  /// The module's mesh (axis names, its sizes, device_ids).
  sharding::Mesh moduleMesh;
  /// Every candidate, estimated on the module order.
  llvm::ArrayRef<planner::CandidateEstimate> estimates;
  /// The survivors of az-prune-candidates, best first (each in estimates).
  llvm::SmallVector<llvm::SmallVector<int64_t>> survivors;
  /// Candidates the user excluded (az-prune-candidates exclude=, e.g. the
  /// ones that failed to compile): never placed, not even when a baseline
  /// names them (the baseline is still priced and reported).
  llvm::SmallVector<llvm::SmallVector<int64_t>> excluded;
  planner::EstimateOptions estimateOptions;
  /// Why the mesh keeps its axis sizes ("" when it may take others).
  std::string fixedReason;
  std::vector<std::string> hloDumps;
};

/// One candidate with its best placement.
struct PlacedCandidate {
  planner::CandidateEstimate estimate;
  RankedPlacement best;
  /// What priced its collectives.
  std::string source;
  /// Step time with the communication priced on `best`.
  double stepSeconds = 0;
  /// Communication priced on the module's device order.
  double moduleOrderCommSeconds = 0;
  /// The collectives `best` was scored with.
  std::vector<WeightedCollective> collectives;
  uint64_t evaluated = 0;
  MeshUtilsOrder meshUtils;
  /// The best placements found for it, best first (`best` is the first).
  llvm::SmallVector<RankedPlacement> topPlacements;
  /// Communication its dump could not price: the cost is incomplete.
  unsigned unpriced = 0;
  /// The jax.devices() and jax.make_mesh orders of its mesh.
  llvm::SmallVector<JaxOrder, 2> jaxOrders;
  /// No placement's communication beats this (stepLowerBoundSeconds), and
  /// the step with it.
  double commLowerBound = 0;
  double stepLowerBound = 0;
  /// The best score of each source of the search (for the audit).
  llvm::SmallVector<std::pair<std::string, PlacementScore>> bestBySource;
};

/// The plan checked against what could beat it (PlanOptions::auditRandom).
struct PlanAudit {
  unsigned randomPlacements = 0;
  double randomBestSeconds = 0;
  std::optional<double> exhaustiveSeconds;
};

/// A candidate on an order that a JAX program would run without AoiZora.
struct Baseline {
  std::string name;
  /// The candidate's label and compute time.
  std::string label;
  double computeSeconds = 0;
  double seconds = 0;
  double commSeconds = 0;
  std::optional<double> simulatedCommSeconds;
  std::string note;
  /// Why stage 1 rejected the baseline's candidate (it exceeds the chip's
  /// HBM, say); empty when it can run. A baseline that cannot run is
  /// reported for reference, never compared with the plan.
  std::string rejected;
  /// "module order", "mesh_utils order", "jax.devices() order" or
  /// "jax.make_mesh order".
  std::string orderName;
  /// The candidate's mesh.
  sharding::Mesh mesh;
  std::optional<Placement> placement;
  std::vector<WeightedCollective> collectives;
};

/// One collective of the plan in the simulator next to the analytic model.
struct SimulatedCollective {
  CollectiveKind kind;
  int64_t groupSize = 0, groups = 0;
  double bytes = 0, count = 0;
  double analyticSeconds = 0, simulatedSeconds = 0;
};

struct CandidatePlan {
  /// Best step first: placed.front() is the plan.
  std::vector<PlacedCandidate> placed;
  std::vector<Baseline> baselines;
  /// Candidates that were not placed (pruned, rejected by stage 1, or kept
  /// out by a fixed mesh) and baselines that do not exist, with why (one
  /// line each).
  std::vector<std::string> unplaced;
  llvm::SmallVector<int64_t> sigma;
  sharding::Mesh chosenMesh;
  std::string fixedReason;
  std::optional<double> simulatedCommSeconds;
  std::vector<SimulatedCollective> simulatedCollectives;
  /// How placements were priced (the run's calibration).
  CostOptions cost;
  std::optional<PlanAudit> audit;

  const PlacedCandidate &winner() const { return placed.front(); }
  llvm::json::Value toJSON(const Slice &slice,
                           const Placement &assignment) const;
};

/// The estimate of the candidate with \p sizes, or null.
const planner::CandidateEstimate *
findEstimate(llvm::ArrayRef<planner::CandidateEstimate> estimates,
             llvm::ArrayRef<int64_t> sizes);

/// Places the survivors and the baselines' candidates and ranks them.
llvm::Expected<CandidatePlan> planCandidates(const Slice &slice,
                                             const Placement &assignment,
                                             const CandidateInputs &inputs,
                                             const PlanOptions &options,
                                             MessageSink sink);

} // namespace aoizora::plan

#endif // AOIZORA_PLAN_PLAN_H
