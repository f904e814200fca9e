//===- HloSharding.h - GSPMD (HLO) sharding strings -------------*- C++ -*-===//
//
// The sharding strings of `mhlo.sharding` / HLO `sharding={...}` as plain C++:
// replicated, maximal, manual, unknown, unreduced, tiled (explicit V1 device
// list or V2 iota tile assignment, with partial replication and subgroups),
// and tuples. Parsing follows XLA's HloParser and printing follows
// HloSharding::Print (../shared/reference/sharding-syntax.md §2.1-§2.3).
// Also here: the iota algebra (canonical form, detection of iota-expressible
// device arrays) and device relabelling for the az-apply-device-order pass.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_SHARDING_HLOSHARDING_H
#define AOIZORA_SHARDING_HLOSHARDING_H

#include "AoiZora/Sharding/Shardy.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace aoizora::sharding {

/// An iota device array `arange(N).reshape(reshapeDims).transpose(perm)`.
struct IotaSpec {
  llvm::SmallVector<int64_t> reshapeDims;
  llvm::SmallVector<int64_t> perm;

  int64_t numDevices() const;
  bool operator==(const IotaSpec &o) const {
    return reshapeDims == o.reshapeDims && perm == o.perm;
  }
};

/// Returns XLA's canonical form of \p iota: size-1 reshape dims dropped and
/// reshape dims that stay adjacent and in order under the transpose merged,
/// e.g. `[3,4,5]T(1,2,0)` -> `[3,20]T(1,0)` and `[3,4,5]` -> `[60]`.
IotaSpec canonicalizeIota(const IotaSpec &iota);

/// Decides whether \p devices (row-major over \p dims) equals
/// `arange(N).reshape(R).transpose(P).reshape(dims)` for some R and P, and
/// returns the canonical (minimal) R and P if so. Linear in N.
std::optional<IotaSpec> findIotaForm(llvm::ArrayRef<int64_t> dims,
                                     llvm::ArrayRef<int64_t> devices);

/// The array of devices of a tiled sharding: `dims` plus either an explicit
/// row-major device list (V1) or an iota spec (V2).
struct TileAssignment {
  llvm::SmallVector<int64_t> dims;
  /// Set for the V2 `<=[...]T(...)` form.
  std::optional<IotaSpec> iota;
  /// The V1 device list when `iota` is unset.
  llvm::SmallVector<int64_t> devices;

  int64_t numElements() const;
  bool isIota() const { return iota.has_value(); }
  /// The device at row-major position \p index.
  int64_t deviceAt(int64_t index) const;
  /// All devices in row-major order.
  llvm::SmallVector<int64_t> materialize() const;
  bool operator==(const TileAssignment &o) const {
    return dims == o.dims && iota == o.iota && devices == o.devices;
  }
};

/// The kind of a trailing subgroup dim in `last_tile_dims={...}`.
enum class SubgroupKind { Manual, Replicated, Unreduced, Maximal };

/// `shard_as N` / `shard_like N`.
struct ShardGroup {
  bool shardAs = true;
  int64_t id = 0;
  bool operator==(const ShardGroup &o) const {
    return shardAs == o.shardAs && id == o.id;
  }
};

/// One parsed HLO sharding string.
struct HloSharding {
  enum class Kind {
    Replicated,
    Maximal,
    Manual,
    Unknown,
    Unreduced,
    Tiled,
    Tuple
  };
  Kind kind = Kind::Replicated;
  /// The device of `{maximal device=N}`.
  int64_t maximalDevice = 0;
  /// The tile assignment of a Tiled sharding.
  TileAssignment tiles;
  /// `last_tile_dim_replicate`: the last tile dim is a replication group.
  bool lastTileDimReplicate = false;
  /// `last_tile_dims={...}`: kinds of the trailing subgroup dims.
  llvm::SmallVector<SubgroupKind> lastTileDims;
  std::optional<ShardGroup> shardGroup;
  /// The `{...}` after `metadata=`, kept verbatim.
  std::string metadata;
  /// Elements of a tuple sharding.
  std::vector<HloSharding> elements;

  static HloSharding replicated();
  static HloSharding manual();
  static HloSharding maximal(int64_t device);
  static HloSharding tuple(std::vector<HloSharding> elements);
  static HloSharding tiled(TileAssignment tiles, bool lastTileDimReplicate,
                           llvm::ArrayRef<SubgroupKind> lastTileDims = {});

  /// Number of trailing subgroup dims in the tile assignment.
  int64_t numSubgroupDims() const;
  /// Tensor rank a Tiled sharding applies to (tile dims minus subgroups).
  int64_t dataRank() const;
  /// Whether the last tile dim groups replicas (`last_tile_dim_replicate` or a
  /// trailing `replicated` subgroup); XLA keeps such groups sorted.
  bool lastDimIsReplication() const;

  bool operator==(const HloSharding &o) const;
  bool operator!=(const HloSharding &o) const { return !(*this == o); }
};

/// Parses an HLO sharding string such as `{devices=[2,4]<=[8]}`. Errors name
/// the column and quote the text, like the Shardy parsers; "" is an error.
llvm::Expected<HloSharding> parseHloSharding(llvm::StringRef text);

/// Prints like XLA's HloSharding::Print: iota in canonical form, explicit
/// lists with partial replication printed with each group sorted.
std::string printHloSharding(const HloSharding &sharding);

/// The devices of a Tiled sharding in XLA's canonical order: materialized,
/// with each replication group sorted when lastDimIsReplication().
llvm::SmallVector<int64_t> canonicalDevices(const HloSharding &sharding);

/// Relabels devices: the device that had id i gets id sigma[i] (sigma must be
/// a permutation covering every id used). Tuples are relabelled elementwise;
/// replicated/manual/unknown/unreduced are unchanged. A tiled sharding whose
/// device array does not change is returned unchanged (same text); otherwise
/// it is written in canonical iota form when the new array is iota-expressible
/// and as an explicit list otherwise.
///
/// Round trip: relabelling by sigma and then by sigma^-1 restores the text of
/// every canonical input except one case. An explicit list that is already
/// iota-expressible and that sigma changes comes back in iota form: the
/// explicit and the iota spelling of the same array both map to the same
/// relabelled sharding, so no output rule can restore both spellings.
llvm::Expected<HloSharding> relabelDevices(const HloSharding &sharding,
                                           llvm::ArrayRef<int64_t> sigma);

/// Relabels every id of \p groups (e.g. replica_groups) through \p sigma.
llvm::Expected<llvm::SmallVector<llvm::SmallVector<int64_t>>>
relabelGroups(llvm::ArrayRef<llvm::SmallVector<int64_t>> groups,
              llvm::ArrayRef<int64_t> sigma);

/// Relabels the device ids of \p mesh: the mesh position that held device d
/// holds sigma[d]. The empty mesh is unchanged; an all-iota result is stored
/// without ids, as Shardy's builder does.
llvm::Expected<Mesh> relabelMesh(const Mesh &mesh,
                                 llvm::ArrayRef<int64_t> sigma);

/// Checks that \p sigma is a permutation of 0..sigma.size()-1.
llvm::Error verifyPermutation(llvm::ArrayRef<int64_t> sigma);

} // namespace aoizora::sharding

#endif // AOIZORA_SHARDING_HLOSHARDING_H
