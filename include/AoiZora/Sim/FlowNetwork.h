//===- FlowNetwork.h - Fluid simulation of link flows -----------*- C++ -*-===//
//
// The engine of the link-level simulator. A network is a set of directed
// links, each with a capacity in bytes/s. A flow moves a number of bytes over
// a route of links; it becomes ready once every flow it depends on has
// finished, waits a fixed start delay (the per-hop latency of its route), and
// then delivers its bytes at a rate that max-min fair sharing of the links
// gives it. The simulation jumps from event to event (a flow starting or a
// flow finishing) and recomputes the rates at each one.
//
// The engine knows nothing about collectives, slices or the analytic cost
// model; lib/Sim/CollectiveSim.cpp turns a collective into flows.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_SIM_FLOWNETWORK_H
#define AOIZORA_SIM_FLOWNETWORK_H

#include "AoiZora/Topology/Slice.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace aoizora {
namespace sim {

/// Dense id of a flow: the order in which it was added.
using FlowId = uint32_t;
constexpr FlowId kNoFlow = ~FlowId(0);

/// What one run of a FlowNetwork produced.
struct FlowRunResult {
  /// When the last flow finished (0 for an empty network).
  double makespan = 0;
  /// Per flow: when its dependencies were met.
  std::vector<double> readyTime;
  /// Per flow: when it began delivering (ready time + start delay).
  std::vector<double> startTime;
  /// Per flow: when its last byte was delivered.
  std::vector<double> finishTime;
  /// Distinct instants at which flows started or finished.
  unsigned numEvents = 0;
  /// How often the max-min rates were recomputed.
  unsigned numRateSolves = 0;
};

/// A set of directed links and of flows over them, simulated as fluids.
///
/// Rates: at every instant the active flows share the links max-min fairly
/// (progressive filling). A flow may use a link for only a fraction of its
/// rate (a route split over two directions): a flow at rate r loads each of
/// its links with fraction * r. A flow whose route is empty (both ends on one
/// chip) or whose size is zero finishes as soon as it starts.
///
/// Flows may only depend on flows added before them, so the dependencies
/// form a DAG by construction and every run terminates: each flow starts
/// once and finishes once, and each loop iteration does at least one of
/// these.
class FlowNetwork {
public:
  /// A network of \p numLinks directed links of \p capacity bytes/s each.
  FlowNetwork(unsigned numLinks, double capacity);

  /// Overrides the capacity of one link (tests; slices are uniform).
  void setCapacity(LinkId link, double capacity);

  /// Adds a flow of \p bytes over \p route, starting \p startDelay seconds
  /// after every flow in \p deps has finished (at time 0 plus the delay when
  /// \p deps is empty). A link named twice in the route is loaded with the
  /// sum of its fractions. Invalid input (a link out of range, a fraction or
  /// size that is negative or not finite, a dependency on a flow not yet
  /// added) is remembered and reported by run().
  FlowId addFlow(llvm::ArrayRef<RouteHop> route, double bytes,
                 double startDelay, llvm::ArrayRef<FlowId> deps = {});

  unsigned numFlows() const { return unsigned(bytes.size()); }
  unsigned numLinks() const { return unsigned(capacity.size()); }

  /// Bytes each link carries over the whole run (fraction times size,
  /// summed over flows), indexed by link id.
  std::vector<double> linkBytes() const;

  /// Runs the simulation. Fails on invalid flows or capacities.
  llvm::Expected<FlowRunResult> run() const;

private:
  std::vector<double> capacity;
  // Flow f's route: entries routeBegin[f] .. routeBegin[f+1] - 1 of
  // routeLinks and routeFractions.
  std::vector<uint32_t> routeBegin{0};
  std::vector<LinkId> routeLinks;
  std::vector<double> routeFractions;
  // Flow f's dependencies are depIds[depBegin[f], depBegin[f+1]).
  std::vector<uint32_t> depBegin{0};
  std::vector<FlowId> depIds;
  std::vector<double> bytes;
  std::vector<double> startDelay;
  /// The first invalid input seen, reported by run().
  std::string firstError;
};

} // namespace sim
} // namespace aoizora

#endif // AOIZORA_SIM_FLOWNETWORK_H
