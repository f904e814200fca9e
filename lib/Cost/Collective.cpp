//===- Collective.cpp - Time and link load of a collective ----------------===//
//
// Every collective is lowered to flows (source chip, target chip, bytes)
// that are routed onto directed links and summed; see docs/cost-model.md for
// the formulas and their sources. The schedules:
//  - a group whose chips form a full sub-grid (a line, a ring, a plane or a
//    box of the torus) runs the per-dimension phased algorithm: one ring or
//    line collective per dimension, each along that dimension's lines; the
//    data is split into one part per spanned dimension and part r visits the
//    dimensions in an order rotated by r, so all dimensions' links work at
//    once ("How to Scale Your Model", part "Sharded Matrices": gathering over
//    several axes multiplies the available bandwidth by their number);
//  - any other group runs a ring in its given order over multi-hop routes;
//  - all-to-all and collective-permute route each message directly.
// A phased schedule is not priced at its busiest link alone: part r's phase
// j + 1 cannot start before its phase j ends, and parts whose phases run on
// the same dimension at once share its links. Loads are kept per (part,
// phase), and the bandwidth term is the makespan of those jobs when each
// dimension's links are shared equally by the jobs using them at a time
// (processor sharing, as the link-level simulator's fair sharing does;
// docs/cost-model.md). With one part, or when one link is the bottleneck
// throughout, that is the busiest link's bytes; a link that carries much
// only in a late phase makes it more.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Cost/Collective.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <cmath>

using namespace llvm;

namespace aoizora {

StringRef stringifyCollectiveKind(CollectiveKind kind) {
  switch (kind) {
  case CollectiveKind::AllGather:
    return "all-gather";
  case CollectiveKind::ReduceScatter:
    return "reduce-scatter";
  case CollectiveKind::AllReduce:
    return "all-reduce";
  case CollectiveKind::AllToAll:
    return "all-to-all";
  case CollectiveKind::CollectivePermute:
    return "collective-permute";
  case CollectiveKind::CollectiveBroadcast:
    return "collective-broadcast";
  }
  return "unknown";
}

namespace {

Error makeError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

/// The shared core: routes flows onto link loads and keeps the latency of
/// the schedule being built.
class FlowAccumulator {
public:
  FlowAccumulator(const Slice &slice, std::vector<double> &loads,
                  const CostOptions &options)
      : slice(slice), loads(loads), options(options),
        hopLatency(options.calibrationFor(slice).hopLatency),
        slots(slice.numLinkSlots()) {}

  /// Routes \p bytes from \p src to \p dst (chips) into the loads of the
  /// current (part, phase) block, times `scale` (-1 takes a flow back out).
  void addFlow(unsigned src, unsigned dst, double bytes) {
    if (src == dst || bytes <= 0)
      return;
    double scaled = bytes * scale;
    size_t offset = size_t(block) * slots;
    double *blockLoads = loads.data() + offset;
    if (undoLog) {
      slice.forEachRouteHop(src, dst, [&](LinkId l, double f) {
        undoLog->push_back({uint32_t(offset + l), blockLoads[l]});
        blockLoads[l] += scaled * f;
      });
      return;
    }
    slice.forEachRouteHop(
        src, dst, [&](LinkId l, double f) { blockLoads[l] += scaled * f; });
  }

  /// Latency of \p steps sequential steps whose longest message takes
  /// \p maxHops hops.
  double stepsLatency(unsigned steps, unsigned maxHops) const {
    return steps * (maxHops * hopLatency + options.stepOverhead);
  }

  /// A gather-type collective (all-gather or reduce-scatter; their flows are
  /// the same: every step each member passes one chunk to its neighbour) on
  /// chips \p m in this order, each member contributing \p chunk bytes,
  /// repeated \p passes times. Closed ring when the closing message (last to
  /// first) is no longer than the longest other message; otherwise the
  /// bidirectional line algorithm. Returns the latency.
  double addRingOrLine(ArrayRef<unsigned> m, double chunk, double passes) {
    unsigned n = m.size();
    if (n < 2)
      return 0;
    unsigned maxHops = 0;
    for (unsigned i = 0; i + 1 < n; ++i)
      maxHops = std::max(maxHops, slice.hops(m[i], m[i + 1]));
    unsigned closingHops = slice.hops(m[n - 1], m[0]);
    if (n > 2 && closingHops <= maxHops) {
      // Bidirectional ring: half of every chunk travels each way round, so
      // each ring edge carries (n - 1) * chunk / 2 bytes in each direction,
      // in floor(n / 2) steps.
      double perEdge = passes * (n - 1) * chunk / 2;
      for (unsigned i = 0; i < n; ++i) {
        unsigned a = m[i], b = m[(i + 1) % n];
        addFlow(a, b, perEdge);
        addFlow(b, a, perEdge);
      }
      return passes * stepsLatency(n / 2, maxHops);
    }
    // Line: every chunk travels to both ends. The edge between positions i
    // and i+1 carries the i+1 chunks from the left going right and the
    // n-1-i chunks from the right going left, in n - 1 steps.
    for (unsigned i = 0; i + 1 < n; ++i) {
      addFlow(m[i], m[i + 1], passes * (i + 1) * chunk);
      addFlow(m[i + 1], m[i], passes * (n - 1 - i) * chunk);
    }
    return passes * stepsLatency(n - 1, maxHops);
  }

  const Slice &slice;
  std::vector<double> &loads;
  const CostOptions &options;
  double hopLatency;
  unsigned slots;
  double scale = 1;
  /// The load block flows are added to: part * parts + phase (see
  /// scheduleParts).
  unsigned block = 0;
  /// Receives (index, old value) of every load changed, when set.
  std::vector<std::pair<uint32_t, double>> *undoLog = nullptr;
};

/// How a group lies on the torus.
struct GroupLayout {
  /// Dimensions along which members differ.
  SmallVector<unsigned, 3> dims;
  /// Distinct coordinates per spanned dimension (parallel to dims).
  SmallVector<unsigned, 3> sizes;
  /// Members are distinct chips forming a full sub-grid (product of the
  /// distinct coordinates of each spanned dimension).
  bool product = false;
};

GroupLayout analyse(const Slice &slice, ArrayRef<unsigned> chips) {
  GroupLayout g;
  uint64_t productSize = 1;
  SmallVector<bool, 32> seen;
  for (unsigned d = 0; d < slice.numDims(); ++d) {
    seen.assign(slice.extent(d), false);
    unsigned distinct = 0;
    for (unsigned c : chips) {
      int x = slice.coordsOf(c)[d];
      if (!seen[x]) {
        seen[x] = true;
        ++distinct;
      }
    }
    if (distinct > 1) {
      g.dims.push_back(d);
      g.sizes.push_back(distinct);
      productSize *= distinct;
    }
  }
  if (productSize != chips.size())
    return g;
  SmallVector<unsigned, 64> sorted(chips.begin(), chips.end());
  llvm::sort(sorted);
  g.product = std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end();
  return g;
}

/// Sorts \p chips into lines along \p dim: lines are consecutive runs of
/// \p lineLength members sharing every other coordinate, each in increasing
/// coordinate along \p dim. The key packs the coordinates into one integer
/// (21 bits each: a slice has at most 2^20 chips, limits::kMaxDevices), the
/// other dimensions most significant, so the sort compares integers.
void sortIntoLines(const Slice &slice, SmallVectorImpl<unsigned> &chips,
                   unsigned dim) {
  static_assert(kMaxDims * 21 <= 64, "coordinates must pack into 64 bits");
  SmallVector<std::pair<uint64_t, unsigned>, 64> keyed;
  keyed.reserve(chips.size());
  for (unsigned c : chips) {
    const ChipCoords &x = slice.coordsOf(c);
    uint64_t k = 0;
    for (int d = kMaxDims - 1; d >= 0; --d)
      if (unsigned(d) != dim)
        k = (k << 21) | uint64_t(x[d]);
    keyed.push_back({(k << 21) | uint64_t(x[dim]), c});
  }
  llvm::sort(keyed);
  for (auto [i, kc] : llvm::enumerate(keyed))
    chips[i] = kc.second;
}

/// The per-dimension phased gather (see file comment). \p bytes is the full
/// buffer (all-gather output / reduce-scatter input). Returns the latency.
double addPhasedGather(FlowAccumulator &acc, ArrayRef<unsigned> chips,
                       const GroupLayout &g, double bytes, double passes) {
  unsigned k = g.dims.size();
  double n = chips.size();
  double part = bytes / k;
  double latency = 0;
  SmallVector<unsigned, 64> work(chips.begin(), chips.end());
  for (unsigned r = 0; r < k; ++r) {
    double held = 1; // product of the extents gathered so far
    double partLatency = 0;
    for (unsigned j = 0; j < k; ++j) {
      unsigned idx = (r + j) % k;
      unsigned dim = g.dims[idx], len = g.sizes[idx];
      double chunk = part * held / n;
      acc.block = r * acc.slice.numDims() + j;
      sortIntoLines(acc.slice, work, dim);
      double phaseLatency = 0;
      for (unsigned start = 0; start < work.size(); start += len)
        phaseLatency = std::max(
            phaseLatency,
            acc.addRingOrLine(ArrayRef(work).slice(start, len), chunk, passes));
      partLatency += phaseLatency;
      held *= len;
    }
    latency = std::max(latency, partLatency);
  }
  acc.block = 0;
  return latency;
}

double addGather(FlowAccumulator &acc, ArrayRef<unsigned> chips, double bytes,
                 double passes) {
  GroupLayout g = analyse(acc.slice, chips);
  if (g.dims.empty())
    return 0; // every member on one chip: no ICI traffic
  if (g.product)
    return addPhasedGather(acc, chips, g, bytes, passes);
  return acc.addRingOrLine(chips, bytes / chips.size(), passes);
}

double addAllToAll(FlowAccumulator &acc, ArrayRef<unsigned> chips,
                   double bytes) {
  double share = bytes / chips.size();
  unsigned maxHops = 0;
  for (unsigned a : chips)
    for (unsigned b : chips) {
      if (a == b)
        continue;
      acc.addFlow(a, b, share);
      maxHops = std::max(maxHops, acc.slice.hops(a, b));
    }
  return acc.stepsLatency(1, maxHops);
}

double addBroadcast(FlowAccumulator &acc, ArrayRef<unsigned> chips,
                    double bytes) {
  const Slice &slice = acc.slice;
  GroupLayout g = analyse(slice, chips);
  if (g.dims.empty())
    return 0;
  if (!g.product) {
    // Pipelined chain in the given order from the source.
    unsigned total = 0;
    for (unsigned i = 0; i + 1 < chips.size(); ++i) {
      acc.addFlow(chips[i], chips[i + 1], bytes);
      total += slice.hops(chips[i], chips[i + 1]);
    }
    return acc.stepsLatency(1, total);
  }
  // Dimension by dimension: along each spanned dimension, every line that
  // already holds the data (it passes through the source's coordinates on
  // the dimensions still to do) forwards it outward from its holder.
  ChipCoords root = slice.coordsOf(chips[0]);
  SmallVector<unsigned, 64> work(chips.begin(), chips.end());
  double latency = 0;
  for (unsigned j = 0; j < g.dims.size(); ++j) {
    unsigned dim = g.dims[j], len = g.sizes[j];
    sortIntoLines(slice, work, dim);
    unsigned phaseHops = 0;
    for (unsigned start = 0; start < work.size(); start += len) {
      ArrayRef<unsigned> line = ArrayRef(work).slice(start, len);
      ChipCoords any = slice.coordsOf(line[0]);
      bool holds = true;
      for (unsigned later = j + 1; later < g.dims.size(); ++later)
        holds &= any[g.dims[later]] == root[g.dims[later]];
      if (!holds)
        continue;
      unsigned src = 0;
      while (slice.coordsOf(line[src])[dim] != root[dim])
        ++src;
      unsigned up = 0, down = 0;
      for (unsigned i = src + 1; i < len; ++i) {
        acc.addFlow(line[i - 1], line[i], bytes);
        up += slice.hops(line[i - 1], line[i]);
      }
      for (unsigned i = src; i > 0; --i) {
        acc.addFlow(line[i], line[i - 1], bytes);
        down += slice.hops(line[i], line[i - 1]);
      }
      phaseHops = std::max({phaseHops, up, down});
    }
    latency += acc.stepsLatency(1, phaseHops);
  }
  return latency;
}

/// Bytes that must cross the worst cut through the all-to-all groups, over
/// the bandwidth of the links crossing it (one direction).
double allToAllBisection(const Slice &slice,
                         ArrayRef<SmallVector<unsigned, 64>> groups,
                         double bytes) {
  double worst = 0;
  double w = slice.chip().iciLinkBandwidth;
  for (unsigned d = 0; d < slice.numDims(); ++d) {
    int e = slice.extent(d);
    if (e < 2)
      continue;
    // Lines along d that hold members: distinct projections on other dims.
    SmallVector<unsigned, 64> proj;
    for (const auto &g : groups)
      for (unsigned c : g) {
        ChipCoords x = slice.coordsOf(c);
        x[d] = 0;
        proj.push_back(slice.chipAt(x));
      }
    llvm::sort(proj);
    double lines = std::unique(proj.begin(), proj.end()) - proj.begin();
    bool ring = slice.wraps(d);
    double capacity = lines * (ring ? 2 : 1) * w;
    // Open: cut between k and k+1. Ring: arc [a, a + e/2) against the rest.
    int cuts = ring ? e : e - 1;
    for (int a = 0; a < cuts; ++a) {
      double crossing = 0;
      for (const auto &g : groups) {
        double left = 0;
        for (unsigned c : g) {
          int x = slice.coordsOf(c)[d];
          bool in = ring ? ((x - a + e) % e) < e / 2 : x <= a;
          left += in;
        }
        double n = g.size();
        crossing += left * (n - left) * bytes / n;
      }
      worst = std::max(worst, crossing / capacity);
    }
  }
  return worst;
}

/// The flows of one group of a non-permute collective; returns its latency.
double addGroup(FlowAccumulator &acc, const CollectiveSpec &spec,
                ArrayRef<unsigned> chips) {
  switch (spec.kind) {
  case CollectiveKind::AllGather:
  case CollectiveKind::ReduceScatter:
    return addGather(acc, chips, spec.bytes, 1);
  case CollectiveKind::AllReduce:
    // Reduce-scatter then all-gather of the same buffer: twice the flows
    // and twice the steps.
    return addGather(acc, chips, spec.bytes, 2);
  case CollectiveKind::AllToAll:
    return addAllToAll(acc, chips, spec.bytes);
  case CollectiveKind::CollectiveBroadcast:
    return addBroadcast(acc, chips, spec.bytes);
  case CollectiveKind::CollectivePermute:
    break;
  }
  // A permute's "group" is one (source, target) pair.
  if (chips.size() != 2)
    return 0;
  acc.addFlow(chips[0], chips[1], spec.bytes);
  return acc.stepsLatency(1, acc.slice.hops(chips[0], chips[1]));
}

} // namespace

double addGroupLoads(const Slice &slice, const CollectiveSpec &spec,
                     ArrayRef<unsigned> chips, std::vector<double> &loads,
                     double scale, const CostOptions &options,
                     std::vector<std::pair<uint32_t, double>> *undoLog) {
  FlowAccumulator acc(slice, loads, options);
  acc.scale = scale;
  acc.undoLog = undoLog;
  return addGroup(acc, spec, chips);
}

Error verifyCollective(const Slice &slice, const CollectiveSpec &spec) {
  unsigned n = slice.numDevices();
  StringRef kind = stringifyCollectiveKind(spec.kind);
  if (!(spec.bytes >= 0) || !std::isfinite(spec.bytes))
    return makeError(kind + ": bytes must be a finite number >= 0");
  if (spec.kind == CollectiveKind::CollectivePermute) {
    if (!spec.groups.empty())
      return makeError(kind + " takes source-target pairs, not groups");
    SmallVector<bool, 0> isSource(n, false), isTarget(n, false);
    for (auto [i, p] : enumerate(spec.pairs)) {
      if (p.first >= n || p.second >= n)
        return makeError(kind + ": pair #" + Twine(i) + " (" + Twine(p.first) +
                         " -> " + Twine(p.second) +
                         ") names a device outside 0.." + Twine(n - 1));
      if (isSource[p.first])
        return makeError(kind + ": device " + Twine(p.first) +
                         " is the source of two pairs");
      if (isTarget[p.second])
        return makeError(kind + ": device " + Twine(p.second) +
                         " is the target of two pairs");
      isSource[p.first] = isTarget[p.second] = true;
    }
    return Error::success();
  }
  if (!spec.pairs.empty())
    return makeError(kind + " takes groups, not source-target pairs");
  SmallVector<int, 0> groupOf(n, -1);
  for (auto [gi, g] : enumerate(spec.groups)) {
    if (g.empty())
      return makeError(kind + ": group #" + Twine(gi) + " is empty");
    for (unsigned d : g) {
      if (d >= n)
        return makeError(kind + ": group #" + Twine(gi) + " names device " +
                         Twine(d) + ", outside 0.." + Twine(n - 1));
      if (groupOf[d] >= 0)
        return makeError(kind + ": device " + Twine(d) + " is in group #" +
                         Twine(groupOf[d]) + " and group #" + Twine(gi));
      groupOf[d] = gi;
    }
  }
  return Error::success();
}

void estimateCollective(const Slice &slice, const Placement &placement,
                        const CollectiveSpec &spec, CollectiveCost &out,
                        const CostOptions &options) {
  assert(placement.numDevices() == slice.numDevices() &&
         "placement is for another slice");
  assert([&] {
    Error e = verifyCollective(slice, spec);
    bool ok = !e;
    consumeError(std::move(e));
    return ok;
  }() && "invalid collective; call verifyCollective first");

  unsigned slots = slice.numLinkSlots();
  unsigned parts = scheduleParts(slice, spec);
  unsigned blocks = parts * parts;
  out.phaseLinkBytes.assign(size_t(blocks) * slots, 0.0);
  FlowAccumulator acc(slice, out.phaseLinkBytes, options);
  double latency = 0;
  out.bisectionSeconds = 0;

  if (spec.kind == CollectiveKind::CollectivePermute) {
    unsigned maxHops = 0;
    for (auto [s, t] : spec.pairs) {
      unsigned a = placement.chipOf(s), b = placement.chipOf(t);
      acc.addFlow(a, b, spec.bytes);
      maxHops = std::max(maxHops, slice.hops(a, b));
    }
    if (!spec.pairs.empty())
      latency = acc.stepsLatency(1, maxHops);
  } else {
    // Chips of each group, in the group's order. No groups: all devices.
    SmallVector<SmallVector<unsigned, 64>, 8> groups;
    if (spec.groups.empty()) {
      groups.emplace_back();
      for (unsigned d = 0; d < placement.numDevices(); ++d)
        groups.back().push_back(placement.chipOf(d));
    } else {
      for (const auto &g : spec.groups) {
        groups.emplace_back();
        for (unsigned d : g)
          groups.back().push_back(placement.chipOf(d));
      }
    }
    for (const auto &chips : groups)
      latency = std::max(latency, addGroup(acc, spec, chips));
    // The cut bound assumes straight rings; a twisted slice has none.
    if (spec.kind == CollectiveKind::AllToAll && !slice.twisted())
      out.bisectionSeconds = allToAllBisection(slice, groups, spec.bytes);
  }
  const CollectiveFigures &figures =
      options.calibrationFor(slice).of(spec.kind);
  double achieved = figures.bandwidthFraction(spec.bytes);

  out.linkBytes.assign(out.phaseLinkBytes.begin(),
                       out.phaseLinkBytes.begin() + slots);
  for (unsigned b = 1; b < blocks; ++b)
    for (unsigned l = 0; l < slots; ++l)
      out.linkBytes[l] += out.phaseLinkBytes[size_t(b) * slots + l];
  // The summary's busiest slot is the most loaded link (the same sums, the
  // lowest link on a tie).
  ScheduleLoadSummary summary =
      summarizeScheduleLoads(out.phaseLinkBytes, parts);
  out.maxLinkBytes = summary.busiest;
  out.bottleneck = summary.busiest > 0 ? LinkId(summary.busiestSlot) : kNoLink;
  out.scheduleBytes = scheduleBytes(summary, parts, spec.kind);
  out.bandwidthSeconds =
      out.scheduleBytes / (slice.chip().iciLinkBandwidth * achieved);
  out.latencySeconds = latency;
  out.fixedSeconds = fixedCostSeconds(slice, spec, options);
  out.seconds = out.fixedSeconds + out.bandwidthSeconds + out.latencySeconds;
}

unsigned scheduleParts(const Slice &slice, const CollectiveSpec &spec) {
  switch (spec.kind) {
  case CollectiveKind::AllGather:
  case CollectiveKind::ReduceScatter:
  case CollectiveKind::AllReduce:
    // A sub-grid group spans at most every dimension. An all-reduce's two
    // passes add to the same blocks: twice the work, twice the makespan.
    return std::max(1u, slice.numDims());
  default:
    return 1;
  }
}

ScheduleLoadSummary summarizeScheduleLoads(ArrayRef<double> loads,
                                           unsigned parts) {
  ScheduleLoadSummary out;
  unsigned blocks = parts * parts;
  size_t slots = loads.size() / blocks;
  out.blockMax.assign(blocks, 0.0);
  out.blockArgMax.assign(blocks, 0);
  // The lowest slot wins a tie (strict >), so that an incremental update
  // that keeps the same rule ends with the same summary.
  for (size_t l = 0; l < slots; ++l) {
    double total = 0;
    for (unsigned b = 0; b < blocks; ++b) {
      double v = loads[b * slots + l];
      total += v;
      if (v > out.blockMax[b]) {
        out.blockMax[b] = v;
        out.blockArgMax[b] = l;
      }
    }
    if (total > out.busiest) {
      out.busiest = total;
      out.busiestSlot = l;
    }
  }
  return out;
}

double scheduleBytes(ArrayRef<double> loads, unsigned parts,
                     CollectiveKind kind) {
  return scheduleBytes(summarizeScheduleLoads(loads, parts), parts, kind);
}

double scheduleBytes(const ScheduleLoadSummary &summary, unsigned parts,
                     CollectiveKind kind) {
  double busiest = summary.busiest;
  if (parts == 1)
    return busiest;
  // Per (part, phase): its busiest link's bytes (the job's work) and that
  // link's dimension (the resource it runs on).
  ArrayRef<double> work = summary.blockMax;
  auto dimOf = [&](unsigned b) {
    return (summary.blockArgMax[b] / 2) % kMaxDims; // Slice::linkId layout
  };
  // Processor sharing: each part runs its jobs in order; the parts whose
  // current job is on one dimension split it equally. A reduce-scatter runs
  // a part's phases last to first; an all-reduce runs them back and forth
  // (its loads hold both passes, half each).
  struct Job {
    unsigned block;
    double work;
  };
  SmallVector<SmallVector<Job, 6>, 3> jobs(parts);
  for (unsigned r = 0; r < parts; ++r) {
    auto add = [&](unsigned j, double share) {
      unsigned b = r * parts + j;
      if (work[b] > 0)
        jobs[r].push_back({b, work[b] * share});
    };
    if (kind != CollectiveKind::AllGather)
      for (unsigned j = parts; j-- > 0;)
        add(j, kind == CollectiveKind::AllReduce ? 0.5 : 1);
    if (kind == CollectiveKind::AllGather || kind == CollectiveKind::AllReduce)
      for (unsigned j = 0; j < parts; ++j)
        add(j, kind == CollectiveKind::AllReduce ? 0.5 : 1);
  }
  SmallVector<unsigned, 3> next(parts, 0);
  SmallVector<double, 3> left(parts, 0.0);
  for (unsigned r = 0; r < parts; ++r)
    left[r] = jobs[r].empty() ? 0 : jobs[r][0].work;
  auto resource = [&](unsigned r) { return dimOf(jobs[r][next[r]].block); };
  double time = 0;
  for (;;) {
    unsigned sharing[kMaxDims] = {};
    for (unsigned r = 0; r < parts; ++r)
      if (next[r] < jobs[r].size())
        ++sharing[resource(r)];
    double step = -1;
    for (unsigned r = 0; r < parts; ++r)
      if (next[r] < jobs[r].size()) {
        double t = left[r] * sharing[resource(r)];
        step = step < 0 ? t : std::min(step, t);
      }
    if (step < 0)
      break;
    time += step;
    for (unsigned r = 0; r < parts; ++r) {
      if (next[r] >= jobs[r].size())
        continue;
      double full = jobs[r][next[r]].work;
      left[r] -= step / sharing[resource(r)];
      if (left[r] <= 1e-12 * full && ++next[r] < jobs[r].size())
        left[r] = jobs[r][next[r]].work;
    }
  }
  return std::max(time, busiest);
}

double fixedCostSeconds(const Slice &slice, const CollectiveSpec &spec,
                        const CostOptions &options) {
  if (spec.bytes <= 0)
    return 0;
  bool moves =
      spec.kind == CollectiveKind::CollectivePermute
          ? any_of(spec.pairs, [](auto p) { return p.first != p.second; })
      : spec.groups.empty()
          ? slice.numDevices() > 1
          : any_of(spec.groups, [](const auto &g) { return g.size() > 1; });
  return moves ? options.calibrationFor(slice).of(spec.kind).fixedSeconds : 0;
}

CollectiveCost estimateCollective(const Slice &slice,
                                  const Placement &placement,
                                  const CollectiveSpec &spec,
                                  const CostOptions &options) {
  CollectiveCost cost;
  estimateCollective(slice, placement, spec, cost, options);
  return cost;
}

double lowerBoundSeconds(const Slice &slice, const CollectiveSpec &spec,
                         const CostOptions &options) {
  const ChipSpec &chip = slice.chip();
  const Calibration &cal = options.calibrationFor(slice);
  const CollectiveFigures &figures = cal.of(spec.kind);
  double ingress = slice.linksPerChip() * chip.iciLinkBandwidth *
                   figures.bandwidthFraction(spec.bytes);
  if (ingress == 0)
    return 0;
  unsigned perChip = chip.devicesPerChip;
  double worst = 0;
  auto consider = [&](double mustMove) {
    if (mustMove > 0)
      worst = std::max(worst, figures.fixedSeconds + mustMove / ingress +
                                  cal.hopLatency);
  };
  if (spec.kind == CollectiveKind::CollectivePermute) {
    // A device on another chip must receive the whole buffer; with several
    // devices per chip the partner may share the chip, so no bound.
    bool moves = any_of(spec.pairs, [](auto p) { return p.first != p.second; });
    if (moves && perChip == 1)
      consider(spec.bytes);
    return worst;
  }
  SmallVector<unsigned, 8> sizes;
  if (spec.groups.empty())
    sizes.push_back(slice.numDevices());
  for (const auto &g : spec.groups)
    sizes.push_back(g.size());
  for (unsigned n : sizes) {
    if (n <= perChip)
      continue; // the whole group may share one chip
    // Share of the buffer a member must exchange with other chips: at most
    // perChip - 1 other members can be on its own chip.
    double remote = double(n - perChip) / n * spec.bytes;
    switch (spec.kind) {
    case CollectiveKind::AllGather:     // receive every other shard
    case CollectiveKind::ReduceScatter: // send every other shard
    case CollectiveKind::AllToAll:      // receive one share from each
      consider(remote);
      break;
    case CollectiveKind::AllReduce:
      // Bandwidth-optimal all-reduce moves 2 (n - 1) / n of the buffer per
      // member (Patarasuk and Yuan, JPDC 2009).
      consider(2 * remote);
      break;
    case CollectiveKind::CollectiveBroadcast:
      consider(spec.bytes);
      break;
    case CollectiveKind::CollectivePermute:
      break;
    }
  }
  return worst;
}

} // namespace aoizora
