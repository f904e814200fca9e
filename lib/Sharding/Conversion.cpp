//===- Conversion.cpp - Shardy to HLO sharding, and tile maps -------------===//
//
// toHloSharding follows JAX's named_sharding_to_xla_hlo_sharding
// (jax/_src/named_sharding.py) as described in
// ../shared/reference/sharding-syntax.md §2.3 and §2.7, with the subgroup
// normalisation of XLA's HloSharding::Subgroup / PartialTile (openxla/xla
// xla/hlo/ir/hlo_sharding.cc): subgroup dims ordered manual, unreduced,
// replicated, and a sharding with no data tiling and one subgroup type
// collapsed to `{manual}` / `{replicated}` / `{unreduced}`.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Sharding/Conversion.h"

#include "AoiZora/Support/Limits.h"

#include "llvm/ADT/STLExtras.h"

#include <numeric>
#include <set>

using namespace llvm;
using namespace aoizora::sharding;

static Error makeError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

namespace {
/// A mesh axis split at every sub-axis boundary the sharding uses; the
/// pieces (major to minor within an axis, axes in mesh order) are the
/// reshape dims of the iota device array.
struct MeshPieces {
  struct Piece {
    unsigned axis;
    int64_t preSize, size;
  };
  SmallVector<Piece> pieces;

  /// Indices of the pieces \p ref covers.
  SmallVector<int64_t> of(const Mesh &mesh, const AxisRef &ref) const {
    unsigned axis = *mesh.axisIndex(ref.name);
    SmallVector<int64_t> out;
    for (auto [i, p] : enumerate(pieces)) {
      if (p.axis != axis)
        continue;
      if (!ref.subAxis || (p.preSize >= ref.subAxis->preSize &&
                           p.preSize < ref.subAxis->nextPreSize()))
        out.push_back(static_cast<int64_t>(i));
    }
    return out;
  }
};
} // namespace

static Expected<MeshPieces> splitMesh(const Mesh &mesh,
                                      ArrayRef<const AxisRef *> refs) {
  MeshPieces result;
  for (auto [axisIndex, axis] : enumerate(mesh.axes)) {
    SmallVector<int64_t> bounds = {1, axis.size};
    for (const AxisRef *ref : refs)
      if (ref->name == axis.name && ref->subAxis) {
        if (ref->subAxis->preSize < 1 || ref->subAxis->size < 1 ||
            axis.size % ref->subAxis->nextPreSize() != 0)
          return makeError("sub-axis " + ref->str() +
                           " does not fit the axis of size " +
                           Twine(axis.size));
        bounds.push_back(ref->subAxis->preSize);
        bounds.push_back(ref->subAxis->nextPreSize());
      }
    llvm::sort(bounds);
    bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
    for (size_t i = 0; i + 1 < bounds.size(); ++i) {
      if (bounds[i + 1] % bounds[i] != 0)
        return makeError("overlapping sub-axes of axis \"" + axis.name + "\"");
      // Size-1 pieces (and size-1 axes) are dropped, as JAX does.
      if (bounds[i + 1] / bounds[i] > 1)
        result.pieces.push_back({static_cast<unsigned>(axisIndex), bounds[i],
                                 bounds[i + 1] / bounds[i]});
    }
  }
  return result;
}

Expected<HloSharding>
aoizora::sharding::toHloSharding(const TensorSharding &sharding,
                                 const Mesh &mesh,
                                 ArrayRef<std::string> manualAxes) {
  if (mesh.isMaximal())
    return HloSharding::maximal(mesh.deviceIds.front());

  SmallVector<const AxisRef *> refs;
  for (const DimSharding &dim : sharding.dims)
    for (const AxisRef &ref : dim.axes)
      refs.push_back(&ref);
  for (const AxisRef &ref : sharding.replicatedAxes)
    refs.push_back(&ref);
  for (const AxisRef &ref : sharding.unreducedAxes)
    refs.push_back(&ref);
  for (const AxisRef *ref : refs)
    if (!mesh.axisIndex(ref->name))
      return makeError("unknown axis name: \"" + ref->name + "\"");
  for (const std::string &name : manualAxes)
    if (!mesh.axisIndex(name))
      return makeError("unknown manual axis name: \"" + name + "\"");

  Expected<MeshPieces> split = splitMesh(mesh, refs);
  if (!split)
    return split.takeError();
  const MeshPieces &pieces = *split;
  SmallVector<int64_t> owner(pieces.pieces.size(), -1);
  // Claims the pieces of \p ref for \p group; fails on reuse.
  auto claim = [&](const AxisRef &ref, int64_t group,
                   SmallVectorImpl<int64_t> &perm) -> Error {
    for (int64_t p : pieces.of(mesh, ref)) {
      if (owner[p] != -1)
        return makeError("axis " + ref.str() + " is used twice");
      owner[p] = group;
      perm.push_back(p);
    }
    return Error::success();
  };

  // Data dims: each tensor dim's axes major to minor (open dims and
  // priorities do not matter to GSPMD).
  SmallVector<int64_t> dims, perm;
  for (const DimSharding &dim : sharding.dims) {
    int64_t size = 1;
    for (const AxisRef &ref : dim.axes) {
      size_t before = perm.size();
      if (Error e = claim(ref, 0, perm))
        return std::move(e);
      for (size_t i = before; i < perm.size(); ++i)
        size *= pieces.pieces[perm[i]].size;
    }
    dims.push_back(size);
  }

  // Subgroups in XLA's kOrderedTypes order; within one, pieces in mesh order.
  enum : int64_t { kManual = 1, kUnreduced, kReplicated };
  for (const std::string &name : manualAxes)
    for (int64_t p : pieces.of(mesh, AxisRef{name, std::nullopt})) {
      if (owner[p] != -1)
        return makeError("manual axis \"" + name + "\" is also sharded");
      owner[p] = kManual;
    }
  for (const AxisRef &ref : sharding.unreducedAxes)
    for (int64_t p : pieces.of(mesh, ref)) {
      if (owner[p] != -1)
        return makeError("axis " + ref.str() + " is used twice");
      owner[p] = kUnreduced;
    }
  SmallVector<SubgroupKind> kinds;
  for (auto [group, kind] :
       {std::pair{kManual, SubgroupKind::Manual},
        std::pair{kUnreduced, SubgroupKind::Unreduced},
        std::pair{kReplicated, SubgroupKind::Replicated}}) {
    int64_t size = 1;
    for (auto [p, piece] : enumerate(pieces.pieces)) {
      // Explicitly and implicitly replicated axes are alike in GSPMD.
      if (owner[p] == group || (group == kReplicated && owner[p] == -1)) {
        perm.push_back(static_cast<int64_t>(p));
        size *= piece.size;
      }
    }
    if (size > 1) {
      dims.push_back(size);
      kinds.push_back(kind);
    }
  }

  int64_t dataTiles = 1;
  for (int64_t d : ArrayRef(dims).take_front(sharding.dims.size()))
    dataTiles *= d;
  if (dataTiles == 1 && all_equal(kinds)) {
    if (kinds.empty() || kinds[0] == SubgroupKind::Replicated)
      return HloSharding::replicated();
    if (kinds[0] == SubgroupKind::Manual)
      return HloSharding::manual();
    HloSharding s;
    s.kind = HloSharding::Kind::Unreduced;
    return s;
  }

  TileAssignment tiles;
  tiles.dims = dims;
  IotaSpec iota;
  for (const MeshPieces::Piece &p : pieces.pieces)
    iota.reshapeDims.push_back(p.size);
  iota.perm = perm;
  tiles.iota = canonicalizeIota(iota);
  bool lastReplicate =
      kinds.size() == 1 && kinds[0] == SubgroupKind::Replicated;
  HloSharding result = HloSharding::tiled(
      tiles, lastReplicate,
      lastReplicate ? ArrayRef<SubgroupKind>() : ArrayRef(kinds));
  if (!mesh.deviceIds.empty()) {
    // JAX: device_ids.reshape(R).transpose(P).reshape(dims), an explicit
    // list whose replication groups XLA then sorts (§2.3).
    SmallVector<int64_t> positions = result.tiles.materialize();
    result.tiles.iota.reset();
    for (int64_t pos : positions)
      result.tiles.devices.push_back(mesh.deviceIds[pos]);
    result.tiles.devices = canonicalDevices(result);
  }
  return result;
}

//===----------------------------------------------------------------------===//
// Tile maps
//===----------------------------------------------------------------------===//

Expected<TileMap> aoizora::sharding::tileMapOf(const HloSharding &sharding,
                                               int64_t numDevices,
                                               int64_t rank) {
  using Kind = HloSharding::Kind;
  // One entry per device: bound the table before allocating it.
  if (numDevices < 0 || numDevices > limits::kMaxDevices)
    return makeError("a tile map over " + Twine(numDevices) +
                     " devices exceeds the limit of " +
                     limits::kMaxDevicesText + " devices");
  TileMap map;
  map.tileCounts.assign(rank, 1);
  map.deviceTiles.assign(numDevices, std::nullopt);
  SmallVector<int64_t> origin(rank, 0);
  // Manual and unreduced data differ per device: give each its own
  // coordinate, so that they compare equal to the tiled spelling.
  auto perDevice = [&](TileMap::Kind kind, SubgroupKind coord) {
    map.kind = kind;
    map.extraCoords = {coord};
    for (int64_t d = 0; d < numDevices; ++d) {
      SmallVector<int64_t> tile = origin;
      tile.push_back(d);
      map.deviceTiles[d] = tile;
    }
  };
  switch (sharding.kind) {
  case Kind::Tuple:
    return makeError("a tuple sharding has one tile map per element");
  case Kind::Replicated:
    for (auto &tile : map.deviceTiles)
      tile = origin;
    return map;
  case Kind::Unknown:
    map.kind = TileMap::Kind::Unknown;
    return map;
  case Kind::Manual:
    perDevice(TileMap::Kind::Manual, SubgroupKind::Manual);
    return map;
  case Kind::Unreduced:
    perDevice(TileMap::Kind::Unreduced, SubgroupKind::Unreduced);
    return map;
  case Kind::Maximal:
    if (sharding.maximalDevice >= numDevices)
      return makeError("maximal device " + Twine(sharding.maximalDevice) +
                       " is outside " + Twine(numDevices) + " devices");
    map.deviceTiles[sharding.maximalDevice] = origin;
    return map;
  case Kind::Tiled:
    break;
  }

  const TileAssignment &tiles = sharding.tiles;
  if (sharding.dataRank() != rank)
    return makeError("sharding tiles " + Twine(sharding.dataRank()) +
                     " dims but the tensor has rank " + Twine(rank));
  SmallVector<SubgroupKind> subgroups;
  if (sharding.lastTileDimReplicate)
    subgroups.push_back(SubgroupKind::Replicated);
  else
    subgroups.append(sharding.lastTileDims.begin(),
                     sharding.lastTileDims.end());
  map.tileCounts.assign(tiles.dims.begin(), tiles.dims.begin() + rank);
  for (SubgroupKind k : subgroups) {
    if (k == SubgroupKind::Replicated)
      continue;
    map.extraCoords.push_back(k);
    if (k == SubgroupKind::Manual)
      map.kind = TileMap::Kind::Manual;
    else if (k == SubgroupKind::Unreduced && map.kind == TileMap::Kind::Data)
      map.kind = TileMap::Kind::Unreduced;
  }
  SmallVector<int64_t> devices = tiles.materialize();
  SmallVector<int64_t> index(tiles.dims.size(), 0);
  for (int64_t device : devices) {
    if (device < 0 || device >= numDevices)
      return makeError("device " + Twine(device) + " is outside " +
                       Twine(numDevices) + " devices");
    if (map.deviceTiles[device])
      return makeError("device " + Twine(device) + " appears twice");
    SmallVector<int64_t> tile(index.begin(), index.begin() + rank);
    for (auto [i, k] : enumerate(subgroups))
      if (k != SubgroupKind::Replicated)
        tile.push_back(index[rank + i]);
    map.deviceTiles[device] = std::move(tile);
    // Advance the row-major index.
    for (int64_t d = static_cast<int64_t>(index.size()) - 1; d >= 0; --d) {
      if (++index[d] < tiles.dims[d])
        break;
      index[d] = 0;
    }
  }
  return map;
}

Expected<TileMap>
aoizora::sharding::tileMapOf(const TensorSharding &sharding, const Mesh &mesh,
                             int64_t numDevices,
                             ArrayRef<std::string> manualAxes) {
  Expected<HloSharding> hlo = toHloSharding(sharding, mesh, manualAxes);
  if (!hlo)
    return hlo.takeError();
  return tileMapOf(*hlo, numDevices, sharding.rank());
}

int64_t aoizora::sharding::countDistinctTiles(const TileMap &map) {
  std::set<SmallVector<int64_t>> distinct;
  for (const auto &tile : map.deviceTiles)
    if (tile)
      distinct.insert(*tile);
  return static_cast<int64_t>(distinct.size());
}

Expected<bool> aoizora::sharding::semanticallyEqual(const HloSharding &a,
                                                    const HloSharding &b,
                                                    int64_t numDevices,
                                                    int64_t rank) {
  using Kind = HloSharding::Kind;
  if (a.kind == Kind::Tuple || b.kind == Kind::Tuple) {
    if (a.kind != b.kind || a.elements.size() != b.elements.size())
      return false;
    for (auto [x, y] : zip_equal(a.elements, b.elements)) {
      int64_t r = x.kind == Kind::Tiled   ? x.dataRank()
                  : y.kind == Kind::Tiled ? y.dataRank()
                                          : rank;
      Expected<bool> eq = semanticallyEqual(x, y, numDevices, r);
      if (!eq || !*eq)
        return eq;
    }
    return true;
  }
  Expected<TileMap> ma = tileMapOf(a, numDevices, rank);
  if (!ma)
    return ma.takeError();
  Expected<TileMap> mb = tileMapOf(b, numDevices, rank);
  if (!mb)
    return mb.takeError();
  return *ma == *mb;
}

//===----------------------------------------------------------------------===//
// HLO sharding -> axes of a mesh (reading GSPMD-only modules)
//===----------------------------------------------------------------------===//

std::vector<Mesh> aoizora::sharding::primeFactorMeshes(int64_t numDevices) {
  SmallVector<int64_t> factors;
  for (int64_t n = numDevices, p = 2; n > 1; ++p)
    for (; n % p == 0; n /= p)
      factors.push_back(p);
  std::vector<Mesh> meshes;
  if (factors.empty())
    return meshes;
  do {
    Mesh mesh;
    for (auto [i, size] : enumerate(factors))
      mesh.axes.push_back(MeshAxis{"_axis_" + std::to_string(i), size});
    meshes.push_back(std::move(mesh));
  } while (std::next_permutation(factors.begin(), factors.end()));
  return meshes;
}

Expected<TensorSharding>
aoizora::sharding::toShardySharding(const HloSharding &sharding,
                                    const Mesh &mesh, int64_t rank) {
  TensorSharding result;
  result.inlineMesh = mesh;
  result.dims.resize(rank);
  if (!mesh.deviceIds.empty())
    return makeError("meshes with device_ids are not supported");
  if (sharding.kind == HloSharding::Kind::Replicated)
    return result;
  if (sharding.kind != HloSharding::Kind::Tiled)
    return makeError("only replicated and tiled shardings map to axes");
  if (sharding.dataRank() != rank)
    return makeError("the sharding tiles " + Twine(sharding.dataRank()) +
                     " dimensions, the tensor has " + Twine(rank));
  for (SubgroupKind kind : sharding.lastTileDims)
    if (kind != SubgroupKind::Replicated)
      return makeError("only replication subgroups map to axes");
  const TileAssignment &tiles = sharding.tiles;
  int64_t n = mesh.numDevices();
  if (tiles.numElements() != n)
    return makeError("the sharding covers " + Twine(tiles.numElements()) +
                     " devices, the mesh " + Twine(n));

  // Tile coordinates of every device.
  ArrayRef<int64_t> dims = tiles.dims;
  std::vector<SmallVector<int64_t, 4>> coords(n);
  SmallVector<int64_t> devices = tiles.materialize();
  for (auto [position, device] : enumerate(devices)) {
    if (device < 0 || device >= n)
      return makeError("device " + Twine(device) + " is outside the mesh");
    SmallVector<int64_t, 4> c(dims.size());
    for (int64_t i = dims.size() - 1, rest = position; i >= 0; --i) {
      c[i] = rest % dims[i];
      rest /= dims[i];
    }
    coords[device] = std::move(c);
  }

  // Each axis's unit device (digit 1, others 0) shows which tile coordinate
  // the axis moves and by how much.
  unsigned numAxes = mesh.axes.size();
  SmallVector<int64_t> stride(numAxes), dimOf(numAxes), step(numAxes);
  for (int64_t a = numAxes - 1, s = 1; a >= 0; --a) {
    stride[a] = s;
    s *= mesh.axes[a].size;
  }
  for (unsigned a = 0; a < numAxes; ++a) {
    dimOf[a] = -1;
    for (unsigned i = 0; i < dims.size(); ++i) {
      int64_t delta = coords[stride[a]][i] - coords[0][i];
      if (delta == 0)
        continue;
      if (dimOf[a] >= 0 || delta < 0)
        return makeError("axis " + mesh.axes[a].name +
                         " does not follow one tile dimension");
      dimOf[a] = i;
      step[a] = delta;
    }
    if (dimOf[a] < 0)
      return makeError("axis " + mesh.axes[a].name + " moves no tile");
  }
  // The axes of each tile dimension, major (largest step) first, must form
  // its mixed radix: steps 1, s_minor, s_minor * s_next, ...
  for (unsigned i = 0; i < dims.size(); ++i) {
    SmallVector<unsigned> axes;
    for (unsigned a = 0; a < numAxes; ++a)
      if (dimOf[a] == static_cast<int64_t>(i))
        axes.push_back(a);
    llvm::sort(axes, [&](unsigned x, unsigned y) { return step[x] > step[y]; });
    int64_t expected = 1;
    for (unsigned a : llvm::reverse(axes)) {
      if (step[a] != expected)
        return makeError("tile dimension " + Twine(i) +
                         " is not split along mesh axes");
      expected *= mesh.axes[a].size;
    }
    if (expected != dims[i])
      return makeError("tile dimension " + Twine(i) +
                       " is not split along mesh axes");
    if (static_cast<int64_t>(i) < rank)
      for (unsigned a : axes)
        result.dims[i].axes.push_back(AxisRef{mesh.axes[a].name, std::nullopt});
  }
  // The linear model must hold for every device, not only the unit ones.
  for (int64_t d = 0; d < n; ++d)
    for (unsigned i = 0; i < dims.size(); ++i) {
      int64_t c = 0;
      for (unsigned a = 0; a < numAxes; ++a)
        if (dimOf[a] == static_cast<int64_t>(i))
          c += (d / stride[a]) % mesh.axes[a].size * step[a];
      if (c != coords[d][i])
        return makeError("the tile assignment is not an axis split of the "
                         "mesh");
    }
  return result;
}
