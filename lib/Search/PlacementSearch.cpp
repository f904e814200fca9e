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
#include <numeric>
#include <random>
#include <set>

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
/// First-improvement local search over device swaps and run reversals.
class LocalSearch {
public:
  LocalSearch(const Slice &slice, Scorer &scorer, const SearchOptions &options)
      : slice(slice), scorer(scorer), options(options), rng(options.seed),
        start(std::chrono::steady_clock::now()) {}

  RankedPlacement improve(const RankedPlacement &from, uint64_t budget);

private:
  bool outOfTime() const {
    if (options.localSearchSeconds <= 0)
      return false;
    std::chrono::duration<double> spent =
        std::chrono::steady_clock::now() - start;
    return spent.count() > options.localSearchSeconds;
  }

  const Slice &slice;
  Scorer &scorer;
  const SearchOptions &options;
  std::mt19937_64 rng;
  std::chrono::steady_clock::time_point start;
};
} // namespace

RankedPlacement LocalSearch::improve(const RankedPlacement &from,
                                     uint64_t budget) {
  unsigned n = from.placement.numDevices();
  SmallVector<unsigned> chips(from.placement.chips());
  SmallVector<unsigned> slots;
  for (unsigned d = 0; d < n; ++d)
    slots.push_back(from.placement.slotOf(d));
  RankedPlacement best = from;
  if (n < 2)
    return best;
  std::uniform_int_distribution<unsigned> pick(0, n - 1);
  bool improved = false;
  uint64_t sinceImprovement = 0;
  for (uint64_t step = 0; step < budget && !outOfTime(); ++step) {
    if (options.localSearchStall > 0 &&
        sinceImprovement >= options.localSearchStall)
      break;
    ++sinceImprovement;
    unsigned a = pick(rng), b = pick(rng);
    if (a == b)
      continue;
    if (a > b)
      std::swap(a, b);
    // Alternate swaps (local fixes) and reversals (2-opt on the id order).
    bool reverse = step % 2;
    auto apply = [&] {
      if (reverse) {
        std::reverse(chips.begin() + a, chips.begin() + b + 1);
        std::reverse(slots.begin() + a, slots.begin() + b + 1);
      } else {
        std::swap(chips[a], chips[b]);
        std::swap(slots[a], slots[b]);
      }
    };
    apply();
    Expected<Placement> candidate = Placement::fromChips(slice, chips, slots);
    assert(candidate && "moves keep a bijection");
    PlacementScore score = scorer(*candidate);
    if (score < best.score) {
      best.placement = std::move(*candidate);
      best.score = score;
      improved = true;
      sinceImprovement = 0;
    } else {
      apply(); // Both moves are their own inverse.
    }
  }
  if (improved)
    best.origin = "local search from " + from.origin;
  return best;
}

SearchResult searchPlacements(const Slice &slice, ArrayRef<int64_t> meshShape,
                              ArrayRef<WeightedCollective> collectives,
                              ArrayRef<RankedPlacement> seeds,
                              const SearchOptions &options) {
  Scorer scorer(slice, collectives, options.cost);
  SmallVector<RankedPlacement> candidates;
  for (const RankedPlacement &seed : seeds)
    candidates.push_back(
        RankedPlacement{seed.placement, scorer(seed.placement), seed.origin});
  int64_t meshDevices = 1;
  for (int64_t size : meshShape)
    meshDevices *= size;
  if (meshDevices == slice.numDevices())
    for (const Embedding &embedding : enumerateEmbeddings(slice, meshShape)) {
      Placement placement = embed(slice, meshShape, embedding);
      PlacementScore score = scorer(placement);
      candidates.push_back(RankedPlacement{std::move(placement), score,
                                           "structured: " + embedding.str()});
    }
  sortAndDedupe(candidates);

  unsigned starts = std::min<unsigned>(options.topK, candidates.size());
  if (options.localSearchEvaluations > 0 && starts > 0) {
    LocalSearch search(slice, scorer, options);
    uint64_t perStart = options.localSearchEvaluations / starts;
    SmallVector<RankedPlacement> improved;
    for (unsigned i = 0; i < starts; ++i)
      improved.push_back(search.improve(candidates[i], perStart));
    for (RankedPlacement &entry : improved)
      candidates.push_back(std::move(entry));
    sortAndDedupe(candidates);
  }
  if (candidates.size() > options.topK)
    candidates.erase(candidates.begin() + options.topK, candidates.end());
  SearchResult result;
  result.ranked = std::move(candidates);
  result.evaluated = scorer.evaluated;
  return result;
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
