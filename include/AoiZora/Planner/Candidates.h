//===- Candidates.h - Candidate meshes, their estimates, pruning -*- C++
//-*-===//
//
// A candidate keeps the module's axis names and gives each a size; the sizes
// multiply to the device count. Each candidate prices the propagation result
// (Propagation.h): per-device FLOPs and HBM bytes through the chip's
// roofline, the derived collectives through the topology cost model (on the
// default device order, and the placement-independent lower bound), and the
// per-device memory against the chip's HBM. docs/stage1.md gives the
// formulas.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_PLANNER_CANDIDATES_H
#define AOIZORA_PLANNER_CANDIDATES_H

#include "AoiZora/Cost/Calibration.h"
#include "AoiZora/Planner/Propagation.h"
#include "AoiZora/Topology/Placement.h"
#include "AoiZora/Topology/Slice.h"

#include "llvm/Support/JSON.h"

namespace aoizora::planner {

/// Sizes for the mesh's axes, in the mesh's axis order.
struct Candidate {
  llvm::SmallVector<int64_t, 4> sizes;
  /// The module's own mesh.
  bool isModuleMesh = false;

  /// `cfg=2,sp=4,tp=2` (or `(module tiling)` for a mesh without axes).
  std::string label(const sharding::Mesh &mesh) const;
  /// The mesh with these sizes (device ids kept only for the module mesh).
  sharding::Mesh toMesh(const sharding::Mesh &mesh) const;
};

/// Every assignment of sizes >= 1 to the axes of \p mesh whose product is
/// \p numDevices, in lexicographic order of the sizes; the module's own
/// sizes are flagged (and added if their product differs). A mesh without
/// axes gives one candidate, the module's own tiling. When that would be
/// more than limits::kMaxCandidates, axes of size 1 in \p mesh stay 1 (they
/// shard nothing, and each free one multiplies the count); if the count is
/// still above the limit, an error says so before anything is enumerated.
llvm::Expected<std::vector<Candidate>>
enumerateCandidates(const sharding::Mesh &mesh, int64_t numDevices);

/// How many candidates enumerateCandidates would list with \p freeAxes axes
/// free over \p numDevices devices (saturating at INT64_MAX).
int64_t countSizeAssignments(unsigned freeAxes, int64_t numDevices);

/// The candidates of \p graph: every size assignment of its mesh's axes, or
/// only the module's own tiling for a GSPMD-only module (whose prime-factor
/// mesh is a reading aid, not a choice the program made).
llvm::Expected<std::vector<Candidate>> candidatesOf(const TensorGraph &graph,
                                                    int64_t numDevices);

/// The replica groups over logical device ids of a collective over
/// \p axes on \p mesh: devices whose mesh coordinates differ only along
/// \p axes form a group, ordered by their coordinates along \p axes (major
/// to minor in the order given). Device id = the mesh's device_ids at the
/// row-major position, or the position itself. Unknown axes are ignored.
llvm::SmallVector<llvm::SmallVector<unsigned, 16>, 4>
groupsOverAxes(const sharding::Mesh &mesh, llvm::ArrayRef<std::string> axes);

/// The mesh axes (in mesh order) along which \p groups run on \p mesh, when
/// the groups are exactly groupsOverAxes of that set (as sets); else none.
std::optional<AxisList>
axesOfGroups(const sharding::Mesh &mesh,
             llvm::ArrayRef<llvm::SmallVector<unsigned, 16>> groups);

/// How a step's collectives overlap its compute (docs/stage1.md, "Overlap").
enum class OverlapMode {
  /// Step = compute + communication: nothing overlaps.
  None,
  /// XLA's latency-hiding scheduler: each collective runs asynchronously on
  /// the ICI (one at a time, in program order) from the moment its input is
  /// produced, and only the op that consumes it waits for it; compute runs
  /// in program order.
  Async,
  /// Step = max(compute, communication): every collective hidden (a bound).
  Full,
};
llvm::StringRef stringifyOverlapMode(OverlapMode mode);
/// "none", "async" or "full".
std::optional<OverlapMode> parseOverlapMode(llvm::StringRef text);

struct EstimateOptions {
  /// Price a dimension not divisible by its axes as padded to the next
  /// multiple instead of rejecting the candidate.
  bool allowPadding = false;
  OverlapMode overlap = OverlapMode::Async;
  /// Collective fixed costs and achieved bandwidth; null: the defaults of
  /// the slice's generation. Not owned.
  const Calibration *calibration = nullptr;
  /// Reject candidates whose memory estimate exceeds the HBM of a device.
  bool checkMemory = true;
  /// Achieved fractions of peak per op class (Cost/Efficiency.h).
  ComputeEfficiency efficiency = defaultComputeEfficiency();
};

/// Collectives of one kind over one set of axes, summed.
struct CollectiveUse {
  ReshardKind kind = ReshardKind::AllGather;
  AxisList axes;
  /// Number of group members (product of the axis sizes).
  int64_t groupSize = 1;
  /// Executions per step (loop trip counts included).
  double count = 0;
  /// Sum of CollectiveSpec bytes over the executions.
  double bytes = 0;
  /// Time on the default device order, and the placement-independent bound.
  double seconds = 0;
  double lowerBoundSeconds = 0;
  /// A collective written in the module whose groups or pairs are not over
  /// mesh axes: its spec as written (bytes per execution). Such uses are
  /// never merged with others.
  std::optional<CollectiveSpec> writtenSpec;
};

/// The collective one execution of \p use runs on \p mesh (the candidate's
/// mesh): groups over its axes, ring pairs within them for a permute, or the
/// written spec.
CollectiveSpec specOfUse(const CollectiveUse &use, const sharding::Mesh &mesh);

/// The estimate of one candidate.
struct CandidateEstimate {
  Candidate candidate;
  std::string label;
  /// Per device, per step.
  double flops = 0;
  double hbmBytes = 0;
  double computeSeconds = 0;
  std::vector<CollectiveUse> collectives;
  double commSeconds = 0;
  double commLowerBoundSeconds = 0;
  /// The step under the overlap mode (compute + comm, the async schedule,
  /// or their max), and a bound no placement beats: the same with the
  /// communication lower bound (async: max of compute and that bound).
  double totalSeconds = 0;
  double lowerBoundSeconds = 0;

  /// What the async schedule needs: compute seconds per op (program order)
  /// and each collective's producer op (-1: ready at the start), consumer op
  /// and seconds on the estimate's placement.
  struct ScheduledCollective {
    int readyAfterOp = -1;
    unsigned beforeOp = 0;
    double seconds = 0;
  };
  std::vector<double> opComputeSeconds;
  std::vector<ScheduledCollective> schedule;
  /// The step time under \p mode with every collective's time multiplied by
  /// \p commScale (az-place rescales stage 1's schedule to a placement's
  /// communication).
  double stepSeconds(OverlapMode mode, double commScale = 1) const;
  /// Per-device memory: parameters (sharded) + largest working set.
  double parameterBytes = 0;
  double activationBytes = 0;
  double memoryBytes() const { return parameterBytes + activationBytes; }
  bool rejected = false;
  std::string rejectReason;
  /// With allowPadding: the dimensions that needed padding.
  std::vector<std::string> paddings;

  llvm::json::Value toJSON(const sharding::Mesh &mesh) const;
};

/// Prices \p result for \p candidate on \p slice; collectives are placed on
/// \p placement (the slice's default order in the passes).
CandidateEstimate
estimateCandidate(const TensorGraph &graph, const PropagationResult &result,
                  const Candidate &candidate, const Slice &slice,
                  const Placement &placement, const EstimateOptions &options);

/// What pruning needs of an estimate.
struct CandidateScore {
  double totalSeconds = 0;
  double lowerBoundSeconds = 0;
  bool rejected = false;
};

struct PruneOptions {
  double keepWithin = 1.5;
  unsigned maxSurvivors = 4;
};

/// Indices of the survivors, best estimate first: the candidates not
/// rejected whose lower bound is at most keepWithin times the best total
/// estimate, at most maxSurvivors of them (0: no limit).
std::vector<unsigned> pruneCandidates(llvm::ArrayRef<CandidateScore> scores,
                                      const PruneOptions &options);

} // namespace aoizora::planner

#endif // AOIZORA_PLANNER_CANDIDATES_H
