//===- Conversion.h - Shardy to HLO sharding, and tile maps -----*- C++ -*-===//
//
// Converts a Shardy sharding to the GSPMD string XLA's Shardy export writes
// (JAX's named_sharding_to_xla_hlo_sharding plus XLA's canonicalisation, see
// ../shared/reference/sharding-syntax.md §2.3 and §2.7), and computes which
// tile of a tensor every device holds, so that two shardings can be compared
// by meaning rather than by text.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_SHARDING_CONVERSION_H
#define AOIZORA_SHARDING_CONVERSION_H

#include "AoiZora/Sharding/HloSharding.h"
#include "AoiZora/Sharding/Shardy.h"

#include <optional>
#include <vector>

namespace aoizora::sharding {

/// Converts \p sharding on \p mesh to an HLO sharding. \p manualAxes are the
/// axes made manual by enclosing sdy.manual_computation ops (the sharding is
/// then the local one). Open dims and priorities are ignored. Meshes with
/// device_ids give an explicit device list; others give canonical iota.
llvm::Expected<HloSharding>
toHloSharding(const TensorSharding &sharding, const Mesh &mesh,
              llvm::ArrayRef<std::string> manualAxes = {});

/// Which data every device holds for one (non-tuple) sharding.
struct TileMap {
  enum class Kind {
    Data,    ///< Devices hold tiles of the tensor (possibly replicated).
    Manual,  ///< `{manual}`: each device holds its own manual shard.
    Unknown, ///< `{unknown}`: not decided yet; no device is known to hold data.
    Unreduced, ///< `{unreduced}`: each device holds a partial result.
  };
  Kind kind = Kind::Data;
  /// Number of tiles along each tensor dimension.
  llvm::SmallVector<int64_t> tileCounts;
  /// Kinds of the non-replicated subgroup coordinates appended to each
  /// device's tile index (manual / unreduced subgroups of last_tile_dims).
  llvm::SmallVector<SubgroupKind> extraCoords;
  /// Per device: its tile index (one entry per tensor dim, then one per
  /// extraCoords entry), or nullopt when the device holds nothing (maximal
  /// shardings on other devices, devices outside the tile assignment).
  std::vector<std::optional<llvm::SmallVector<int64_t>>> deviceTiles;

  bool operator==(const TileMap &o) const {
    return kind == o.kind && tileCounts == o.tileCounts &&
           extraCoords == o.extraCoords && deviceTiles == o.deviceTiles;
  }
};

/// Computes the tile map of \p sharding for a tensor of rank \p rank on
/// \p numDevices devices. Fails for tuples and for shardings that do not fit
/// (wrong rank, device ids >= numDevices).
llvm::Expected<TileMap> tileMapOf(const HloSharding &sharding,
                                  int64_t numDevices, int64_t rank);

/// The tile map of a Shardy sharding (through toHloSharding).
llvm::Expected<TileMap> tileMapOf(const TensorSharding &sharding,
                                  const Mesh &mesh, int64_t numDevices,
                                  llvm::ArrayRef<std::string> manualAxes = {});

/// Number of distinct pieces of data the devices hold: 1 for replicated and
/// maximal, the device count for manual, 0 for unknown.
int64_t countDistinctTiles(const TileMap &map);

/// True when every device holds the same data under \p a and \p b, e.g.
/// `{replicated}` and `{devices=[1,1,8]<=[8] last_tile_dim_replicate}`.
/// Tuples compare elementwise; each element pair uses the rank implied by a
/// tiled element, else \p rank. Errors (bad rank, bad ids) are returned.
llvm::Expected<bool> semanticallyEqual(const HloSharding &a,
                                       const HloSharding &b, int64_t numDevices,
                                       int64_t rank);

/// The meshes of named axes a GSPMD-only module can be read on: one axis per
/// prime factor of \p numDevices (`_axis_0`, `_axis_1`, ..., the names XLA's
/// importer invents), in every distinct order of the factors. Iota device
/// order. Empty for fewer than 2 devices.
std::vector<Mesh> primeFactorMeshes(int64_t numDevices);

/// The inverse of toHloSharding on an iota mesh: expresses \p sharding (of a
/// tensor of rank \p rank) as axis lists over \p mesh, when every mesh axis
/// moves exactly one tile coordinate by a fixed stride and the strides of
/// each tile dimension form its mixed radix. Replication subgroups become
/// unused (replicated) axes. The result carries \p mesh inline. Errors for
/// maximal, manual, unknown, unreduced and tuple shardings, for meshes with
/// device_ids, and for tile assignments no axis split expresses.
llvm::Expected<TensorSharding> toShardySharding(const HloSharding &sharding,
                                                const Mesh &mesh,
                                                int64_t rank);

} // namespace aoizora::sharding

#endif // AOIZORA_SHARDING_CONVERSION_H
