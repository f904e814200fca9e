//===- PlacementSearch.cpp - Rank placements of a mesh on a slice ---------===//
//
// Scoring reuses one CollectiveCost buffer per search, so that the hot loop
// (thousands of placements) does not allocate per collective.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Search/PlacementSearch.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <unordered_set>
#include <numeric>
#include <cmath>
#include <optional>
#include <random>
#include <set>
#include <tuple>

using namespace llvm;

namespace aoizora {

//===----------------------------------------------------------------------===//
// Scoring
//===----------------------------------------------------------------------===//

/// Relative tolerance under which two times count as equal.
static constexpr double kTieTolerance = 1e-9;

static bool clearlyLess(double a, double b) {
  return a < b - kTieTolerance * std::max(std::abs(a), std::abs(b));
}

bool PlacementScore::operator<(const PlacementScore &other) const {
  if (clearlyLess(seconds, other.seconds))
    return true;
  if (clearlyLess(other.seconds, seconds))
    return false;
  return clearlyLess(maxLinkBytes, other.maxLinkBytes);
}

namespace {
/// Scores placements, reusing the cost buffer between calls.
class Scorer {
public:
  Scorer(const Slice &slice, ArrayRef<WeightedCollective> collectives,
         const CostOptions &cost)
      : slice(slice), collectives(collectives), cost(cost) {}

  PlacementScore operator()(const Placement &placement) {
    ++evaluated;
    PlacementScore score;
    for (const WeightedCollective &c : collectives) {
      estimateCollective(slice, placement, c.spec, buffer, cost);
      score.seconds += c.count * buffer.seconds;
      score.maxLinkBytes = std::max(score.maxLinkBytes, buffer.maxLinkBytes);
    }
    return score;
  }

  uint64_t evaluated = 0;

private:
  const Slice &slice;
  ArrayRef<WeightedCollective> collectives;
  CostOptions cost;
  CollectiveCost buffer;
};
} // namespace

PlacementScore scorePlacement(const Slice &slice, const Placement &placement,
                              ArrayRef<WeightedCollective> collectives,
                              const CostOptions &cost) {
  Scorer scorer(slice, collectives, cost);
  return scorer(placement);
}

//===----------------------------------------------------------------------===//
// Structured embeddings
//===----------------------------------------------------------------------===//

StringRef stringifyTraversal(Traversal traversal) {
  switch (traversal) {
  case Traversal::Linear:
    return "linear";
  case Traversal::Snake:
    return "snake";
  case Traversal::RingFolded:
    return "ring-folded";
  }
  llvm_unreachable("unknown traversal");
}

std::string Embedding::str() const {
  std::string text;
  raw_string_ostream os(text);
  os << "axes (";
  interleave(axisOrder, os, ",");
  os << ") on dims (";
  interleave(
      dimOrder, os, [&](unsigned d) { os << "xyz"[d]; }, ",");
  os << "), ";
  interleave(
      traversals, os, [&](Traversal t) { os << stringifyTraversal(t); }, "/");
  return text;
}

/// Coordinate of position \p digit along a dimension of \p extent.
static int walk(Traversal traversal, int digit, int extent,
                int moreMajorDigitSum) {
  switch (traversal) {
  case Traversal::Linear:
    return digit;
  case Traversal::Snake:
    return moreMajorDigitSum % 2 ? extent - 1 - digit : digit;
  case Traversal::RingFolded:
    return digit < (extent + 1) / 2 ? 2 * digit : 2 * (extent - 1 - digit) + 1;
  }
  llvm_unreachable("unknown traversal");
}

Placement embed(const Slice &slice, ArrayRef<int64_t> meshShape,
                const Embedding &embedding) {
  unsigned numDevices = slice.numDevices();
  unsigned slots = slice.chip().devicesPerChip;
  SmallVector<unsigned> chipOf(numDevices), slotOf(numDevices);
  SmallVector<int64_t, 4> coords(meshShape.size());
  for (unsigned logical = 0; logical < numDevices; ++logical) {
    // Mesh coordinates of the row-major logical id.
    unsigned rest = logical;
    for (int axis = static_cast<int>(meshShape.size()) - 1; axis >= 0; --axis) {
      coords[axis] = rest % meshShape[axis];
      rest /= meshShape[axis];
    }
    // Flat index in the chosen axis order.
    unsigned flat = 0;
    for (unsigned axis : embedding.axisOrder)
      flat = flat * meshShape[axis] + coords[axis];
    // Split over the physical dims (major to minor), core slots minor-most.
    unsigned slot = flat % slots;
    flat /= slots;
    SmallVector<int, 3> digits(embedding.dimOrder.size());
    for (int i = static_cast<int>(digits.size()) - 1; i >= 0; --i) {
      int extent = slice.extent(embedding.dimOrder[i]);
      digits[i] = flat % extent;
      flat /= extent;
    }
    ChipCoords chip = {0, 0, 0};
    int majorSum = 0;
    for (auto [i, dim] : enumerate(embedding.dimOrder)) {
      chip[dim] =
          walk(embedding.traversals[i], digits[i], slice.extent(dim), majorSum);
      majorSum += digits[i];
    }
    chipOf[logical] = slice.chipAt(chip);
    slotOf[logical] = slot;
  }
  Expected<Placement> placement = Placement::fromChips(slice, chipOf, slotOf);
  assert(placement && "an embedding is a bijection onto the slice");
  return std::move(*placement);
}

SmallVector<Embedding> enumerateEmbeddings(const Slice &slice,
                                           ArrayRef<int64_t> meshShape) {
  // Only axes of size > 1 change the flattening: size-1 axes stay minor-most
  // in a fixed order, so a mesh with many of them does not ask for the
  // factorial of its axis count (issue 15).
  SmallVector<unsigned, 4> axisOrder, sizeOneAxes;
  for (auto [i, size] : enumerate(meshShape))
    (size == 1 ? sizeOneAxes : axisOrder).push_back(i);
  auto withSizeOneAxes = [&] {
    SmallVector<unsigned, 4> order = axisOrder;
    order.append(sizeOneAxes.begin(), sizeOneAxes.end());
    return order;
  };
  SmallVector<unsigned, 3> dimOrder(slice.numDims());
  std::iota(dimOrder.begin(), dimOrder.end(), 0);
  const Traversal kTraversals[] = {Traversal::Linear, Traversal::Snake,
                                   Traversal::RingFolded};
  unsigned numTraversalChoices = 1;
  for (unsigned i = 0; i < slice.numDims(); ++i)
    numTraversalChoices *= std::size(kTraversals);

  SmallVector<Embedding> result;
  do {
    SmallVector<unsigned, 3> dims = dimOrder;
    do {
      for (unsigned choice = 0; choice < numTraversalChoices; ++choice) {
        Embedding embedding{withSizeOneAxes(), dims, {}};
        for (unsigned i = 0, c = choice; i < dims.size(); ++i, c /= 3)
          embedding.traversals.push_back(kTraversals[c % 3]);
        result.push_back(std::move(embedding));
      }
    } while (std::next_permutation(dims.begin(), dims.end()));
  } while (std::next_permutation(axisOrder.begin(), axisOrder.end()));
  return result;
}

//===----------------------------------------------------------------------===//
// Block embeddings
//===----------------------------------------------------------------------===//

StringRef stringifyAxisWalk(AxisWalk walk) {
  switch (walk) {
  case AxisWalk::Linear:
    return "linear";
  case AxisWalk::Snake:
    return "snake";
  case AxisWalk::Ring:
    return "ring";
  }
  llvm_unreachable("unknown walk");
}

std::string BlockEmbedding::str() const {
  std::string text;
  raw_string_ostream os(text);
  os << "blocks: ";
  for (unsigned axis = 0; axis < parts.size(); ++axis) {
    os << (axis ? ", " : "") << 'a' << axis << '=';
    if (parts[axis].empty())
      os << '1';
    interleave(
        parts[axis], os,
        [&](const AxisPart &p) { os << "xyzc"[std::min(p.dim, 3u)] << p.size; },
        "*");
    os << ' ' << stringifyAxisWalk(walks[axis]);
  }
  os << "; order (";
  interleave(axisOrder, os, ",");
  os << ')';
  return text;
}

/// The digits (one per part, major to minor) of position \p index along an
/// axis whose parts have \p sizes, walked as \p walk.
static void walkDigits(AxisWalk walk, ArrayRef<int64_t> sizes, int64_t index,
                       SmallVectorImpl<int64_t> &digits) {
  unsigned m = sizes.size();
  digits.assign(m, 0);
  auto mixedRadix = [&](int64_t i) {
    for (int j = int(m) - 1; j >= 0; --j) {
      digits[j] = i % sizes[j];
      i /= sizes[j];
    }
  };
  auto snake = [&](int64_t i) {
    mixedRadix(i);
    int64_t majorSum = 0;
    for (unsigned j = 0; j < m; ++j) {
      int64_t original = digits[j];
      if (majorSum % 2)
        digits[j] = sizes[j] - 1 - digits[j];
      majorSum += original;
    }
  };
  if (m == 0)
    return;
  switch (walk) {
  case AxisWalk::Linear:
    mixedRadix(index);
    return;
  case AxisWalk::Snake:
    snake(index);
    return;
  case AxisWalk::Ring:
    break;
  }
  if (m == 1) {
    int64_t e = sizes[0];
    digits[0] = index < (e + 1) / 2 ? 2 * index : 2 * (e - 1 - index) + 1;
    return;
  }
  if (m == 2) {
    // Cycle over an a x b rectangle, a even: snake over the columns 1..b-1
    // row by row (ends in row a-1, column 1), then back up column 0.
    int64_t a = sizes[0], b = sizes[1];
    bool swapped = a % 2 != 0;
    if (swapped)
      std::swap(a, b);
    if (a % 2 == 0 && b >= 2) {
      int64_t r, c;
      if (index < a * (b - 1)) {
        r = index / (b - 1);
        int64_t k = index % (b - 1);
        c = 1 + (r % 2 ? b - 2 - k : k);
      } else {
        r = a - 1 - (index - a * (b - 1));
        c = 0;
      }
      digits[0] = swapped ? c : r;
      digits[1] = swapped ? r : c;
      return;
    }
  }
  snake(index);
}

/// The (chip * slots + slot) position of every logical id under a block
/// embedding. Positions are linear in the coordinates, so each axis adds a
/// precomputed term per index: cheap enough to run on thousands of
/// embeddings before any is scored.
static void blockPositions(const Slice &slice, ArrayRef<int64_t> meshShape,
                           const BlockEmbedding &embedding,
                           SmallVectorImpl<unsigned> &position) {
  unsigned dims = slice.numDims();
  unsigned slots = slice.chip().devicesPerChip;
  unsigned k = meshShape.size();
  // Stride of one step along each dimension (the core slot is `dims`).
  SmallVector<int64_t, 4> dimStride(dims + 1);
  dimStride[dims] = 1;
  int64_t stride = slots;
  for (unsigned d = 0; d < dims; ++d) {
    dimStride[d] = stride;
    stride *= slice.extent(d);
  }
  // Within a dimension, a part's digit is worth the product of the parts
  // after it (later axes in axisOrder are more minor).
  SmallVector<SmallVector<int64_t, 4>, 4> weight(k);
  for (unsigned axis = 0; axis < k; ++axis)
    weight[axis].assign(embedding.parts[axis].size(), 0);
  SmallVector<int64_t, 4> below(dims + 1, 1);
  for (unsigned axis : llvm::reverse(embedding.axisOrder))
    for (auto [i, part] : enumerate(embedding.parts[axis])) {
      weight[axis][i] = below[part.dim] * dimStride[part.dim];
      below[part.dim] *= part.size;
    }
  SmallVector<SmallVector<int64_t, 0>, 4> term(k);
  SmallVector<int64_t, 4> sizes, digits;
  for (unsigned axis = 0; axis < k; ++axis) {
    sizes.clear();
    for (const AxisPart &part : embedding.parts[axis])
      sizes.push_back(part.size);
    term[axis].resize(meshShape[axis]);
    for (int64_t index = 0; index < meshShape[axis]; ++index) {
      walkDigits(embedding.walks[axis], sizes, index, digits);
      int64_t t = 0;
      for (unsigned j = 0; j < digits.size(); ++j)
        t += digits[j] * weight[axis][j];
      term[axis][index] = t;
    }
  }
  unsigned n = slice.numDevices();
  position.resize(n);
  SmallVector<int64_t, 4> coords(k, 0);
  for (unsigned logical = 0; logical < n; ++logical) {
    int64_t p = 0;
    for (unsigned axis = 0; axis < k; ++axis)
      p += term[axis][coords[axis]];
    position[logical] = unsigned(p);
    for (int axis = int(k) - 1; axis >= 0; --axis) {
      if (++coords[axis] < meshShape[axis])
        break;
      coords[axis] = 0;
    }
  }
}

/// The placement of (chip * slots + slot) positions.
static Placement placementOfPositions(const Slice &slice,
                                      ArrayRef<unsigned> position) {
  unsigned slots = slice.chip().devicesPerChip;
  SmallVector<unsigned> chipOf, slotOf;
  for (unsigned p : position) {
    chipOf.push_back(p / slots);
    slotOf.push_back(p % slots);
  }
  Expected<Placement> placement = Placement::fromChips(slice, chipOf, slotOf);
  assert(placement && "positions are a bijection onto the slice");
  return std::move(*placement);
}

Placement embedBlocks(const Slice &slice, ArrayRef<int64_t> meshShape,
                      const BlockEmbedding &embedding) {
  SmallVector<unsigned> position;
  blockPositions(slice, meshShape, embedding, position);
  return placementOfPositions(slice, position);
}

std::vector<BlockEmbedding> enumerateBlockEmbeddings(const Slice &slice,
                                                     ArrayRef<int64_t> meshShape,
                                                     unsigned limit) {
  unsigned dims = slice.numDims();
  unsigned slots = slice.chip().devicesPerChip;
  unsigned k = meshShape.size();
  SmallVector<int64_t, 4> capacity;
  for (unsigned d = 0; d < dims; ++d)
    capacity.push_back(slice.extent(d));
  capacity.push_back(slots);
  int64_t total = 1;
  for (int64_t s : meshShape)
    total *= s;
  std::vector<BlockEmbedding> result;
  if (total != int64_t(slice.numDevices()) || limit == 0)
    return result;

  // Every split: axis by axis, each dimension takes a divisor of what it has
  // left that also divides what the axis still needs.
  std::vector<SmallVector<SmallVector<AxisPart, 4>, 4>> splits;
  SmallVector<SmallVector<AxisPart, 4>, 4> current(k);
  std::function<void(unsigned, unsigned, int64_t)> place =
      [&](unsigned axis, unsigned d, int64_t need) {
        if (splits.size() >= 4096)
          return;
        if (axis == k) {
          splits.push_back(current);
          return;
        }
        if (d == capacity.size()) {
          if (need == 1)
            place(axis + 1, 0, axis + 1 < k ? meshShape[axis + 1] : 1);
          return;
        }
        for (int64_t part = 1; part <= std::min(need, capacity[d]); ++part) {
          if (need % part || capacity[d] % part)
            continue;
          capacity[d] /= part;
          if (part > 1)
            current[axis].push_back({d, part});
          place(axis, d + 1, need / part);
          if (part > 1)
            current[axis].pop_back();
          capacity[d] *= part;
        }
      };
  place(0, 0, k ? meshShape[0] : 1);

  std::vector<SmallVector<unsigned, 4>> orders;
  SmallVector<unsigned, 4> order(k);
  std::iota(order.begin(), order.end(), 0);
  do
    orders.push_back(order);
  while (std::next_permutation(order.begin(), order.end()) &&
         orders.size() < 720);
  const AxisWalk kWalks[] = {AxisWalk::Linear, AxisWalk::Snake,
                             AxisWalk::Ring};
  // Variants per (split, order): 3 walks x 2 part orders.
  uint64_t space = uint64_t(splits.size()) * orders.size() * 6;
  uint64_t count = std::min<uint64_t>(space, limit);
  for (uint64_t j = 0; j < count; ++j) {
    uint64_t index = space <= limit ? j : j * space / count;
    unsigned variant = index % 6;
    uint64_t rest = index / 6;
    const auto &orderChoice = orders[rest % orders.size()];
    const auto &split = splits[rest / orders.size()];
    bool reversed = variant / 3;
    BlockEmbedding e;
    e.axisOrder = orderChoice;
    for (unsigned axis = 0; axis < k; ++axis) {
      e.parts.push_back(split[axis]);
      if (reversed)
        std::reverse(e.parts.back().begin(), e.parts.back().end());
      e.walks.push_back(kWalks[variant % 3]);
    }
    if (reversed && all_of(split, [](const auto &p) { return p.size() < 2; }))
      continue; // the same as the unreversed variant
    result.push_back(std::move(e));
  }
  return result;
}

//===----------------------------------------------------------------------===//
// Search
//===----------------------------------------------------------------------===//

/// The (chip, slot) of every device: the identity of a placement.
static SmallVector<unsigned> keyOf(const Placement &placement) {
  SmallVector<unsigned> key;
  for (unsigned d = 0; d < placement.numDevices(); ++d) {
    key.push_back(placement.chipOf(d));
    key.push_back(placement.slotOf(d));
  }
  return key;
}

/// Sorts best first and drops placements seen earlier in the list.
static void sortAndDedupe(SmallVectorImpl<RankedPlacement> &list) {
  std::stable_sort(list.begin(), list.end(),
                   [](const RankedPlacement &a, const RankedPlacement &b) {
                     return a.score < b.score;
                   });
  std::set<SmallVector<unsigned>> seen;
  SmallVector<RankedPlacement> unique;
  for (RankedPlacement &entry : list)
    if (seen.insert(keyOf(entry.placement)).second)
      unique.push_back(std::move(entry));
  list.clear();
  for (RankedPlacement &entry : unique)
    list.push_back(std::move(entry));
}

namespace {
/// Re-prices a placement after a few devices moved: keeps every collective's
/// link loads and per-group latencies, and on a move takes the flows of only
/// the groups holding a moved device out and puts them back at the new
/// chips (addGroupLoads). The time of a collective is its largest load over
/// the link bandwidth plus its slowest group's latency, as in
/// estimateCollective; the tests compare the two.
class IncrementalScorer {
public:
  IncrementalScorer(const Slice &slice,
                    ArrayRef<WeightedCollective> collectives,
                    const CostOptions &cost)
      : slice(slice), collectives(collectives), cost(cost) {
    unsigned n = slice.numDevices();
    membership.resize(n);
    for (auto [c, w] : enumerate(collectives)) {
      State state;
      const CollectiveSpec &spec = w.spec;
      // estimateCollective's calibrated figures; neither depends on the
      // placement.
      state.achieved = cost.calibrationFor(slice)
                           .of(spec.kind)
                           .bandwidthFraction(spec.bytes);
      state.fixed = fixedCostSeconds(slice, spec, cost);
      state.parts = scheduleParts(slice, spec);
      state.kind = spec.kind;
      if (spec.kind == CollectiveKind::CollectivePermute) {
        for (auto [src, dst] : spec.pairs)
          state.groups.push_back({src, dst});
      } else if (spec.groups.empty()) {
        state.groups.emplace_back();
        for (unsigned d = 0; d < n; ++d)
          state.groups.back().push_back(d);
      } else {
        for (const auto &g : spec.groups)
          state.groups.emplace_back(g.begin(), g.end());
      }
      for (auto [g, members] : enumerate(state.groups))
        for (unsigned d : members)
          membership[d].push_back({unsigned(c), unsigned(g)});
      state.latency.assign(state.groups.size(), 0);
      states.push_back(std::move(state));
    }
  }

  /// Prices \p chipOf / \p slotOf from scratch.
  PlacementScore reset(ArrayRef<unsigned> chipOfDevice) {
    chipOf.assign(chipOfDevice.begin(), chipOfDevice.end());
    for (auto [c, state] : enumerate(states)) {
      state.loads.assign(size_t(state.parts) * state.parts * slice.numLinkSlots(),
                         0.0);
      for (auto [g, members] : enumerate(state.groups))
        state.latency[g] = addGroup(c, members, 1);
      state.summary = summarizeScheduleLoads(state.loads, state.parts);
      refresh(state);
    }
    return total();
  }

  /// Moves device a_i to where b_i was and back for each pair (swaps), and
  /// returns the new score; undo() restores the state before.
  PlacementScore trySwaps(ArrayRef<std::pair<unsigned, unsigned>> swaps) {
    touched.clear();
    savedMax.clear();
    for (auto [a, b] : swaps)
      for (unsigned d : {a, b})
        for (const Member &m : membership[d])
          touched.insert({m.collective, m.group});
    // Save what a rejected move restores.
    savedCollectives.clear();
    savedGroups.clear();
    for (auto [c, g] : touched) {
      if (!is_contained(savedCollectives, c)) {
        savedCollectives.push_back(c);
        savedMax.push_back({states[c].maxLoad, states[c].maxLatency});
        savedSummaries.resize(savedCollectives.size());
        savedSummaries.back() = states[c].summary;
        states[c].undoLog.clear();
      }
      savedGroups.push_back({c, g, states[c].latency[g]});
      addGroup(c, states[c].groups[g], -1, &states[c].undoLog);
    }
    savedSwaps.assign(swaps.begin(), swaps.end());
    for (auto [a, b] : swaps)
      std::swap(chipOf[a], chipOf[b]);
    for (auto [c, g] : touched)
      states[c].latency[g] =
          addGroup(c, states[c].groups[g], 1, &states[c].undoLog);
    for (unsigned c : savedCollectives) {
      updateSummary(states[c]);
      refresh(states[c]);
    }
    return total();
  }

  void undo() {
    for (auto [i, c] : enumerate(savedCollectives)) {
      State &state = states[c];
      for (auto it = state.undoLog.rbegin(); it != state.undoLog.rend(); ++it)
        state.loads[it->first] = it->second;
      state.summary = savedSummaries[i];
      std::tie(state.maxLoad, state.maxLatency) = savedMax[i];
    }
    for (auto [c, g, latency] : savedGroups)
      states[c].latency[g] = latency;
    for (auto it = savedSwaps.rbegin(); it != savedSwaps.rend(); ++it)
      std::swap(chipOf[it->first], chipOf[it->second]);
    savedMax.clear();
  }

  /// Commits the last move (forgets its undo information).
  void accept() { savedMax.clear(); }

  ArrayRef<unsigned> chips() const { return chipOf; }

private:
  struct Member {
    unsigned collective, group;
  };
  struct State {
    std::vector<SmallVector<unsigned, 16>> groups;
    std::vector<double> loads;
    std::vector<double> latency;
    /// What scheduleBytes() needs of loads (parts^2 blocks), kept up to
    /// date move by move.
    ScheduleLoadSummary summary;
    /// (index, value before) of every load the current move changed.
    std::vector<std::pair<uint32_t, double>> undoLog;
    /// maxLoad: scheduleBytes() of loads.
    double maxLoad = 0, maxLatency = 0;
    unsigned parts = 1;
    CollectiveKind kind = CollectiveKind::AllGather;
    /// Calibrated achieved bandwidth fraction and fixed cost.
    double achieved = 1, fixed = 0;
  };

  double addGroup(unsigned c, ArrayRef<unsigned> members, double scale,
                  std::vector<std::pair<uint32_t, double>> *undoLog = nullptr) {
    scratch.clear();
    for (unsigned d : members)
      scratch.push_back(chipOf[d]);
    return addGroupLoads(slice, collectives[c].spec, scratch, states[c].loads,
                         scale, cost, undoLog);
  }

  /// Brings state.summary up to date with the loads the move changed (its
  /// undo log), with summarizeScheduleLoads' rule (the lowest slot wins a
  /// tie) so that it ends where a full scan would; a block or the totals
  /// are scanned again only when their maximum went down.
  static void updateSummary(State &state) {
    ScheduleLoadSummary &sum = state.summary;
    const unsigned blocks = state.parts * state.parts;
    const size_t slots = state.loads.size() / blocks;
    SmallVector<bool, 9> rescanBlock(blocks, false);
    bool rescanTotal = false;
    for (auto [index, before] : state.undoLog) {
      (void)before;
      uint32_t b = index / slots, l = index % slots;
      double v = state.loads[index];
      if (v > sum.blockMax[b] ||
          (v == sum.blockMax[b] && v > 0 && l < sum.blockArgMax[b])) {
        sum.blockMax[b] = v;
        sum.blockArgMax[b] = l;
      } else if (l == sum.blockArgMax[b] && v < sum.blockMax[b]) {
        rescanBlock[b] = true;
      }
      double t = 0;
      for (unsigned k = 0; k < blocks; ++k)
        t += state.loads[k * slots + l];
      if (t > sum.busiest || (t == sum.busiest && t > 0 && l < sum.busiestSlot)) {
        sum.busiest = t;
        sum.busiestSlot = l;
      } else if (l == sum.busiestSlot && t < sum.busiest) {
        rescanTotal = true;
      }
    }
    if (rescanTotal) {
      sum = summarizeScheduleLoads(state.loads, state.parts);
      return;
    }
    for (unsigned b = 0; b < blocks; ++b) {
      if (!rescanBlock[b])
        continue;
      sum.blockMax[b] = 0;
      sum.blockArgMax[b] = 0;
      const double *block = state.loads.data() + b * slots;
      for (size_t l = 0; l < slots; ++l)
        if (block[l] > sum.blockMax[b]) {
          sum.blockMax[b] = block[l];
          sum.blockArgMax[b] = l;
        }
    }
  }

  static void refresh(State &state) {
    state.maxLoad = scheduleBytes(state.summary, state.parts, state.kind);
    state.maxLatency = 0;
    for (double l : state.latency)
      state.maxLatency = std::max(state.maxLatency, l);
  }

  PlacementScore total() const {
    PlacementScore score;
    double bandwidth = slice.chip().iciLinkBandwidth;
    for (auto [c, state] : enumerate(states)) {
      score.seconds +=
          collectives[c].count * (state.fixed +
                                  state.maxLoad / (bandwidth * state.achieved) +
                                  state.maxLatency);
      // The largest load of one link over all blocks (maxLinkBytes).
      score.maxLinkBytes =
          std::max(score.maxLinkBytes, state.summary.busiest);
    }
    return score;
  }

  const Slice &slice;
  ArrayRef<WeightedCollective> collectives;
  CostOptions cost;
  std::vector<State> states;
  std::vector<SmallVector<Member, 4>> membership;
  SmallVector<unsigned> chipOf;
  SmallVector<unsigned, 64> scratch;
  std::set<std::pair<unsigned, unsigned>> touched;
  SmallVector<unsigned> savedCollectives;
  SmallVector<ScheduleLoadSummary> savedSummaries;
  SmallVector<std::pair<double, double>> savedMax;
  SmallVector<std::tuple<unsigned, unsigned, double>> savedGroups;
  SmallVector<std::pair<unsigned, unsigned>> savedSwaps;
};

/// Simulated annealing over device positions: swaps of two devices, and
/// swaps and reversals of aligned blocks of logical ids (whole groups of the
/// minor mesh axes move together), accepted by the Metropolis rule under a
/// geometrically cooling temperature relative to the current time.
class Annealer {
public:
  Annealer(const Slice &slice, ArrayRef<WeightedCollective> collectives,
           const SearchOptions &options)
      : slice(slice), collectives(collectives), options(options),
        rng(options.seed), start(std::chrono::steady_clock::now()) {}

  RankedPlacement improve(const RankedPlacement &from, uint64_t budget);

  uint64_t evaluated = 0;

private:
  bool outOfTime() const {
    if (options.localSearchSeconds <= 0)
      return false;
    std::chrono::duration<double> spent =
        std::chrono::steady_clock::now() - start;
    return spent.count() > options.localSearchSeconds;
  }

  const Slice &slice;
  ArrayRef<WeightedCollective> collectives;
  const SearchOptions &options;
  std::mt19937_64 rng;
  std::chrono::steady_clock::time_point start;
};
} // namespace

RankedPlacement Annealer::improve(const RankedPlacement &from,
                                  uint64_t budget) {
  unsigned n = from.placement.numDevices();
  unsigned slots = slice.chip().devicesPerChip;
  RankedPlacement best = from;
  if (n < 2 || budget == 0)
    return best;
  // Positions are (chip, slot) pairs encoded as chip * slots + slot, so a
  // swap moves a device to another core of the same chip too.
  SmallVector<unsigned> position(n);
  for (unsigned d = 0; d < n; ++d)
    position[d] = from.placement.chipOf(d) * slots + from.placement.slotOf(d);
  IncrementalScorer scorer(slice, collectives, options.cost);
  auto chipsOf = [&](ArrayRef<unsigned> pos) {
    SmallVector<unsigned> chips;
    for (unsigned p : pos)
      chips.push_back(p / slots);
    return chips;
  };
  // The start was scored already; only moves count as evaluations.
  PlacementScore current = scorer.reset(chipsOf(position));
  PlacementScore bestScore = current;
  SmallVector<unsigned> bestPosition = position;
  // Aligned block sizes: powers of two that leave at least two blocks.
  SmallVector<unsigned, 8> blockSizes;
  for (unsigned b = 2; 2 * b <= n; b *= 2)
    if (n % b == 0)
      blockSizes.push_back(b);
  std::uniform_int_distribution<unsigned> pick(0, n - 1);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double startTemperature = 0.05, endTemperature = 1e-4;
  constexpr unsigned kMaxReversal = 16;
  SmallVector<std::pair<unsigned, unsigned>, 32> swaps;
  uint64_t sinceBest = 0;
  bool improved = false;
  for (uint64_t step = 0; step < budget && !outOfTime(); ++step) {
    if (options.localSearchStall > 0 && sinceBest >= options.localSearchStall)
      break;
    ++sinceBest;
    swaps.clear();
    // Moves: swaps of two devices (twice as often), swaps and reversals of
    // aligned blocks, and reversals of any run of consecutive ids (the
    // 2-opt move of ring orders: a ring collective over ids a..b keeps all
    // but its two end messages).
    unsigned kind = blockSizes.empty() ? (step % 2 ? 4 : 0) : step % 5;
    if (kind < 2) {
      unsigned a = pick(rng), b = pick(rng);
      if (a == b)
        continue;
      swaps.push_back({a, b});
    } else if (kind == 4) {
      // Runs of at most kMaxReversal ids: a longer one re-prices nearly
      // every group for one move.
      unsigned a = pick(rng), b = pick(rng);
      if (a > b)
        std::swap(a, b);
      if (b - a < 2 || b - a >= kMaxReversal)
        continue;
      for (unsigned i = 0; a + i < b - i; ++i)
        swaps.push_back({a + i, b - i});
    } else {
      unsigned size = blockSizes[rng() % blockSizes.size()];
      unsigned blocks = n / size;
      unsigned a = rng() % blocks, b = rng() % blocks;
      if (kind == 2) {
        if (a == b)
          continue;
        for (unsigned i = 0; i < size; ++i)
          swaps.push_back({a * size + i, b * size + i});
      } else {
        for (unsigned i = 0; i < size / 2; ++i)
          swaps.push_back({a * size + i, a * size + size - 1 - i});
      }
    }
    PlacementScore next = scorer.trySwaps(swaps);
    ++evaluated;
    double temperature =
        startTemperature *
        std::pow(endTemperature / startTemperature, double(step) / budget);
    double delta = next.seconds - current.seconds;
    bool accept = next < current ||
                  (delta <= 0 && !(current < next)) ||
                  unit(rng) < std::exp(-delta / (temperature *
                                                 std::max(current.seconds,
                                                          1e-30)));
    if (!accept) {
      scorer.undo();
      continue;
    }
    scorer.accept();
    for (auto [a, b] : swaps)
      std::swap(position[a], position[b]);
    current = next;
    if (current < bestScore) {
      bestScore = current;
      bestPosition = position;
      sinceBest = 0;
      improved = true;
    }
  }
  if (!improved)
    return best;
  SmallVector<unsigned> chips, slotOf;
  for (unsigned p : bestPosition) {
    chips.push_back(p / slots);
    slotOf.push_back(p % slots);
  }
  Expected<Placement> placement = Placement::fromChips(slice, chips, slotOf);
  assert(placement && "moves keep a bijection");
  // The incremental sums drift by rounding only; price the result exactly.
  // With the search's own cost options: the defaults would price another
  // calibration and could reject a better placement.
  PlacementScore exact =
      scorePlacement(slice, *placement, collectives, options.cost);
  if (!(exact < from.score))
    return best;
  best.placement = std::move(*placement);
  best.score = exact;
  best.origin = "local search from " + from.origin;
  return best;
}

/// A hash of a placement's (chip, slot) list, to score each one once.
static uint64_t hashPlacement(const Placement &placement) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned d = 0; d < placement.numDevices(); ++d)
    h = (h ^ placement.position(d)) * 1099511628211ull;
  return h;
}

SearchResult searchPlacements(const Slice &slice, ArrayRef<int64_t> meshShape,
                              ArrayRef<WeightedCollective> collectives,
                              ArrayRef<RankedPlacement> seeds,
                              const SearchOptions &options) {
  Scorer scorer(slice, collectives, options.cost);
  SearchResult result;
  auto noteBest = [&](StringRef source, const PlacementScore &score) {
    for (auto &[name, best] : result.bestBySource)
      if (name == source) {
        if (score < best)
          best = score;
        return;
      }
    result.bestBySource.push_back({source.str(), score});
  };
  SmallVector<RankedPlacement> candidates;
  std::unordered_set<uint64_t> seen;
  // Seeds first: on a tie the module keeps its order (no needless
  // relabelling). Ties have equal scores, so the step does not depend on
  // which of the tied placements wins, nor on the labelling of device ids.
  for (const RankedPlacement &seed : seeds) {
    PlacementScore score = scorer(seed.placement);
    noteBest("seed: " + seed.origin, score);
    candidates.push_back(RankedPlacement{seed.placement, score, seed.origin});
  }
  int64_t meshDevices = 1;
  for (int64_t size : meshShape)
    meshDevices *= size;
  if (meshDevices == slice.numDevices()) {
    for (const Embedding &embedding : enumerateEmbeddings(slice, meshShape)) {
      Placement placement = embed(slice, meshShape, embedding);
      if (!seen.insert(hashPlacement(placement)).second)
        continue;
      PlacementScore score = scorer(placement);
      noteBest("structured", score);
      candidates.push_back(RankedPlacement{std::move(placement), score,
                                           "structured: " + embedding.str()});
    }
    SmallVector<unsigned> position;
    for (const BlockEmbedding &embedding : enumerateBlockEmbeddings(
             slice, meshShape, options.blockEmbeddingLimit)) {
      blockPositions(slice, meshShape, embedding, position);
      uint64_t h = 1469598103934665603ull;
      for (unsigned p : position)
        h = (h ^ p) * 1099511628211ull;
      if (!seen.insert(h).second)
        continue;
      Placement placement = placementOfPositions(slice, position);
      PlacementScore score = scorer(placement);
      noteBest("blocks", score);
      candidates.push_back(
          RankedPlacement{std::move(placement), score, embedding.str()});
    }
  }
  sortAndDedupe(candidates);

  unsigned starts = std::min<unsigned>(options.topK, candidates.size());
  uint64_t evaluated = scorer.evaluated;
  if (options.localSearchEvaluations > 0 && starts > 0) {
    Annealer annealer(slice, collectives, options);
    uint64_t perStart = options.localSearchEvaluations / starts;
    SmallVector<RankedPlacement> improved;
    for (unsigned i = 0; i < starts; ++i)
      improved.push_back(annealer.improve(candidates[i], perStart));
    evaluated += annealer.evaluated;
    for (RankedPlacement &entry : improved) {
      if (StringRef(entry.origin).starts_with("local search"))
        noteBest("local search", entry.score);
      candidates.push_back(std::move(entry));
    }
    sortAndDedupe(candidates);
  }
  if (candidates.size() > options.topK)
    candidates.erase(candidates.begin() + options.topK, candidates.end());
  result.ranked = std::move(candidates);
  result.evaluated = evaluated;
  return result;
}

RankedPlacement bestRandomPlacement(const Slice &slice,
                                    ArrayRef<WeightedCollective> collectives,
                                    unsigned samples, uint64_t seed,
                                    const CostOptions &cost) {
  Scorer scorer(slice, collectives, cost);
  std::mt19937_64 rng(seed);
  unsigned slots = slice.chip().devicesPerChip;
  SmallVector<unsigned> positions(slice.numDevices());
  std::iota(positions.begin(), positions.end(), 0);
  std::optional<RankedPlacement> best;
  SmallVector<unsigned> chips(positions.size()), slotOf(positions.size());
  for (unsigned i = 0; i < samples; ++i) {
    std::shuffle(positions.begin(), positions.end(), rng);
    for (auto [d, p] : enumerate(positions)) {
      chips[d] = p / slots;
      slotOf[d] = p % slots;
    }
    Placement placement = cantFail(Placement::fromChips(slice, chips, slotOf));
    PlacementScore score = scorer(placement);
    if (!best || score < best->score)
      best = RankedPlacement{std::move(placement), score, "random"};
  }
  if (!best)
    return RankedPlacement{Placement::defaultFor(slice), {}, "none"};
  return std::move(*best);
}

double stepLowerBoundSeconds(const Slice &slice,
                             ArrayRef<WeightedCollective> collectives,
                             const CostOptions &cost) {
  double total = 0;
  for (const WeightedCollective &c : collectives)
    total += c.count * lowerBoundSeconds(slice, c.spec, cost);
  return total;
}

SearchResult exhaustiveSearch(const Slice &slice,
                              ArrayRef<WeightedCollective> collectives,
                              unsigned topK, const CostOptions &cost) {
  assert(slice.numDevices() <= 10 && "exhaustive search is for tiny slices");
  Scorer scorer(slice, collectives, cost);
  unsigned slots = slice.chip().devicesPerChip;
  // Every (chip, slot) position, permuted over the logical ids.
  SmallVector<unsigned> positions(slice.numDevices());
  std::iota(positions.begin(), positions.end(), 0);
  SmallVector<RankedPlacement> best;
  SmallVector<unsigned> chips(positions.size()), slotOf(positions.size());
  do {
    for (auto [d, position] : enumerate(positions)) {
      chips[d] = position / slots;
      slotOf[d] = position % slots;
    }
    Expected<Placement> placement = Placement::fromChips(slice, chips, slotOf);
    assert(placement && "a permutation is a bijection");
    PlacementScore score = scorer(*placement);
    if (best.size() < topK || score < best.back().score) {
      best.push_back(
          RankedPlacement{std::move(*placement), score, "exhaustive"});
      std::stable_sort(best.begin(), best.end(),
                       [](const RankedPlacement &a, const RankedPlacement &b) {
                         return a.score < b.score;
                       });
      if (best.size() > topK)
        best.pop_back();
    }
  } while (std::next_permutation(positions.begin(), positions.end()));
  SearchResult result;
  result.ranked = std::move(best);
  result.evaluated = scorer.evaluated;
  return result;
}

SmallVector<int64_t> relabellingFor(const Placement &assignment,
                                    const Placement &target) {
  SmallVector<int64_t> sigma;
  for (unsigned d = 0; d < target.numDevices(); ++d)
    sigma.push_back(assignment.deviceAt(target.chipOf(d), target.slotOf(d)));
  return sigma;
}

} // namespace aoizora
