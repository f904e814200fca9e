//===- CollectiveSim.cpp - Replaying collectives on ICI links -------------===//
//
// Lowers each collective kind to the messages of a step-by-step algorithm and
// runs them on a FlowNetwork whose links are the slice's directed ICI links.
// The algorithm per kind and group shape follows the one the analytic model
// prices (docs/cost-model.md), so that a difference between the two comes
// from timing (contention, idle links, latency overlap), not from a different
// algorithm. The schedules are written here from the algorithms' definitions;
// docs/simulator.md states each one.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Sim/CollectiveSim.h"
#include "AoiZora/Sim/FlowNetwork.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <algorithm>
#include <cmath>

using namespace llvm;

namespace aoizora {
namespace sim {

namespace {

Error makeError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

/// The flows a member must see finished before it starts its next phase.
using Waits = SmallVector<FlowId, 2>;

/// How a group's members lie on the slice.
struct GroupShape {
  /// The members are distinct chips forming a full sub-grid: exactly the
  /// product of their distinct coordinates on each dimension.
  bool subGrid = false;
  /// Dimensions along which the members differ, ascending (sub-grids only).
  SmallVector<unsigned, 3> dims;
  /// Per entry of dims: how many distinct coordinates the members have.
  SmallVector<unsigned, 3> counts;
  /// Per entry of dims: the lines along that dimension, each a list of
  /// member indices sorted by coordinate.
  SmallVector<std::vector<SmallVector<unsigned, 16>>, 3> lines;
};

/// Turns one collective into flows on a FlowNetwork.
class ScheduleBuilder {
public:
  ScheduleBuilder(const Slice &slice, const Placement &placement,
                  double hopLatency, double stepOverhead, FlowNetwork &net)
      : slice(slice), placement(placement), hopLatency(hopLatency),
        stepOverhead(stepOverhead), net(net) {}

  void build(const CollectiveSpec &spec);

private:
  /// One message between two chips: its route is the slice's route, and it
  /// starts delivering hops * hopLatency (+ step overhead) after \p deps.
  FlowId message(unsigned srcChip, unsigned dstChip, double bytes,
                 ArrayRef<FlowId> deps);

  /// Whether members on \p chips (in ring order) run as a closed ring: the
  /// closing message is no longer, in hops, than the longest other one.
  bool runsAsRing(ArrayRef<unsigned> chips) const;

  /// One all-gather (or, with \p reduce, reduce-scatter) pass over members
  /// on \p chips in ring/line order, each contributing \p chunk bytes.
  /// \p waits[i] holds what member i waits for before its first send; on
  /// return it holds the last messages member i received (what its next
  /// phase waits for), unchanged if it received none.
  void gatherPass(ArrayRef<unsigned> chips, double chunk, bool reduce,
                  MutableArrayRef<Waits> waits);

  /// All-gather (or reduce-scatter) of one group; \p partWaits carries the
  /// per-part, per-member waits in and out (all-reduce chains the two).
  void gatherGroup(ArrayRef<unsigned> chips, const GroupShape &shape,
                   double bytes, bool reduce,
                   std::vector<std::vector<Waits>> &partWaits);

  void broadcastGroup(ArrayRef<unsigned> chips, const GroupShape &shape,
                      double bytes);

  GroupShape shapeOf(ArrayRef<unsigned> chips) const;

  const Slice &slice;
  const Placement &placement;
  double hopLatency;
  double stepOverhead;
  FlowNetwork &net;
  SmallVector<RouteHop, 16> scratchRoute;
};

FlowId ScheduleBuilder::message(unsigned srcChip, unsigned dstChip,
                                double bytes, ArrayRef<FlowId> deps) {
  scratchRoute.clear();
  // Routes come from the slice (shared ground truth with the cost model):
  // dimension-ordered, with the half/half split on even-ring ties.
  slice.forEachRouteHop(srcChip, dstChip, [&](LinkId link, double fraction) {
    scratchRoute.push_back({link, fraction});
  });
  double delay = slice.hops(srcChip, dstChip) * hopLatency + stepOverhead;
  return net.addFlow(scratchRoute, bytes, delay, deps);
}

bool ScheduleBuilder::runsAsRing(ArrayRef<unsigned> chips) const {
  unsigned longest = 0;
  for (unsigned i = 0; i + 1 < chips.size(); ++i)
    longest = std::max(longest, slice.hops(chips[i], chips[i + 1]));
  return slice.hops(chips.back(), chips.front()) <= longest;
}

void ScheduleBuilder::gatherPass(ArrayRef<unsigned> chips, double chunk,
                                 bool reduce, MutableArrayRef<Waits> waits) {
  const unsigned n = chips.size();
  if (n < 2)
    return;
  const bool ring = runsAsRing(chips);
  // Closed ring: every member sends one chunk each way per step; chunks go
  // half-way round in each direction, and on an even ring the antipodal
  // chunk is split in two, so floor(n/2) steps. Line: chunks travel to both
  // ends, n - 1 steps.
  const unsigned steps = ring ? n / 2 : n - 1;
  auto stepBytes = [&](unsigned s) {
    if (!ring)
      return chunk;
    // Reduce-scatter is the all-gather run backwards: its half chunk (the
    // antipodal member's contribution, split over both directions) goes
    // first.
    unsigned agStep = reduce ? steps + 1 - s : s;
    return (n % 2 == 0 && agStep == n / 2) ? chunk / 2 : chunk;
  };

  SmallVector<Waits, 16> exits(n);
  SmallVector<FlowId, 16> prev(n), cur(n), lastIn(n);
  SmallVector<bool, 16> started(n);
  SmallVector<FlowId, 6> deps;
  for (int dir : {+1, -1}) {
    // Positions count along the direction of travel: position p sends to
    // p + 1. Going -1, position p is member n - 1 - p.
    auto member = [&](unsigned p) { return dir > 0 ? p : n - 1 - p; };
    std::fill(prev.begin(), prev.end(), kNoFlow);
    std::fill(lastIn.begin(), lastIn.end(), kNoFlow);
    std::fill(started.begin(), started.end(), false);
    for (unsigned s = 1; s <= steps; ++s) {
      std::fill(cur.begin(), cur.end(), kNoFlow);
      for (unsigned p = 0; p < n; ++p) {
        if (!ring) {
          if (p == n - 1)
            continue;
          // All-gather: position p forwards at step s the chunk that
          // started s - 1 positions upstream, which exists once p >= s - 1.
          // Reduce-scatter: position p adds its contribution to the partial
          // sum arriving from upstream, bound for the member n - s + p
          // positions downstream of the line's start, which exists while
          // p <= s - 1.
          if (reduce ? p > s - 1 : p < s - 1)
            continue;
        }
        deps.clear();
        // One message per link direction at a time: a member's step s send
        // follows its step s - 1 send...
        if (prev[p] != kNoFlow)
          deps.push_back(prev[p]);
        // ...and needs what it received at step s - 1 (the chunk to forward,
        // or the partial sum to add to).
        unsigned up = ring ? (p + n - 1) % n : p - 1;
        if ((ring || p > 0) && prev[up] != kNoFlow)
          deps.push_back(prev[up]);
        // Its first send also needs its own data from the previous phase.
        if (!started[p]) {
          started[p] = true;
          deps.append(waits[member(p)].begin(), waits[member(p)].end());
        }
        unsigned down = ring ? (p + 1) % n : p + 1;
        FlowId f =
            message(chips[member(p)], chips[member(down)], stepBytes(s), deps);
        cur[p] = f;
        lastIn[down] = f;
      }
      std::swap(prev, cur);
    }
    for (unsigned p = 0; p < n; ++p)
      if (lastIn[p] != kNoFlow)
        exits[member(p)].push_back(lastIn[p]);
  }
  for (unsigned i = 0; i < n; ++i)
    if (!exits[i].empty())
      waits[i] = exits[i];
}

GroupShape ScheduleBuilder::shapeOf(ArrayRef<unsigned> chips) const {
  GroupShape shape;
  const unsigned n = chips.size();
  SmallVector<unsigned, 16> sorted(chips.begin(), chips.end());
  llvm::sort(sorted);
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    return shape; // two members share a chip
  size_t product = 1;
  for (unsigned d = 0; d < slice.numDims(); ++d) {
    SmallVector<int, 16> coords;
    for (unsigned c : chips)
      coords.push_back(slice.coordsOf(c)[d]);
    llvm::sort(coords);
    unsigned distinct =
        std::unique(coords.begin(), coords.end()) - coords.begin();
    product *= distinct;
    if (distinct > 1) {
      shape.dims.push_back(d);
      shape.counts.push_back(distinct);
    }
  }
  // n distinct chips inside the product of their coordinate sets fill it
  // exactly when the sizes agree.
  if (product != n)
    return GroupShape();
  shape.subGrid = true;
  for (unsigned d : shape.dims) {
    // Members on one line along d share every other coordinate; order them
    // by that key, then by their coordinate along d.
    SmallVector<unsigned, 16> order(n);
    for (unsigned i = 0; i < n; ++i)
      order[i] = i;
    auto key = [&](unsigned i) {
      ChipCoords c = slice.coordsOf(chips[i]);
      int along = c[d];
      c[d] = 0;
      return std::make_pair(c, along);
    };
    llvm::sort(order, [&](unsigned a, unsigned b) { return key(a) < key(b); });
    std::vector<SmallVector<unsigned, 16>> lines;
    for (unsigned i = 0; i < n; ++i) {
      if (i == 0 || key(order[i]).first != key(order[i - 1]).first)
        lines.emplace_back();
      lines.back().push_back(order[i]);
    }
    shape.lines.push_back(std::move(lines));
  }
  return shape;
}

void ScheduleBuilder::gatherGroup(ArrayRef<unsigned> chips,
                                  const GroupShape &shape, double bytes,
                                  bool reduce,
                                  std::vector<std::vector<Waits>> &partWaits) {
  const unsigned n = chips.size();
  if (!shape.subGrid) {
    // One ring or line in the group's given order, over multi-hop routes.
    gatherPass(chips, bytes / n, reduce, partWaits[0]);
    return;
  }
  // Phased per-dimension algorithm: the data is cut into k parts, part r
  // visits the dimensions in ascending order rotated by r, so that in every
  // phase each dimension works on some part. In an all-gather's phase j a
  // member contributes all it has gathered so far: (B/k)/N times the
  // product of the counts of the dimensions already visited. Reduce-scatter
  // runs the phases in reverse with the same sizes.
  const unsigned k = shape.dims.size();
  SmallVector<unsigned, 16> lineChips;
  SmallVector<Waits, 16> lineWaits;
  for (unsigned r = 0; r < k; ++r) {
    SmallVector<unsigned, 3> visit;
    SmallVector<double, 3> chunk;
    double size = bytes / k / n;
    for (unsigned j = 0; j < k; ++j) {
      unsigned slot = (r + j) % k;
      visit.push_back(slot);
      chunk.push_back(size);
      size *= shape.counts[slot];
    }
    std::vector<Waits> &waits = partWaits[r];
    for (unsigned step = 0; step < k; ++step) {
      unsigned j = reduce ? k - 1 - step : step;
      for (const auto &line : shape.lines[visit[j]]) {
        lineChips.clear();
        lineWaits.clear();
        for (unsigned m : line) {
          lineChips.push_back(chips[m]);
          lineWaits.push_back(waits[m]);
        }
        gatherPass(lineChips, chunk[j], reduce, lineWaits);
        for (unsigned i = 0; i < line.size(); ++i)
          waits[line[i]] = lineWaits[i];
      }
    }
  }
}

void ScheduleBuilder::broadcastGroup(ArrayRef<unsigned> chips,
                                     const GroupShape &shape, double bytes) {
  // A pipelined broadcast moves the data down a tree in small pieces; in the
  // fluid limit it is one flow that loads every tree link at its rate (a
  // single-rate multicast) and whose first byte reaches the deepest member
  // after that member's hops of latency.
  SmallVector<RouteHop, 32> tree;
  auto addHop = [&](unsigned from, unsigned to) {
    slice.forEachRouteHop(from, to, [&](LinkId link, double fraction) {
      tree.push_back({link, fraction});
    });
    return slice.hops(from, to);
  };
  unsigned deepest = 0;
  unsigned phases = 1;
  if (!shape.subGrid) {
    // A chain through the members in the given order from the source.
    for (unsigned i = 0; i + 1 < chips.size(); ++i)
      deepest += addHop(chips[i], chips[i + 1]);
  } else {
    // Dimension by dimension, every line through a member that holds the
    // data forwards it from that member towards both ends of the line, in
    // coordinate order. Like the analytic model's tree, the chains do not
    // use a ring's wrap link (which could shorten the longer chain to half
    // the ring); the tree's link loads are the same either way.
    const unsigned n = chips.size();
    std::vector<unsigned> depth(n, 0);
    std::vector<bool> holds(n, false);
    holds[0] = true;
    phases = shape.dims.size();
    for (const auto &lines : shape.lines) {
      std::vector<bool> next(holds);
      for (const auto &line : lines) {
        auto at = llvm::find_if(line, [&](unsigned m) { return holds[m]; });
        if (at == line.end())
          continue;
        unsigned len = line.size(), p = at - line.begin();
        unsigned forward = len - 1 - p;
        unsigned backward = p;
        for (int dir : {+1, -1}) {
          unsigned from = line[p];
          unsigned count = dir > 0 ? forward : backward;
          for (unsigned t = 1; t <= count; ++t) {
            unsigned to = line[dir > 0 ? p + t : p - t];
            depth[to] = depth[from] + addHop(chips[from], chips[to]);
            deepest = std::max(deepest, depth[to]);
            next[to] = true;
            from = to;
          }
        }
      }
      holds = std::move(next);
    }
  }
  net.addFlow(tree, bytes, deepest * hopLatency + phases * stepOverhead);
}

void ScheduleBuilder::build(const CollectiveSpec &spec) {
  if (spec.bytes == 0)
    return; // nothing moves
  if (spec.kind == CollectiveKind::CollectivePermute) {
    for (auto [src, dst] : spec.pairs)
      if (src != dst)
        message(placement.chipOf(src), placement.chipOf(dst), spec.bytes, {});
    return;
  }

  SmallVector<SmallVector<unsigned, 16>, 4> groups(spec.groups.begin(),
                                                   spec.groups.end());
  if (groups.empty()) {
    groups.emplace_back();
    for (unsigned d = 0; d < placement.numDevices(); ++d)
      groups.back().push_back(d);
  }
  SmallVector<unsigned, 16> chips;
  for (const auto &group : groups) {
    const unsigned n = group.size();
    if (n < 2)
      continue;
    chips.clear();
    for (unsigned d : group)
      chips.push_back(placement.chipOf(d));
    switch (spec.kind) {
    case CollectiveKind::AllToAll:
      // Every member sends its piece for every other member directly, all
      // at once: one step.
      for (unsigned i = 0; i < n; ++i)
        for (unsigned j = 0; j < n; ++j)
          if (i != j)
            message(chips[i], chips[j], spec.bytes / n, {});
      break;
    case CollectiveKind::CollectiveBroadcast:
      broadcastGroup(chips, shapeOf(chips), spec.bytes);
      break;
    case CollectiveKind::AllGather:
    case CollectiveKind::ReduceScatter:
    case CollectiveKind::AllReduce: {
      GroupShape shape = shapeOf(chips);
      unsigned parts =
          shape.subGrid ? std::max<size_t>(shape.dims.size(), 1) : 1;
      std::vector<std::vector<Waits>> partWaits(parts, std::vector<Waits>(n));
      if (spec.kind != CollectiveKind::AllGather)
        gatherGroup(chips, shape, spec.bytes, /*reduce=*/true, partWaits);
      // All-reduce = reduce-scatter, then all-gather of the reduced parts;
      // each member starts gathering a part once it holds its reduced piece.
      if (spec.kind != CollectiveKind::ReduceScatter)
        gatherGroup(chips, shape, spec.bytes, /*reduce=*/false, partWaits);
      break;
    }
    case CollectiveKind::CollectivePermute:
      break; // handled above
    }
  }
}

} // namespace

Error checkCollective(const Placement &placement, const CollectiveSpec &spec) {
  if (!std::isfinite(spec.bytes) || spec.bytes < 0)
    return makeError("collective bytes must be finite and >= 0");
  const unsigned numDevices = placement.numDevices();
  std::vector<bool> used(numDevices, false);
  if (spec.kind == CollectiveKind::CollectivePermute) {
    std::vector<bool> target(numDevices, false);
    for (auto [src, dst] : spec.pairs) {
      if (src >= numDevices || dst >= numDevices)
        return makeError("permute pair (" + Twine(src) + ", " + Twine(dst) +
                         ") names a device outside 0.." +
                         Twine(numDevices - 1));
      if (used[src])
        return makeError("device " + Twine(src) + " sends twice");
      if (target[dst])
        return makeError("device " + Twine(dst) + " receives twice");
      used[src] = target[dst] = true;
    }
    return Error::success();
  }
  for (const auto &group : spec.groups)
    for (unsigned d : group) {
      if (d >= numDevices)
        return makeError("group member " + Twine(d) +
                         " is outside devices 0.." + Twine(numDevices - 1));
      if (used[d])
        return makeError("device " + Twine(d) +
                         " appears twice in the replica groups");
      used[d] = true;
    }
  return Error::success();
}

Expected<SimResult> simulateCollective(const Slice &slice,
                                       const Placement &placement,
                                       const CollectiveSpec &spec,
                                       const SimOptions &options) {
  if (placement.numDevices() != slice.numDevices())
    return makeError("placement has " + Twine(placement.numDevices()) +
                     " devices, the slice " + Twine(slice.numDevices()));
  if (Error e = checkCollective(placement, spec))
    return e;
  const Calibration &cal = options.calibration
                               ? *options.calibration
                               : Calibration::defaults(slice.chip().generation);
  const CollectiveFigures &figures = cal.of(spec.kind);
  double bandwidth = (options.linkBandwidth > 0 ? options.linkBandwidth
                                                : slice.chip().iciLinkBandwidth) *
                     figures.bandwidthFraction(spec.bytes);
  double hopLatency =
      options.hopLatency >= 0 ? options.hopLatency : cal.hopLatency;
  if (!std::isfinite(bandwidth) || !std::isfinite(hopLatency) ||
      !std::isfinite(options.stepOverhead) || options.stepOverhead < 0)
    return makeError("simulation options must be finite, overhead >= 0");

  FlowNetwork net(slice.numLinkSlots(), bandwidth);
  ScheduleBuilder(slice, placement, hopLatency, options.stepOverhead, net)
      .build(spec);
  Expected<FlowRunResult> run = net.run();
  if (!run)
    return run.takeError();

  // The collective is launched (and pays its fixed cost) when some member
  // exchanges data with another.
  bool moves = spec.bytes > 0 &&
               (spec.kind == CollectiveKind::CollectivePermute
                    ? llvm::any_of(spec.pairs,
                                   [](auto p) { return p.first != p.second; })
                    : spec.groups.empty()
                          ? placement.numDevices() > 1
                          : llvm::any_of(spec.groups, [](const auto &g) {
                              return g.size() > 1;
                            }));
  SimResult result;
  result.seconds = run->makespan + (moves ? figures.fixedSeconds : 0);
  result.linkBytes = net.linkBytes();
  for (unsigned l = 0; l < result.linkBytes.size(); ++l)
    if (result.linkBytes[l] > result.maxLinkBytes) {
      result.maxLinkBytes = result.linkBytes[l];
      result.busiestLink = LinkId(l);
    }
  result.linkBoundSeconds = result.maxLinkBytes / bandwidth;
  result.numFlows = net.numFlows();
  result.numEvents = run->numEvents;
  return result;
}

Expected<SimResult>
simulateSequence(const Slice &slice, const Placement &placement,
                 ArrayRef<std::pair<CollectiveSpec, double>> program,
                 const SimOptions &options) {
  SimResult total;
  total.linkBytes.assign(slice.numLinkSlots(), 0.0);
  for (const auto &[spec, count] : program) {
    if (!std::isfinite(count) || count < 0)
      return makeError("collective count must be finite and >= 0");
    Expected<SimResult> one =
        simulateCollective(slice, placement, spec, options);
    if (!one)
      return one.takeError();
    total.seconds += count * one->seconds;
    for (unsigned l = 0; l < total.linkBytes.size(); ++l)
      total.linkBytes[l] += count * one->linkBytes[l];
    total.numFlows += one->numFlows;
    total.numEvents += one->numEvents;
  }
  double bandwidth = options.linkBandwidth > 0 ? options.linkBandwidth
                                               : slice.chip().iciLinkBandwidth;
  for (unsigned l = 0; l < total.linkBytes.size(); ++l)
    if (total.linkBytes[l] > total.maxLinkBytes) {
      total.maxLinkBytes = total.linkBytes[l];
      total.busiestLink = LinkId(l);
    }
  total.linkBoundSeconds = total.maxLinkBytes / bandwidth;
  return total;
}

} // namespace sim
} // namespace aoizora
