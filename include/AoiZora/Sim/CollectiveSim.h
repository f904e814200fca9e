//===- CollectiveSim.h - Replaying collectives on ICI links -----*- C++ -*-===//
//
// An independent evaluator for the analytic collective cost model
// (AoiZora/Cost/Collective.h). It turns a collective into the messages of a
// step-by-step algorithm, with the dependencies between steps, and replays
// them on the slice's directed ICI links with FlowNetwork: links shared
// max-min fairly, a per-hop latency before each message starts to deliver.
//
// The simulator runs the same algorithm the analytic model prices (ring,
// line, per-dimension phases, direct messages, broadcast tree; see
// docs/simulator.md for the mapping), written from the algorithms'
// definitions rather than from lib/Cost. What it shares with the analytic
// model is the ground truth only: the slice, its routes
// (Slice::forEachRouteHop) and the CollectiveSpec conventions. A difference
// between the two therefore measures what the analytic formula leaves out:
// contention over time, idle links between dependent steps, and latency
// overlapping with transfer.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_SIM_COLLECTIVESIM_H
#define AOIZORA_SIM_COLLECTIVESIM_H

#include "AoiZora/Cost/Collective.h"
#include "AoiZora/Topology/Placement.h"
#include "AoiZora/Topology/Slice.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <utility>
#include <vector>

namespace aoizora {
namespace sim {

/// Knobs of the simulation. The defaults take the chip's figures and the
/// calibration the analytic model uses.
struct SimOptions {
  /// Bytes/s of every directed link; <= 0: ChipSpec::iciLinkBandwidth. The
  /// calibration's achieved fraction for the collective's kind and size
  /// scales it either way.
  double linkBandwidth = 0;
  /// Seconds per hop a message waits before delivering; < 0: the
  /// calibration's hop latency.
  double hopLatency = -1;
  /// Fixed cost per collective, achieved bandwidth fraction and hop latency
  /// (the same figures as CostOptions::calibration); null: the defaults of
  /// the slice's generation. Not owned.
  const Calibration *calibration = nullptr;
  /// Fixed delay added to every message of a step (the counterpart of
  /// CostOptions::stepOverhead); 0 by default.
  double stepOverhead = 0;
};

/// What a simulation produced.
struct SimResult {
  /// The calibration's fixed cost (when anything moves) plus the time from
  /// the first message's release to the last byte delivered.
  double seconds = 0;
  /// Bytes each directed link carried, indexed by LinkId (size
  /// Slice::numLinkSlots()).
  std::vector<double> linkBytes;
  /// The largest entry of linkBytes and its link (kNoLink when nothing
  /// crossed a link).
  double maxLinkBytes = 0;
  LinkId busiestLink = kNoLink;
  /// maxLinkBytes over the (achieved) link bandwidth: a bound no schedule
  /// can beat.
  double linkBoundSeconds = 0;
  /// Messages simulated (each a fluid flow).
  unsigned numFlows = 0;
  /// Distinct instants at which messages started or finished.
  unsigned numEvents = 0;
};

/// Checks \p spec against \p placement: device ids in range, groups disjoint
/// without repeats, permute sources and targets each used once, bytes finite
/// and >= 0. (The simulator's own check, kept apart from the cost model's.)
llvm::Error checkCollective(const Placement &placement,
                            const CollectiveSpec &spec);

/// Simulates one collective of \p spec on \p placement over \p slice.
llvm::Expected<SimResult> simulateCollective(const Slice &slice,
                                             const Placement &placement,
                                             const CollectiveSpec &spec,
                                             const SimOptions &options = {});

/// Simulates a program's collectives, each `count` times (a count may be
/// fractional, e.g. an average per step; it must be finite and >= 0). The
/// collectives run one after another with a barrier between them, as a
/// program without collective overlap issues them, so the network is empty
/// when each starts: the total is the sum of count * time, and the link
/// bytes add up the same way. numFlows and numEvents count one simulation
/// per distinct entry.
llvm::Expected<SimResult>
simulateSequence(const Slice &slice, const Placement &placement,
                 llvm::ArrayRef<std::pair<CollectiveSpec, double>> program,
                 const SimOptions &options = {});

} // namespace sim
} // namespace aoizora

#endif // AOIZORA_SIM_COLLECTIVESIM_H
