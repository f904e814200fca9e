//===- PlacementSearch.h - Rank placements of a mesh on a slice -*- C++ -*-===//
//
// Finds the placement (logical device id -> chip) under which a step's
// collectives take the least modeled time on a slice. Three sources of
// candidates: structured embeddings of the logical mesh into the physical
// torus, caller-given seeds (the baselines), and a bounded local search from
// the best few. Slices of at most `exhaustiveLimit` devices can instead be
// searched over every permutation, which the tests use as the reference.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_SEARCH_PLACEMENTSEARCH_H
#define AOIZORA_SEARCH_PLACEMENTSEARCH_H

#include "AoiZora/Cost/Collective.h"
#include "AoiZora/Topology/Placement.h"
#include "AoiZora/Topology/Slice.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <string>

namespace aoizora {

/// One collective of the step and how many times the step runs it.
struct WeightedCollective {
  CollectiveSpec spec;
  double count = 1;
};

/// The score of a placement: total modeled time of the step's collectives
/// (count x cost), ties broken by the highest load on any link.
struct PlacementScore {
  double seconds = 0;
  double maxLinkBytes = 0;
  /// Strict order: less time, then less link load (with a relative
  /// tolerance so that rounding noise does not decide).
  bool operator<(const PlacementScore &other) const;
};

/// Scores \p placement for \p collectives on \p slice.
PlacementScore scorePlacement(const Slice &slice, const Placement &placement,
                              llvm::ArrayRef<WeightedCollective> collectives,
                              const CostOptions &cost = {});

/// How a logical mesh is laid onto the torus by a structured embedding: the
/// logical axes are flattened in `axisOrder` (major to minor), the flat index
/// is split over the physical dimensions in `dimOrder` (major to minor), and
/// each physical dimension is walked with its traversal.
enum class Traversal {
  /// 0, 1, 2, ..., n-1.
  Linear,
  /// Boustrophedon: reversed whenever the more major digits sum to an odd
  /// number, so consecutive positions stay neighbours across rows.
  Snake,
  /// 0, 2, 4, ..., 5, 3, 1: closes a ring on an open line with 2-hop links.
  RingFolded,
};
llvm::StringRef stringifyTraversal(Traversal traversal);

struct Embedding {
  llvm::SmallVector<unsigned, 4> axisOrder;
  llvm::SmallVector<unsigned, 3> dimOrder;
  llvm::SmallVector<Traversal, 3> traversals;
  /// e.g. "axes (2,0,1) on dims (y,x), traversals (snake,linear)".
  std::string str() const;
};

/// The placement an embedding gives a logical mesh of \p meshShape (row-major
/// logical ids, as an iota sdy.mesh) on \p slice. The mesh must have as many
/// devices as the slice; chips with several devices are filled slot by slot.
Placement embed(const Slice &slice, llvm::ArrayRef<int64_t> meshShape,
                const Embedding &embedding);

/// Every structured embedding: each order of the logical axes x each order of
/// the physical dimensions x each traversal per physical dimension.
llvm::SmallVector<Embedding>
enumerateEmbeddings(const Slice &slice, llvm::ArrayRef<int64_t> meshShape);

/// A candidate placement with its score and where it came from.
struct RankedPlacement {
  Placement placement;
  PlacementScore score;
  /// "default order", "mesh_utils", "structured: ...", "local search from
  /// ...", "exhaustive".
  std::string origin;
};

struct SearchOptions {
  /// How many of the best candidates to return and to start local search
  /// from.
  unsigned topK = 4;
  /// Upper bound on placements scored during local search (all starts
  /// together); 0 disables local search.
  unsigned localSearchEvaluations = 20000;
  /// Wall-clock bound on local search, in seconds (0: none). Results then
  /// depend on machine speed; tests use the evaluation bound only.
  double localSearchSeconds = 0;
  /// A start stops after this many moves in a row that did not improve it
  /// (0: never): on large slices random moves from a structured placement
  /// rarely help, and the budget is better left unspent.
  unsigned localSearchStall = 500;
  /// Seed of the local search's random moves (fixed: same input, same plan).
  uint64_t seed = 1;
  /// How placements are priced (calibration); default: the slice's defaults.
  CostOptions cost;
};

struct SearchResult {
  /// Best first (at most topK entries).
  llvm::SmallVector<RankedPlacement> ranked;
  /// Number of placements scored.
  uint64_t evaluated = 0;
};

/// Ranks structured embeddings of \p meshShape and the \p seeds, then improves
/// the best few by local search (swaps of two devices, and reversals of a
/// run of the current order) under the evaluation budget.
SearchResult searchPlacements(const Slice &slice,
                              llvm::ArrayRef<int64_t> meshShape,
                              llvm::ArrayRef<WeightedCollective> collectives,
                              llvm::ArrayRef<RankedPlacement> seeds,
                              const SearchOptions &options = {});

/// Scores every permutation of the devices (for slices of at most 8 devices:
/// 40320 placements) and returns the best \p topK.
SearchResult exhaustiveSearch(const Slice &slice,
                              llvm::ArrayRef<WeightedCollective> collectives,
                              unsigned topK = 1, const CostOptions &cost = {});

/// The relabelling that realises \p target when logical device i of the
/// module must end up where \p target puts it and devices are assigned as in
/// \p assignment (the default order or a topology file): sigma[i] is the
/// device that \p assignment puts on target's chip (and core slot) of i.
llvm::SmallVector<int64_t> relabellingFor(const Placement &assignment,
                                          const Placement &target);

} // namespace aoizora

#endif // AOIZORA_SEARCH_PLACEMENTSEARCH_H
