//===- Slice.h - A TPU slice: shape, wraparound, links, routes --*- C++ -*-===//
//
// A slice is a box of chips cut out of a pod's 2D or 3D torus. Each dimension
// is either a closed ring (it has wraparound links) or an open line; a slice
// of shape k x k x 2k or k x 2k x 2k may be a twisted torus. The slice
// numbers its chips, names every directed ICI link with a dense id, and
// routes a message between two chips over those links, split evenly over its
// minimal paths (docs/cost-model.md, "Routing").
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_TOPOLOGY_SLICE_H
#define AOIZORA_TOPOLOGY_SLICE_H

#include "AoiZora/Topology/Chip.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace aoizora {

/// Slices have at most three physical dimensions; 2D slices use z = 0.
constexpr unsigned kMaxDims = 3;

/// Chip coordinates (x, y, z). Unused dimensions are 0.
using ChipCoords = std::array<int, kMaxDims>;

/// Dense id of a directed ICI link; see Slice::linkId.
using LinkId = int32_t;
constexpr LinkId kNoLink = -1;

/// One directed link traversal of a route. A route splits a message evenly
/// over its minimal paths, so a link may carry only a fraction of it.
struct RouteHop {
  LinkId link;
  double fraction;
};

/// The endpoints of a directed link.
struct LinkInfo {
  unsigned fromChip;
  unsigned toChip;
  unsigned dim;
  /// +1 or -1: the direction along `dim`.
  int direction;
};

class Slice {
public:
  /// Builds a slice of \p chip with extents \p shape (one entry per used
  /// dimension, at most 3) and per-dimension wraparound \p wrap (empty: the
  /// generation's default rule, see defaultWrap). Does not check the shape
  /// against the generation's supported shapes; parse() does.
  /// \p twisted: std::nullopt takes the generation's default
  /// (defaultTwisted); true asks for a twisted torus and fails when the
  /// shape cannot be one (see canTwist).
  static llvm::Expected<Slice> create(const ChipSpec &chip,
                                      llvm::ArrayRef<int> shape,
                                      llvm::ArrayRef<bool> wrap = {},
                                      std::optional<bool> twisted = {});

  /// Parses a slice description. Accepted forms:
  ///   <gen>:<AxB[xC]>[:wrap=<0|1>,...][:twisted=<0|1>][:devices-per-chip=<n>]
  ///       e.g. v5e:4x4, v5p:4x4x8, v5e:4x4:wrap=1,0, v5p:4x4x8:twisted=0,
  ///       v5p:2x2x2:devices-per-chip=2 (see withDevicesPerChip)
  ///   generic:<A[xB[xC]]>[:wrap=...]                test chip, open by default
  ///   Cloud accelerator types: v5litepod-16, v5e-16, v6e-8 (chips),
  ///   v4-32, v5p-32, v7x-8 / tpu7x-8 (TensorCores: two per chip).
  static llvm::Expected<Slice> parse(llvm::StringRef spec);

  /// Whether \p shape is a supported slice shape of \p chip's generation.
  /// Generic chips accept any shape of 1 to 3 positive extents.
  static bool isValidShape(const ChipSpec &chip, llvm::ArrayRef<int> shape);

  /// The named slice shapes of \p chip's generation (documented shapes; v4,
  /// v5p and v7x also accept other multiples of the 4x4x4 cube).
  static llvm::SmallVector<llvm::SmallVector<int, 3>>
  listedShapes(const ChipSpec &chip);

  /// The generation's wraparound rule: v5e/v6e wrap a dimension of extent 16;
  /// v4/v5p/v7x wrap every dimension when all extents are multiples of 4 (the
  /// slice is made of whole cubes) and none otherwise; generic: none.
  static llvm::SmallVector<bool, 3> defaultWrap(const ChipSpec &chip,
                                                llvm::ArrayRef<int> shape);

  /// Whether a slice of \p shape with wraparound \p wrap can be wired as a
  /// twisted torus: every dimension wraps, and the extents are k or 2k for
  /// one k >= 3 with both present (k x 2k, k x k x 2k, k x 2k x 2k).
  static bool canTwist(llvm::ArrayRef<int> shape, llvm::ArrayRef<bool> wrap);

  /// The generation's default: v4 and v5p slices that can twist are twisted
  /// (Cloud TPU "Twisted torus topologies"; docs/cost-model.md says why this
  /// is the default); every other slice is not.
  static bool defaultTwisted(const ChipSpec &chip, llvm::ArrayRef<int> shape,
                             llvm::ArrayRef<bool> wrap);

  /// The chip's figures; devicesPerChip may differ from the generation's
  /// table entry (see withDevicesPerChip).
  const ChipSpec &chip() const { return spec; }
  /// Number of used dimensions (the length of the shape given).
  unsigned numDims() const { return dims; }
  int extent(unsigned dim) const { return extents[dim]; }
  /// Whether \p dim is a closed ring. Dimensions of extent <= 2 never count
  /// as wrapped: a wrap link there would join chips that already neighbour.
  bool wraps(unsigned dim) const { return wrapped[dim]; }
  /// Whether the slice is a twisted torus: the wraparound link of each short
  /// dimension (extent k) lands k further along every long dimension
  /// (extent 2k) instead of at the same coordinates.
  bool twisted() const { return twist; }
  unsigned numChips() const { return chips; }
  /// JAX devices in the slice: chips times devices per chip.
  unsigned numDevices() const { return chips * spec.devicesPerChip; }

  /// The same slice with each chip exposing \p devices JAX devices: 2 runs a
  /// v5p without megacore, one device per TensorCore, as current JAX builds
  /// its meshes for it (a core axis, like v7x). Only 1 or the chip's
  /// TensorCore count.
  llvm::Expected<Slice> withDevicesPerChip(unsigned devices) const;

  /// Chip index of coordinates: x + X * (y + Y * z) (x fastest).
  unsigned chipAt(const ChipCoords &c) const {
    return unsigned(c[0] + extents[0] * (c[1] + extents[1] * c[2]));
  }
  /// Coordinates of a chip (a table lookup: routing calls this per hop).
  const ChipCoords &coordsOf(unsigned chipIndex) const {
    return coordTable[chipIndex];
  }
  bool contains(const ChipCoords &c) const;

  /// Number of link id slots: 2 * kMaxDims per chip. Not every slot is a
  /// real link (open ends, unused dimensions); see linkExists.
  unsigned numLinkSlots() const { return chips * 2 * kMaxDims; }
  /// The link leaving \p chipIndex along \p dim in \p direction (+1/-1), or
  /// kNoLink at an open end. Id = (chip * kMaxDims + dim) * 2 + (dir < 0).
  LinkId linkId(unsigned chipIndex, unsigned dim, int direction) const;
  bool linkExists(LinkId id) const;
  LinkInfo linkInfo(LinkId id) const;
  /// All real links, in id order.
  llvm::SmallVector<LinkId> links() const;
  /// Directed links leaving one chip (what an injection bound may use).
  unsigned linksPerChip() const;

  /// The chip one hop from \p chipIndex along \p dim in \p direction (the
  /// link must exist); follows the twist on a twisted slice.
  unsigned neighbour(unsigned chipIndex, unsigned dim, int direction) const;

  /// Hops between two chips on a minimal route.
  unsigned hops(unsigned src, unsigned dst) const;

  /// Calls \p fn for each link of the route src -> dst. The message is split
  /// evenly over its minimal paths: each minimal choice of direction per
  /// dimension (both directions half-way round an even ring; on a twisted
  /// slice, the choices whose wraps shift the long dimensions usefully),
  /// each walked in every order of the dimensions it moves along. A link
  /// shared by several of those paths is reported once per path, with that
  /// path's fraction; the fractions of the first hops add up to 1.
  void forEachRouteHop(unsigned src, unsigned dst,
                       llvm::function_ref<void(LinkId, double)> fn) const;
  /// The route as a list (same order as forEachRouteHop).
  llvm::SmallVector<RouteHop> route(unsigned src, unsigned dst) const;

  /// Canonical text, e.g. "v5e:4x4:wrap=0,0" (":twisted=1" appended on a
  /// twisted slice).
  std::string str() const;

private:
  Slice() = default;
  ChipSpec spec{};
  unsigned dims = 0;
  unsigned chips = 0;
  std::array<int, kMaxDims> extents = {1, 1, 1};
  std::array<bool, kMaxDims> wrapped = {false, false, false};
  bool twist = false;
  /// On a twisted slice: k, and which dimensions are the short ones.
  int twistK = 0;
  std::array<bool, kMaxDims> shortDim = {false, false, false};
  llvm::SmallVector<ChipCoords, 0> coordTable;
};

} // namespace aoizora

#endif // AOIZORA_TOPOLOGY_SLICE_H
