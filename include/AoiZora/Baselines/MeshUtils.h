//===- MeshUtils.h - JAX's create_device_mesh as a baseline -----*- C++ -*-===//
//
// A plain C++ re-implementation of `jax.experimental.mesh_utils.
// create_device_mesh` for a single TPU slice: the device order most JAX
// programs run with, and so the baseline a placement has to beat.
//
// Source of the algorithm: jax-ml/jax, jax/_src/mesh_utils.py at commit
// 762cc2ffca29b6d614991025d1fb4e36d36ac0a4, updated to the current file
// (docs/baselines.md says which parts and where they were read) (create_device_mesh,
// _get_physical_tpu_mesh, _create_device_mesh_for_nd_torus,
// _create_device_mesh_for_nd_torus_splitting_axes,
// _enumerate_feasible_logical_axis_assignments,
// _prefer_first_logical_axis_assignment, _generate_logical_mesh and the
// device-kind handlers _v5e_create_device_mesh, _v5p_create_device_mesh,
// _7x_create_device_mesh). docs/baselines.md describes it in prose.
//
// Covered: v4, v5p (one or two devices per chip), v5e, v6e and v7x slices
// (2D and 3D), the generic test chip (no device-kind handler), the handlers
// by device kind ("TPU v5" counts as v5p), the v7x handler for up to 32
// devices and its core-first torus fallback, allow_split_physical_axes,
// contiguous_submeshes (the transpose trick), jax.make_mesh, and JAX's
// errors for a device count mismatch and for a mesh that needs a split
// physical axis.
// Not covered: TPU v2/v3 (tray ring orders), v4i/v8i, multi-slice hybrid
// meshes (create_hybrid_device_mesh) and sub-slices whose coordinates do not
// start at the origin.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_BASELINES_MESHUTILS_H
#define AOIZORA_BASELINES_MESHUTILS_H

#include "AoiZora/Topology/Placement.h"
#include "AoiZora/Topology/Slice.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace aoizora {

/// How the logical axes share the physical axes: `sizes[p][l]` is the part of
/// physical axis p that logical axis l spans. Every row multiplies to the
/// physical extent and every column to the logical axis size (JAX's
/// "assignment matrix").
struct AxisAssignment {
  llvm::SmallVector<llvm::SmallVector<int64_t, 4>, 4> sizes;
  /// Whether the splitting search produced it (some physical axis may then
  /// be shared by several logical axes).
  bool splitsPhysicalAxes = false;

  /// The physical axes of which logical axis \p logicalAxis takes more than
  /// one coordinate, in increasing order (JAX's tuple form, e.g. (0, 1),
  /// without the extent-1 axes JAX may list too; partial spans count).
  llvm::SmallVector<unsigned, 4> physicalAxesOf(unsigned logicalAxis) const;
};

/// The shape of the physical device array JAX builds for \p slice: always
/// (x, y, z), with z = 1 on 2D slices, and a fourth core axis on chips that
/// expose several devices (v7x).
llvm::SmallVector<int64_t, 4> jaxPhysicalMeshShape(const Slice &slice);

/// Maps the logical axes of \p meshShape (ordered by increasing network
/// intensity) onto whole physical axes of \p physicalShape, the most
/// intensive axis first, preferring more physical axes and, among equally
/// many, the first combination in index order. When a logical axis of size
/// > 1 fits no product of free axes: an error, or with
/// \p allowSplitPhysicalAxes the splitting search for the whole mesh.
/// Does not check the device count (createDeviceMesh does).
/// \p axisPriority (one rank per physical axis, lower first; empty: index
/// order) reorders the combinations of equally many axes, as current JAX
/// does for v7x's core axis.
llvm::Expected<AxisAssignment>
assignLogicalAxes(llvm::ArrayRef<int64_t> physicalShape,
                  llvm::ArrayRef<int64_t> meshShape,
                  bool allowSplitPhysicalAxes = false,
                  llvm::ArrayRef<unsigned> axisPriority = {});

/// The splitting search alone: each logical axis, most intensive first,
/// takes the best factorisation over what the physical axes have left.
/// Errors when the two shapes hold different numbers of devices.
llvm::Expected<AxisAssignment>
assignLogicalAxesSplitting(llvm::ArrayRef<int64_t> physicalShape,
                           llvm::ArrayRef<int64_t> meshShape);

/// Physical coordinates of every logical mesh position (row-major over
/// \p meshShape) under \p assignment: within one logical axis the lower
/// physical axis is major; within one physical axis the less intensive
/// logical axis is major.
llvm::SmallVector<llvm::SmallVector<int64_t, 4>>
physicalCoordsOfMesh(llvm::ArrayRef<int64_t> physicalShape,
                     llvm::ArrayRef<int64_t> meshShape,
                     const AxisAssignment &assignment);

/// Which path of create_device_mesh produced a mesh.
enum class DeviceMeshSource {
  /// A device-kind handler's fixed order (v5e/v6e 2x2, 8 chips, 4x4 with a
  /// 16-device axis; v5p 2x2x2; v7x with 8 devices).
  DeviceKindOrder,
  /// Whole physical axes per logical axis.
  Torus,
  /// The splitting search (allowSplitPhysicalAxes).
  TorusSplitAxes,
};
llvm::StringRef stringifyDeviceMeshSource(DeviceMeshSource source);

struct DeviceMesh {
  llvm::SmallVector<int64_t, 4> meshShape;
  /// The device id at each logical position, row-major over meshShape: what
  /// `create_device_mesh(meshShape).flat` holds, as ids.
  std::vector<int64_t> deviceIds;
  DeviceMeshSource source = DeviceMeshSource::Torus;
  /// Set unless a device-kind handler answered.
  std::optional<AxisAssignment> assignment;
  /// Built with the contiguous-submesh transpose trick.
  bool contiguousSubmeshes = false;
  /// One line for reports, e.g. "mesh_utils (torus: 0<-(1), 1<-(0,2))".
  std::string describe() const;
};

/// create_device_mesh(meshShape, jax.devices(), allow_split_physical_axes=
/// allowSplitPhysicalAxes) on \p slice, where \p devices says which chip (and
/// core slot) holds each device id, as `jax.devices()` would (the slice's
/// default assignment or a topology file); the device list is the ids in
/// increasing order. Errors: the device count differs from the product of
/// \p meshShape, a non-positive axis size, or no assignment without
/// splitting a physical axis.
llvm::Expected<DeviceMesh>
createDeviceMeshDetailed(const Slice &slice, const Placement &devices,
                         llvm::ArrayRef<int64_t> meshShape,
                         bool allowSplitPhysicalAxes = false);

/// create_device_mesh's keyword arguments.
struct MeshUtilsOptions {
  bool allowSplitPhysicalAxes = false;
  /// The transpose trick (_TRANSPOSE_TRICKS): only for the physical shapes
  /// and mesh shapes JAX lists; an error otherwise, as in JAX.
  bool contiguousSubmeshes = false;
};

/// The same with every keyword argument. The device list is
/// \p devices.jaxListOrder() (what the v7x handler indexes) and the device
/// kind \p devices.deviceKind() (which handler answers).
llvm::Expected<DeviceMesh>
createDeviceMeshDetailed(const Slice &slice, const Placement &devices,
                         llvm::ArrayRef<int64_t> meshShape,
                         const MeshUtilsOptions &options);

/// jax.make_mesh(meshShape, names): create_device_mesh over jax.devices()
/// with allow_split_physical_axes only for the v5e device kinds.
llvm::Expected<DeviceMesh> makeMesh(const Slice &slice,
                                    const Placement &devices,
                                    llvm::ArrayRef<int64_t> meshShape);

/// The device ids of createDeviceMeshDetailed, for the slice's default
/// device assignment (Placement::defaultFor).
llvm::Expected<std::vector<int64_t>>
createDeviceMesh(const Slice &slice, llvm::ArrayRef<int64_t> meshShape,
                 bool allowSplitPhysicalAxes = false);

/// The device ids of createDeviceMeshDetailed for \p devices.
llvm::Expected<std::vector<int64_t>>
createDeviceMesh(const Slice &slice, const Placement &devices,
                 llvm::ArrayRef<int64_t> meshShape,
                 bool allowSplitPhysicalAxes = false);

/// The placement a device mesh realises, in the form placement search and
/// scoring use: logical device i (row-major mesh position i, as in an iota
/// sdy.mesh) sits on the chip and core slot where \p devices puts device
/// \p deviceIds[i]. \p deviceIds must be a permutation of the device ids.
llvm::Expected<Placement>
placementOfDeviceMesh(const Placement &devices,
                      llvm::ArrayRef<int64_t> deviceIds);

/// createDeviceMesh and placementOfDeviceMesh in one step, with the slice's
/// default device assignment unless \p devices is given.
llvm::Expected<Placement>
createDeviceMeshPlacement(const Slice &slice, llvm::ArrayRef<int64_t> meshShape,
                          bool allowSplitPhysicalAxes = false,
                          const Placement *devices = nullptr);

} // namespace aoizora

#endif // AOIZORA_BASELINES_MESHUTILS_H
