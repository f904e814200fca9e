//===- PlacementSearch.h - Rank placements of a mesh on a slice -*- C++ -*-===//
//
// Finds the placement (logical device id -> chip) under which a step's
// collectives take the least modeled time on a slice. Three sources of
// candidates: structured embeddings of the logical mesh into the physical
// torus (whole-axis orders, and block embeddings that split every mesh axis
// over the torus dimensions into compact tiles walked linearly, as a snake
// or as a closed ring), caller-given seeds (the baselines), and simulated
// annealing over swaps and block moves from the best few, re-pricing only
// the collective groups a move touches. Slices of at most 8 devices can
// instead be searched over every permutation, which the tests use as the
// reference.
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
#include <vector>

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

/// How a logical axis walks the positions of its tile (its parts, major to
/// minor).
enum class AxisWalk {
  /// Mixed radix: the minor part fastest.
  Linear,
  /// Boustrophedon over the parts: consecutive indices stay neighbours.
  Snake,
  /// A closed cycle: one part folded (0, 2, 4, ..., 5, 3, 1); two parts the
  /// Hamiltonian cycle of their rectangle (along one part with the other's
  /// first coordinate left out, back along it) when a side is even; more
  /// parts the snake, which closes when the major part has extent 2.
  Ring,
};
llvm::StringRef stringifyAxisWalk(AxisWalk walk);

/// A part of a logical axis on one physical dimension. Dimension
/// slice.numDims() stands for the core slot on chips with several devices.
struct AxisPart {
  unsigned dim;
  int64_t size;
};

/// A block embedding: each logical axis spans a tile, the product of its
/// parts over the physical dimensions (a mesh axis of 4 may be 4 chips on
/// one dimension or a 2x2 tile); within a dimension the axes' digits are
/// combined with `axisOrder`'s earlier axes major.
struct BlockEmbedding {
  /// Per logical axis, its parts, major to minor.
  llvm::SmallVector<llvm::SmallVector<AxisPart, 4>, 4> parts;
  llvm::SmallVector<AxisWalk, 4> walks;
  llvm::SmallVector<unsigned, 4> axisOrder;
  /// e.g. "blocks: a0=y4 ring, a1=x2*c2 snake; order (1,0)".
  std::string str() const;
};

/// The placement of a block embedding (logical ids row-major over
/// \p meshShape). The parts must multiply to each axis size and, per
/// dimension, to its extent.
Placement embedBlocks(const Slice &slice, llvm::ArrayRef<int64_t> meshShape,
                      const BlockEmbedding &embedding);

/// Every way to split the axes of \p meshShape over the dimensions (and
/// core slots), each in every axis order, every uniform walk and both part
/// orders; at most \p limit, spread evenly over that space when there are
/// more.
std::vector<BlockEmbedding>
enumerateBlockEmbeddings(const Slice &slice, llvm::ArrayRef<int64_t> meshShape,
                         unsigned limit);

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
  /// Most block embeddings scored (see enumerateBlockEmbeddings).
  unsigned blockEmbeddingLimit = 20000;
};

struct SearchResult {
  /// Best first (at most topK entries).
  llvm::SmallVector<RankedPlacement> ranked;
  /// Number of placements scored.
  uint64_t evaluated = 0;
  /// The best score of each source of candidates ("seed: <origin>",
  /// "structured", "blocks", "local search"), for audits.
  llvm::SmallVector<std::pair<std::string, PlacementScore>> bestBySource;
};

/// Ranks structured and block embeddings of \p meshShape and the \p seeds,
/// then improves the best few by simulated annealing (swaps of two devices,
/// swaps and reversals of aligned blocks of logical ids) under the
/// evaluation budget.
SearchResult searchPlacements(const Slice &slice,
                              llvm::ArrayRef<int64_t> meshShape,
                              llvm::ArrayRef<WeightedCollective> collectives,
                              llvm::ArrayRef<RankedPlacement> seeds,
                              const SearchOptions &options = {});

/// The best of \p samples uniformly random placements (fixed seed).
RankedPlacement bestRandomPlacement(const Slice &slice,
                                    llvm::ArrayRef<WeightedCollective> steps,
                                    unsigned samples, uint64_t seed = 1,
                                    const CostOptions &cost = {});

/// A time no placement can beat for the step: the sum over its collectives
/// of count x lowerBoundSeconds (lib/Cost).
double stepLowerBoundSeconds(const Slice &slice,
                             llvm::ArrayRef<WeightedCollective> collectives,
                             const CostOptions &cost = {});

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
