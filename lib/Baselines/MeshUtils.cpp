//===- MeshUtils.cpp - JAX's create_device_mesh as a baseline -------------===//
//
// Re-implements the algorithm of jax-ml/jax jax/_src/mesh_utils.py (commit
// 762cc2ffca29b6d614991025d1fb4e36d36ac0a4), create_device_mesh and its
// helpers, from a reading of that file; see docs/baselines.md. Function
// comments name the JAX function each one mirrors.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Baselines/MeshUtils.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <array>
#include <functional>
#include <map>

using namespace llvm;

namespace aoizora {

namespace {

Error makeError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

std::string formatList(ArrayRef<int64_t> values) {
  std::string s;
  raw_string_ostream os(s);
  os << '[';
  interleave(values, os, ", ");
  os << ']';
  return s;
}

int64_t product(ArrayRef<int64_t> values) {
  int64_t p = 1;
  for (int64_t v : values)
    p *= v;
  return p;
}

using SizeMatrix = SmallVector<SmallVector<int64_t, 4>, 4>;

SizeMatrix onesMatrix(unsigned rows, unsigned cols) {
  return SizeMatrix(rows, SmallVector<int64_t, 4>(cols, 1));
}

/// Product of what the logical axes placed so far take of each physical axis.
SmallVector<int64_t, 4> takenPerPhysicalAxis(const SizeMatrix &sizes) {
  SmallVector<int64_t, 4> taken;
  for (const auto &row : sizes)
    taken.push_back(product(row));
  return taken;
}

/// Prime factors with multiplicity, in increasing order. JAX's
/// _get_prime_factors loses the small factors of numbers such as 10 (it
/// answers [5]); that cannot happen for TPU extents (products of 2 and 3), so
/// factoring correctly changes nothing there.
std::map<int64_t, unsigned> primeFactors(int64_t x) {
  std::map<int64_t, unsigned> factors;
  for (int64_t p = 2; p * p <= x; ++p)
    while (x % p == 0) {
      ++factors[p];
      x /= p;
    }
  if (x > 1)
    ++factors[x];
  return factors;
}

/// _prefer_first_logical_axis_assignment: whether splitting candidate \p a
/// beats \p b. The keys, in order: the product of the physical axes a
/// candidate takes whole, then how many non-trivial axes it takes whole,
/// then the product of its sizes on axes that more intensive logical axes
/// already use, then the lexicographically larger vector. The third key is
/// what the JAX code computes (larger wins); its comment describes the
/// opposite preference, and the code is what decides JAX's meshes.
bool preferFirst(ArrayRef<int64_t> a, ArrayRef<int64_t> b,
                 ArrayRef<int64_t> physicalShape, ArrayRef<int64_t> taken) {
  auto wholeSize = [&](ArrayRef<int64_t> v) {
    int64_t p = 1;
    for (unsigned i = 0; i < v.size(); ++i)
      if (v[i] == physicalShape[i])
        p *= v[i];
    return p;
  };
  auto wholeCount = [&](ArrayRef<int64_t> v) {
    unsigned n = 0;
    for (unsigned i = 0; i < v.size(); ++i)
      if (v[i] == physicalShape[i] && v[i] > 1)
        ++n;
    return n;
  };
  auto sizeOnTakenAxes = [&](ArrayRef<int64_t> v) {
    int64_t p = 1;
    for (unsigned i = 0; i < v.size(); ++i)
      if (taken[i] > 1)
        p *= v[i];
    return p;
  };
  if (wholeSize(a) != wholeSize(b))
    return wholeSize(a) > wholeSize(b);
  if (wholeCount(a) != wholeCount(b))
    return wholeCount(a) > wholeCount(b);
  if (sizeOnTakenAxes(a) != sizeOnTakenAxes(b))
    return sizeOnTakenAxes(a) > sizeOnTakenAxes(b);
  return std::lexicographical_compare(b.begin(), b.end(), a.begin(), a.end());
}

/// _enumerate_feasible_logical_axis_assignments: every way to spread a
/// logical axis of \p size over the physical axes so that each part divides
/// what that axis has left (\p available). Enumerated per prime factor: how
/// many copies of the factor each physical axis absorbs, up to the copies it
/// still has. The caller keeps the best by preferFirst, a strict total
/// order, so the enumeration order does not matter.
void forEachFeasibleSplit(ArrayRef<int64_t> available, int64_t size,
                          function_ref<void(ArrayRef<int64_t>)> fn) {
  unsigned numPhysical = available.size();
  SmallVector<std::pair<int64_t, unsigned>> factors;
  for (auto [factor, count] : primeFactors(size))
    factors.push_back({factor, count});
  // capacity[f][p]: copies of factor f that physical axis p still holds.
  SmallVector<SmallVector<unsigned, 4>> capacity;
  for (auto [factor, count] : factors) {
    SmallVector<unsigned, 4> caps;
    for (int64_t extent : available) {
      unsigned c = 0;
      for (int64_t e = extent; e % factor == 0; e /= factor)
        ++c;
      caps.push_back(c);
    }
    capacity.push_back(caps);
  }

  SmallVector<int64_t, 4> result(numPhysical, 1);
  // Distributes the copies of factor `f` from physical axis `p` on, with
  // `left` copies still to place; then moves on to the next factor.
  std::function<void(unsigned, unsigned, unsigned)> place =
      [&](unsigned f, unsigned p, unsigned left) {
        if (f == factors.size()) {
          fn(result);
          return;
        }
        if (p == numPhysical) {
          if (left == 0)
            place(f + 1, 0, factors.size() > f + 1 ? factors[f + 1].second : 0);
          return;
        }
        int64_t factor = factors[f].first;
        unsigned most = std::min(left, capacity[f][p]);
        int64_t saved = result[p];
        for (unsigned k = 0; k <= most; ++k) {
          place(f, p + 1, left - k);
          result[p] *= factor;
        }
        result[p] = saved;
      };
  place(0, 0, factors.empty() ? 0 : factors[0].second);
}

/// A description of the physical axes of a slice for messages, e.g. "[4, 4,
/// 4] (x, y, z of v4:4x4x4:wrap=1,1,1)".
std::string describePhysical(const Slice &slice) {
  SmallVector<int64_t, 4> shape = jaxPhysicalMeshShape(slice);
  return formatList(shape) +
         (shape.size() == 4 ? " (x, y, z, core of " : " (x, y, z of ") +
         slice.str() + ")";
}

/// Which device-kind handler of create_device_mesh answers for a device
/// kind (device_kind_handler_dict of the current mesh_utils.py).
enum class KindHandler { None, V5e, V5p, V7x };

KindHandler handlerFor(StringRef kind) {
  // "TPU v5 lite", "TPU v5e" and "TPU v6 lite" share the v5e handler; "TPU
  // v5" is registered for the v5p handler next to "TPU v5p"; "TPU7" next to
  // "TPU7x". v2/v3 and the v4i/v8i kinds are outside the model.
  if (kind == "TPU v5 lite" || kind == "TPU v5e" || kind == "TPU v6 lite")
    return KindHandler::V5e;
  if (kind == "TPU v5p" || kind == "TPU v5")
    return KindHandler::V5p;
  if (kind == "TPU7x" || kind == "TPU7")
    return KindHandler::V7x;
  return KindHandler::None;
}

/// Whether _get_physical_tpu_mesh adds a core axis for this kind: always on
/// 7x, and on v5p when its chips expose two devices.
bool hasCoreAxis(StringRef kind, unsigned devicesPerChip) {
  if (kind == "TPU7x" || kind == "TPU7")
    return true;
  return (kind == "TPU v5p" || kind == "TPU v5") && devicesPerChip == 2;
}

/// The fixed orders of the device-kind handlers (_v5e_create_device_mesh,
/// also registered for v6e; _v5p_create_device_mesh; _7x_create_device_mesh),
/// as positions into the devices sorted by chip with x fastest (the v5e and
/// v5p handlers sort by reversed coordinates), or, for 7x, into the device
/// list as given (jax.devices() order), which that handler does not sort.
/// Returns nothing where JAX's handler returns None and the torus logic
/// decides.
std::optional<SmallVector<int64_t, 16>>
deviceKindOrder(const Slice &slice, KindHandler handler,
                ArrayRef<int64_t> meshShape) {
  // Ring and iota orders of mesh_utils.py (_TRAY_2x2_RING_ORDER,
  // _V5E_TRAY_IOTA_ORDER, _V5E_TRAY_RING_ORDER, _TRAY_4x4_RING_ORDER,
  // _V5P_2x2x2_ORDER, _7X_TRAY_2x2x2_RING_ORDER).
  static const int64_t ring2x2[] = {0, 1, 3, 2};
  static const int64_t iota2x2x2[] = {0, 4, 2, 6, 1, 5, 3, 7};
  static const int64_t ring8[] = {0, 1, 2, 3, 7, 6, 5, 4};
  static const int64_t ring4x4[] = {0,  1,  2,  3,  7,  6,  5, 9,
                                    10, 11, 15, 14, 13, 12, 8, 4};
  static const int64_t v5p2x2x2[] = {0, 1, 3, 2, 6, 7, 5, 4};
  static const int64_t v7xBlock[] = {0, 1, 2, 3, 6, 7, 4, 5};

  unsigned n = slice.numDevices();
  auto bounds = [&](int x, int y, int z) {
    return slice.extent(0) == x && slice.extent(1) == y && slice.extent(2) == z;
  };
  auto order = [](ArrayRef<int64_t> o) {
    return std::optional<SmallVector<int64_t, 16>>(
        SmallVector<int64_t, 16>(o.begin(), o.end()));
  };
  switch (handler) {
  case KindHandler::V5e:
    if (bounds(2, 2, 1) && n == 4)
      return order(ring2x2);
    // Any 8-device slice: the iota order on a 2x2x2 box, else the ring that
    // closes on a 4x2 tray (on a 2x4 box, x extent 2, it is not a ring, but
    // it is what JAX returns).
    if (n == 8)
      return bounds(2, 2, 2) ? order(iota2x2x2) : order(ring8);
    // Only when one axis spans the whole 4x4 slice.
    if (bounds(4, 4, 1) && n == 16 &&
        *std::max_element(meshShape.begin(), meshShape.end()) == 16)
      return order(ring4x4);
    return std::nullopt;
  case KindHandler::V5p:
    if (bounds(2, 2, 2) && n == 8)
      return order(v5p2x2x2);
    return std::nullopt;
  case KindHandler::V7x: {
    // Any multiple of 8 devices up to 32 on at most 2x2 chips in x and y:
    // the block order repeated over each run of 8 listed devices (a ring
    // over both cores of a 2x2 tray per z plane); otherwise the torus logic.
    if (n % 8 != 0 || n > 32 || slice.extent(0) > 2 || slice.extent(1) > 2)
      return std::nullopt;
    SmallVector<int64_t, 16> indices;
    for (unsigned block = 0; block < n; block += 8)
      for (int64_t k : v7xBlock)
        indices.push_back(block + k);
    return indices;
  }
  case KindHandler::None:
    return std::nullopt;
  }
  return std::nullopt;
}

/// The physical mesh shapes and logical meshes of _TRANSPOSE_TRICKS (the
/// contiguous-submesh trick): the axis order of the transposed physical mesh.
std::optional<std::array<unsigned, 3>>
transposeTrick(ArrayRef<int64_t> physical, ArrayRef<int64_t> meshShape,
               std::string &why) {
  struct Trick {
    int64_t topology[3];
    int64_t mesh[2];
    std::array<unsigned, 3> transpose;
  };
  static const Trick kTricks[] = {
      {{2, 2, 1}, {2, 2}, {0, 1, 2}},    {{2, 2, 4}, {4, 4}, {0, 1, 2}},
      {{4, 4, 4}, {16, 4}, {0, 2, 1}},   {{4, 8, 8}, {64, 4}, {0, 2, 1}},
      {{4, 8, 8}, {4, 64}, {0, 2, 1}},   {{8, 8, 8}, {64, 8}, {0, 2, 1}},
      {{8, 16, 16}, {256, 8}, {0, 2, 1}}, {{8, 16, 16}, {8, 256}, {0, 2, 1}},
  };
  SmallVector<int64_t, 4> nonTrivial;
  for (int64_t size : meshShape)
    if (size != 1)
      nonTrivial.push_back(size);
  bool knownTopology = false;
  std::string available;
  for (const Trick &t : kTricks) {
    if (physical.size() != 3 || ArrayRef<int64_t>(t.topology) != physical)
      continue;
    knownTopology = true;
    available += (available.empty() ? "" : ", ") + formatList(t.mesh);
    if (ArrayRef<int64_t>(t.mesh) == ArrayRef<int64_t>(nonTrivial))
      return t.transpose;
  }
  why = knownTopology
            ? "create_device_mesh cannot create contiguous submeshes for "
              "mesh_shape " +
                  formatList(meshShape) + " and physical mesh topology " +
                  formatList(physical) + "; available mesh shapes: " +
                  available
            : "create_device_mesh cannot create contiguous submeshes for "
              "physical mesh topology " +
                  formatList(physical);
  return std::nullopt;
}

} // namespace

SmallVector<unsigned, 4> AxisAssignment::physicalAxesOf(unsigned axis) const {
  SmallVector<unsigned, 4> axes;
  for (unsigned p = 0; p < sizes.size(); ++p)
    if (sizes[p][axis] > 1)
      axes.push_back(p);
  return axes;
}

SmallVector<int64_t, 4> jaxPhysicalMeshShape(const Slice &slice) {
  // _get_physical_tpu_mesh: devices at their (x, y, z) coordinates (z = 0 on
  // 2D chips), plus a core axis on v7x; JAX refuses several devices per chip
  // on the other kinds, which this model never has.
  SmallVector<int64_t, 4> shape = {slice.extent(0), slice.extent(1),
                                   slice.extent(2)};
  if (slice.chip().devicesPerChip > 1)
    shape.push_back(slice.chip().devicesPerChip);
  return shape;
}

Expected<AxisAssignment>
assignLogicalAxesSplitting(ArrayRef<int64_t> physicalShape,
                           ArrayRef<int64_t> meshShape) {
  // _create_device_mesh_for_nd_torus_splitting_axes.
  if (product(physicalShape) != product(meshShape))
    return makeError("physical mesh " + formatList(physicalShape) + " has " +
                     Twine(product(physicalShape)) +
                     " devices but the logical mesh " + formatList(meshShape) +
                     " has " + Twine(product(meshShape)));
  unsigned numPhysical = physicalShape.size();
  AxisAssignment result;
  result.splitsPhysicalAxes = true;
  result.sizes = onesMatrix(numPhysical, meshShape.size());
  // Most network-intensive (last) logical axis first.
  for (unsigned l = meshShape.size(); l-- > 0;) {
    SmallVector<int64_t, 4> taken = takenPerPhysicalAxis(result.sizes);
    SmallVector<int64_t, 4> available;
    for (unsigned p = 0; p < numPhysical; ++p)
      available.push_back(physicalShape[p] / taken[p]);
    std::optional<SmallVector<int64_t, 4>> best;
    forEachFeasibleSplit(available, meshShape[l], [&](ArrayRef<int64_t> c) {
      if (!best || preferFirst(c, *best, physicalShape, taken))
        best = SmallVector<int64_t, 4>(c.begin(), c.end());
    });
    // Equal device counts leave every prime factor available, so some split
    // always exists; guard anyway.
    if (!best)
      return makeError("cannot split physical mesh " +
                       formatList(physicalShape) + " for logical axis " +
                       Twine(l) + " of size " + Twine(meshShape[l]));
    for (unsigned p = 0; p < numPhysical; ++p)
      result.sizes[p][l] = (*best)[p];
  }
  return result;
}

Expected<AxisAssignment> assignLogicalAxes(ArrayRef<int64_t> physicalShape,
                                           ArrayRef<int64_t> meshShape,
                                           bool allowSplitPhysicalAxes,
                                           ArrayRef<unsigned> axisPriority) {
  // _create_device_mesh_for_nd_torus.
  unsigned numPhysical = physicalShape.size();
  // Extents still free; 0 marks an axis a logical axis already took, so no
  // product that includes it can match.
  SmallVector<int64_t, 4> free(physicalShape.begin(), physicalShape.end());
  AxisAssignment result;
  result.sizes = onesMatrix(numPhysical, meshShape.size());

  // Every combination of `count` physical axes in lexicographic order,
  // then (with priorities, v7x's core axis first) stably sorted by the best
  // and then the summed priority of its axes, as JAX sorts its candidates.
  auto combinations = [&](unsigned count) {
    SmallVector<SmallVector<unsigned, 4>> out;
    SmallVector<unsigned, 4> combo(count);
    for (unsigned i = 0; i < count; ++i)
      combo[i] = i;
    while (true) {
      out.push_back(combo);
      int i = int(count) - 1;
      while (i >= 0 && combo[i] == numPhysical - count + i)
        --i;
      if (i < 0)
        break;
      ++combo[i];
      for (unsigned j = i + 1; j < count; ++j)
        combo[j] = combo[j - 1] + 1;
    }
    if (!axisPriority.empty()) {
      auto key = [&](ArrayRef<unsigned> c) {
        unsigned best = ~0u, sum = 0;
        for (unsigned axis : c) {
          best = std::min(best, axisPriority[axis]);
          sum += axisPriority[axis];
        }
        return std::make_pair(best, sum);
      };
      std::stable_sort(out.begin(), out.end(),
                       [&](const auto &a, const auto &b) {
                         return key(a) < key(b);
                       });
    }
    return out;
  };
  for (unsigned l = meshShape.size(); l-- > 0;) {
    int64_t size = meshShape[l];
    bool found = false;
    // More physical axes first (more links for the busier logical axis);
    // among equally many, the first combination in index (or priority)
    // order.
    for (unsigned count = numPhysical; count >= 1 && !found; --count) {
      for (const SmallVector<unsigned, 4> &combo : combinations(count)) {
        int64_t p = 1;
        for (unsigned axis : combo)
          p *= free[axis];
        if (p != size)
          continue;
        for (unsigned axis : combo) {
          result.sizes[axis][l] = physicalShape[axis];
          free[axis] = 0;
        }
        found = true;
        break;
      }
    }
    if (found || size == 1)
      continue;
    if (allowSplitPhysicalAxes)
      return assignLogicalAxesSplitting(physicalShape, meshShape);
    return makeError(
        "cannot map mesh shape " + formatList(meshShape) +
        " onto physical mesh " + formatList(physicalShape) +
        " without splitting physical axes: logical axis " + Twine(l) +
        " of size " + Twine(size) +
        " is not a product of the physical axes still free " +
        formatList(free) +
        " (0 = taken by a later, more network-intensive axis); every logical "
        "axis size must be a product of distinct physical extents (e.g. 4 "
        "and 16 = 4x4 on 4x4x4), or allow splitting physical axes");
  }
  return result;
}

SmallVector<SmallVector<int64_t, 4>>
physicalCoordsOfMesh(ArrayRef<int64_t> physicalShape,
                     ArrayRef<int64_t> meshShape,
                     const AxisAssignment &assignment) {
  // _generate_logical_mesh (and the transpose of the non-splitting path,
  // which is the same read-out): physical axis p is cut into one digit per
  // logical axis, less intensive logical axes major; logical axis l is made
  // of its digits of every physical axis, lower physical axes major.
  unsigned numPhysical = physicalShape.size();
  unsigned numLogical = meshShape.size();
  const SizeMatrix &a = assignment.sizes;
  int64_t total = product(meshShape);
  SmallVector<SmallVector<int64_t, 4>> coords(
      total, SmallVector<int64_t, 4>(numPhysical, 0));
  SmallVector<int64_t, 4> index(numLogical, 0);
  SmallVector<SmallVector<int64_t, 4>, 4> digit(
      numPhysical, SmallVector<int64_t, 4>(numLogical, 0));
  for (int64_t flat = 0; flat < total; ++flat) {
    // Row-major logical index of `flat`.
    int64_t rest = flat;
    for (unsigned l = numLogical; l-- > 0;) {
      index[l] = rest % meshShape[l];
      rest /= meshShape[l];
    }
    for (unsigned l = 0; l < numLogical; ++l) {
      int64_t r = index[l];
      for (unsigned p = numPhysical; p-- > 0;) {
        digit[p][l] = r % a[p][l];
        r /= a[p][l];
      }
    }
    for (unsigned p = 0; p < numPhysical; ++p) {
      int64_t c = 0;
      for (unsigned l = 0; l < numLogical; ++l)
        c = c * a[p][l] + digit[p][l];
      coords[flat][p] = c;
    }
  }
  return coords;
}

StringRef stringifyDeviceMeshSource(DeviceMeshSource source) {
  switch (source) {
  case DeviceMeshSource::DeviceKindOrder:
    return "device-kind order";
  case DeviceMeshSource::Torus:
    return "torus";
  case DeviceMeshSource::TorusSplitAxes:
    return "torus, split axes";
  }
  return "?";
}

std::string DeviceMesh::describe() const {
  std::string s;
  raw_string_ostream os(s);
  os << "mesh_utils " << formatList(meshShape) << " ("
     << stringifyDeviceMeshSource(source)
     << (contiguousSubmeshes ? ", contiguous submeshes" : "");
  if (assignment) {
    static const char kAxisNames[] = {'x', 'y', 'z', 'c'};
    // With the transpose trick the assignment is over the transposed axes;
    // the names then follow that order.
    os << ":";
    for (unsigned l = 0; l < meshShape.size(); ++l) {
      os << (l ? ", " : " ") << l << "<-";
      bool any = false;
      for (unsigned p = 0; p < assignment->sizes.size(); ++p) {
        int64_t part = assignment->sizes[p][l];
        if (part == 1)
          continue;
        // "x" for the whole axis, "x(2)" for two of its coordinates.
        os << (any ? "*" : "") << kAxisNames[std::min(p, 3u)];
        if (part != product(assignment->sizes[p]))
          os << '(' << part << ')';
        any = true;
      }
      if (!any)
        os << "1";
    }
  }
  os << ")";
  return s;
}

Expected<DeviceMesh> createDeviceMeshDetailed(const Slice &slice,
                                              const Placement &devices,
                                              ArrayRef<int64_t> meshShape,
                                              bool allowSplitPhysicalAxes) {
  MeshUtilsOptions options;
  options.allowSplitPhysicalAxes = allowSplitPhysicalAxes;
  return createDeviceMeshDetailed(slice, devices, meshShape, options);
}

Expected<DeviceMesh> createDeviceMeshDetailed(const Slice &slice,
                                              const Placement &devices,
                                              ArrayRef<int64_t> meshShape,
                                              const MeshUtilsOptions &options) {
  // create_device_mesh(mesh_shape, devices, contiguous_submeshes=...,
  // allow_split_physical_axes=...) with devices in jax.devices() order.
  unsigned n = slice.numDevices();
  if (devices.numDevices() != n)
    return makeError("the device assignment has " +
                     Twine(devices.numDevices()) + " devices but slice " +
                     slice.str() + " has " + Twine(n));
  if (meshShape.empty())
    return makeError("mesh shape must have at least one axis");
  if (any_of(meshShape, [](int64_t s) { return s <= 0; }))
    return makeError("mesh shape " + formatList(meshShape) +
                     " has a non-positive axis size");
  if (product(meshShape) != int64_t(n))
    return makeError("mesh shape " + formatList(meshShape) + " holds " +
                     Twine(product(meshShape)) + " devices but slice " +
                     slice.str() + " has " + Twine(n));

  DeviceMesh mesh;
  mesh.meshShape.assign(meshShape.begin(), meshShape.end());
  mesh.deviceIds.resize(n);
  StringRef kind = devices.deviceKind();
  KindHandler handler = handlerFor(kind);
  unsigned perChip = slice.chip().devicesPerChip;

  // Device-kind handlers take precedence over the torus logic (and ignore
  // contiguous_submeshes).
  if (std::optional<SmallVector<int64_t, 16>> order =
          deviceKindOrder(slice, handler, meshShape)) {
    mesh.source = DeviceMeshSource::DeviceKindOrder;
    ArrayRef<unsigned> list = devices.jaxListOrder();
    for (unsigned i = 0; i < n; ++i) {
      int64_t k = (*order)[i];
      mesh.deviceIds[i] = handler == KindHandler::V7x
                              ? list[k]
                              : devices.deviceAt(unsigned(k / perChip),
                                                 unsigned(k % perChip));
    }
    return mesh;
  }

  if (slice.chip().generation != TpuGeneration::Generic && perChip > 1 &&
      !hasCoreAxis(kind, perChip))
    return makeError("creating meshes for " +
                     (kind.empty() ? StringRef("this chip") : kind) +
                     " needs one device per chip (megacore); slice " +
                     slice.str() + " has " + Twine(perChip));
  SmallVector<int64_t, 4> physicalShape = jaxPhysicalMeshShape(slice);
  // The transpose trick permutes the physical axes before the assignment.
  std::array<unsigned, 4> axisOf = {0, 1, 2, 3};
  if (options.contiguousSubmeshes) {
    std::string why;
    std::optional<std::array<unsigned, 3>> transpose =
        transposeTrick(physicalShape, meshShape, why);
    if (!transpose)
      return makeError(why);
    SmallVector<int64_t, 4> transposed;
    for (unsigned i = 0; i < 3; ++i) {
      axisOf[i] = (*transpose)[i];
      transposed.push_back(physicalShape[axisOf[i]]);
    }
    physicalShape = transposed;
  }
  // Current JAX ranks v7x's core axis (the fastest link) before x, y, z.
  SmallVector<unsigned, 4> priority;
  if (physicalShape.size() == 4 && (kind == "TPU7x" || kind == "TPU7"))
    priority = {1, 2, 3, 0};
  Expected<AxisAssignment> assignment =
      assignLogicalAxes(physicalShape, meshShape,
                        options.allowSplitPhysicalAxes, priority);
  if (!assignment)
    return makeError(toString(assignment.takeError()) + " (slice " +
                     describePhysical(slice) + ")");
  mesh.source = assignment->splitsPhysicalAxes
                    ? DeviceMeshSource::TorusSplitAxes
                    : DeviceMeshSource::Torus;
  mesh.contiguousSubmeshes = options.contiguousSubmeshes;
  SmallVector<SmallVector<int64_t, 4>> coords =
      physicalCoordsOfMesh(physicalShape, meshShape, *assignment);
  for (unsigned i = 0; i < n; ++i) {
    std::array<int64_t, 4> c = {0, 0, 0, 0};
    for (unsigned p = 0; p < coords[i].size(); ++p)
      c[axisOf[p]] = coords[i][p];
    unsigned chip = slice.chipAt({int(c[0]), int(c[1]), int(c[2])});
    mesh.deviceIds[i] = devices.deviceAt(chip, unsigned(c[3]));
  }
  mesh.assignment = std::move(*assignment);
  return mesh;
}

Expected<DeviceMesh> makeMesh(const Slice &slice, const Placement &devices,
                              ArrayRef<int64_t> meshShape) {
  // jax.make_mesh(axis_shapes, axis_names) (jax/_src/sharding_impls.py at
  // 66d04f85e6dfadeafe453f210cb45f11a5594f3b): create_device_mesh over
  // jax.devices(), splitting physical axes only on v5e.
  MeshUtilsOptions options;
  StringRef kind = devices.deviceKind();
  options.allowSplitPhysicalAxes = kind == "TPU v5 lite" || kind == "TPU v5e";
  return createDeviceMeshDetailed(slice, devices, meshShape, options);
}

Expected<std::vector<int64_t>> createDeviceMesh(const Slice &slice,
                                                const Placement &devices,
                                                ArrayRef<int64_t> meshShape,
                                                bool allowSplitPhysicalAxes) {
  Expected<DeviceMesh> mesh = createDeviceMeshDetailed(
      slice, devices, meshShape, allowSplitPhysicalAxes);
  if (!mesh)
    return mesh.takeError();
  return std::move(mesh->deviceIds);
}

Expected<std::vector<int64_t>> createDeviceMesh(const Slice &slice,
                                                ArrayRef<int64_t> meshShape,
                                                bool allowSplitPhysicalAxes) {
  return createDeviceMesh(slice, Placement::defaultFor(slice), meshShape,
                          allowSplitPhysicalAxes);
}

Expected<Placement> placementOfDeviceMesh(const Placement &devices,
                                          ArrayRef<int64_t> deviceIds) {
  unsigned n = devices.numDevices();
  SmallVector<unsigned, 0> order;
  order.reserve(deviceIds.size());
  for (int64_t id : deviceIds) {
    if (id < 0 || id >= int64_t(n))
      return makeError("device id " + Twine(id) + " is outside 0.." +
                       Twine(n - 1));
    order.push_back(unsigned(id));
  }
  if (Error err = Placement::verifyPermutation(order, n))
    return err;
  // Logical id i sits where device deviceIds[i] sits.
  return devices.permuted(order);
}

Expected<Placement> createDeviceMeshPlacement(const Slice &slice,
                                              ArrayRef<int64_t> meshShape,
                                              bool allowSplitPhysicalAxes,
                                              const Placement *devices) {
  Placement defaults = Placement::defaultFor(slice);
  const Placement &assignment = devices ? *devices : defaults;
  Expected<std::vector<int64_t>> ids =
      createDeviceMesh(slice, assignment, meshShape, allowSplitPhysicalAxes);
  if (!ids)
    return ids.takeError();
  return placementOfDeviceMesh(assignment, *ids);
}

} // namespace aoizora
