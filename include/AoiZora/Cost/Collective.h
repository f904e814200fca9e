//===- Collective.h - Time and link load of a collective --------*- C++ -*-===//
//
// Estimates how long one collective takes on a placement and how many bytes
// it puts on every directed ICI link. Every kind is lowered to flows between
// chips (ring steps, line steps, phases over torus dimensions, or point to
// point messages); the flows are routed onto links, the loads summed over
// all concurrent groups, and the time is the most loaded link's bytes over
// the link bandwidth plus a latency term. docs/cost-model.md states each
// formula and where it comes from.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_COST_COLLECTIVE_H
#define AOIZORA_COST_COLLECTIVE_H

#include "AoiZora/Cost/Calibration.h"
#include "AoiZora/Topology/Placement.h"
#include "AoiZora/Topology/Slice.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <utility>
#include <vector>

namespace aoizora {

enum class CollectiveKind {
  AllGather,
  ReduceScatter,
  AllReduce,
  AllToAll,
  CollectivePermute,
  CollectiveBroadcast,
};

/// "all-gather", "reduce-scatter", ... (StableHLO op names with dashes).
llvm::StringRef stringifyCollectiveKind(CollectiveKind kind);

/// One collective over logical device ids. What `bytes` means per kind:
///  - AllGather: the OUTPUT buffer of one device (the gathered array); each
///    member contributes bytes / N.
///  - ReduceScatter: the INPUT buffer of one device (the array before the
///    scatter); each member ends with bytes / N.
///  - AllReduce: the buffer of one device (input and output are equal).
///  - AllToAll: the buffer of one device (input and output are equal); a
///    member sends bytes / N to every other member and keeps bytes / N.
///  - CollectivePermute: the buffer each source sends to its target.
///  - CollectiveBroadcast: the buffer; the FIRST member of each group is the
///    source (StableHLO collective_broadcast semantics).
/// `groups` are the replica groups (all must be disjoint); an empty list
/// means one group of every device, as in HLO. CollectivePermute uses
/// `pairs` (source, target) instead.
struct CollectiveSpec {
  CollectiveKind kind = CollectiveKind::AllGather;
  double bytes = 0;
  llvm::SmallVector<llvm::SmallVector<unsigned, 16>, 4> groups;
  llvm::SmallVector<std::pair<unsigned, unsigned>, 16> pairs;
};

/// Checks device ids against the slice, duplicate or overlapping group
/// members, permute pairs (a source or a target used twice), and bytes >= 0.
llvm::Error verifyCollective(const Slice &slice, const CollectiveSpec &spec);

/// Knobs of the model.
struct CostOptions {
  /// Fixed software cost per algorithm step (synchronisation, DMA issue).
  /// Not published; 0 by default so that the latency term is the per-hop
  /// latency only (the per-collective fixed cost is the calibration's).
  double stepOverhead = 0;
  /// Fixed costs, achieved bandwidth and hop latency; null: the published
  /// defaults of the slice's generation (Calibration::defaults). Not owned.
  const Calibration *calibration = nullptr;

  const Calibration &calibrationFor(const Slice &slice) const {
    return calibration ? *calibration
                       : Calibration::defaults(slice.chip().generation);
  }
};

/// The result of estimateCollective.
struct CollectiveCost {
  /// Estimated time: fixedSeconds + bandwidthSeconds + latencySeconds.
  double seconds = 0;
  /// The calibration's fixed cost of the kind (0 when nothing moves).
  double fixedSeconds = 0;
  /// scheduleBytes / (link bandwidth x the achieved fraction at this size).
  double bandwidthSeconds = 0;
  /// scheduleBytes() of phaseLinkBytes: maxLinkBytes when one link is the
  /// bottleneck throughout, more when a late phase waits for an early one.
  double scheduleBytes = 0;
  /// Per-hop and per-step latency of the slowest group's schedule.
  double latencySeconds = 0;
  /// Bytes on the most loaded directed link.
  double maxLinkBytes = 0;
  /// That link (kNoLink when nothing crosses a link).
  LinkId bottleneck = kNoLink;
  /// All-to-all only: the bisection bound (bytes that must cross the worst
  /// cut through the groups, over the links crossing it); 0 otherwise.
  double bisectionSeconds = 0;
  /// Bytes per directed link over the whole collective, indexed by LinkId
  /// (size Slice::numLinkSlots()).
  std::vector<double> linkBytes;
  /// The same per (part, phase) of the schedule, scheduleParts()^2 blocks
  /// of numLinkSlots().
  std::vector<double> phaseLinkBytes;
};

/// Estimates \p spec on \p placement. The spec must pass verifyCollective
/// (asserted in debug builds only, so that a search can skip the check).
CollectiveCost estimateCollective(const Slice &slice,
                                  const Placement &placement,
                                  const CollectiveSpec &spec,
                                  const CostOptions &options = {});

/// The same, reusing \p out's buffers (no allocation once warm): meant for a
/// search that evaluates one collective under many placements.
void estimateCollective(const Slice &slice, const Placement &placement,
                        const CollectiveSpec &spec, CollectiveCost &out,
                        const CostOptions &options = {});

/// The calibrated fixed cost of \p spec: paid only when the collective
/// moves data between devices (a permute with a pair s != t, a group of
/// more than one device) and has bytes to move. It does not depend on the
/// placement, so estimateCollective and an incremental re-pricer share it.
double fixedCostSeconds(const Slice &slice, const CollectiveSpec &spec,
                        const CostOptions &options = {});

/// How many parts a gather-type collective's phased schedule cuts the data
/// into (the slice's dimension count; each part has as many phases), 1 for
/// the other kinds. Link loads are kept per (part, phase): parts^2 blocks.
unsigned scheduleParts(const Slice &slice, const CollectiveSpec &spec);

/// What scheduleBytes needs of a schedule's link loads (parts^2 blocks of
/// link slots, part-major, then phase): per block its largest load and the
/// lowest slot holding it, and the largest total over all blocks of one slot
/// and the lowest such slot. A search can keep it up to date as loads
/// change instead of scanning every slot.
struct ScheduleLoadSummary {
  llvm::SmallVector<double, 9> blockMax;
  llvm::SmallVector<uint32_t, 9> blockArgMax;
  double busiest = 0;
  uint32_t busiestSlot = 0;
};

ScheduleLoadSummary summarizeScheduleLoads(llvm::ArrayRef<double> loads,
                                           unsigned parts);

/// The bytes the schedule's bottleneck takes to move, given \p loads in
/// parts^2 blocks (part-major, then phase) of link slots: the makespan of
/// the (part, phase) jobs, each as long as its busiest link, parts running
/// their phases in order (a reduce-scatter last to first, an all-reduce
/// back and forth, as \p kind runs them) and jobs on one dimension sharing
/// it equally; never less than the busiest link's total.
double scheduleBytes(llvm::ArrayRef<double> loads, unsigned parts,
                     CollectiveKind kind);
/// The same from a summary of the loads.
double scheduleBytes(const ScheduleLoadSummary &summary, unsigned parts,
                     CollectiveKind kind);

/// The link loads of ONE group of \p spec whose members sit on \p chips, in
/// group order (for a collective permute: one (source, target) pair), added
/// to \p loads (scheduleParts()^2 blocks of Slice::numLinkSlots(),
/// indexed by LinkId) times \p scale: -1 takes them out again. Returns the
/// group's latency. estimateCollective is the sum of these over the groups
/// (latency: their maximum; time: scheduleBytes() over the link bandwidth
/// plus the latency), so a search can re-price only the groups a move
/// touches.
/// \p undoLog, when given, receives (index into loads, value before) for
/// every entry changed, in order: restoring them last to first undoes the
/// call exactly.
double addGroupLoads(const Slice &slice, const CollectiveSpec &spec,
                     llvm::ArrayRef<unsigned> chips,
                     std::vector<double> &loads, double scale = 1,
                     const CostOptions &options = {},
                     std::vector<std::pair<uint32_t, double>> *undoLog =
                         nullptr);

/// A time no placement can beat: per group, the bytes one device must
/// receive (or send) over all the ICI links of one chip at the achieved
/// bandwidth, plus one hop of latency and the fixed cost when anything has
/// to move. Ignores contention between groups.
double lowerBoundSeconds(const Slice &slice, const CollectiveSpec &spec,
                         const CostOptions &options = {});

} // namespace aoizora

#endif // AOIZORA_COST_COLLECTIVE_H
