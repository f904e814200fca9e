//===- Orders.h - Logical meshes and device orders of a plan ----*- C++ -*-===//
//
// The pieces every plan is made of: the logical mesh the structured
// embeddings follow, JAX's mesh_utils order for a mesh (the baseline most
// JAX programs run with), the Python that rebuilds a planned mesh in JAX,
// and a replay of a step in the link-level simulator.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_PLAN_ORDERS_H
#define AOIZORA_PLAN_ORDERS_H

#include "AoiZora/Plan/Report.h"
#include "AoiZora/Planner/Candidates.h"
#include "AoiZora/Search/PlacementSearch.h"
#include "AoiZora/Sharding/Shardy.h"

#include <optional>

namespace aoizora::plan {

/// The logical mesh whose axes the structured embeddings follow.
struct LogicalMesh {
  llvm::SmallVector<int64_t> shape;
  llvm::SmallVector<std::string> axisNames;
  std::string note;

  /// The axes of \p mesh, with \p note.
  static LogicalMesh of(const sharding::Mesh &mesh, std::string note);
};

/// A mesh of the module and the name it is declared under.
struct NamedMesh {
  std::string name;
  sharding::Mesh mesh;
};

/// The module's mesh over all \p devices when it has one in iota order,
/// otherwise one flat axis (GSPMD-only modules, or meshes with explicit
/// device_ids, whose positions are not the logical ids).
LogicalMesh chooseLogicalMesh(llvm::ArrayRef<NamedMesh> meshes,
                              int64_t devices);

/// The first mesh of \p meshes over all \p devices with axes, or null.
const NamedMesh *meshOverAllDevices(llvm::ArrayRef<NamedMesh> meshes,
                                    int64_t devices);

/// Python that builds the planned jax.sharding.Mesh without rewriting the
/// module: mesh position k holds the device with id order[k].
std::string jaxSnippet(llvm::ArrayRef<int64_t> order, const LogicalMesh &mesh);

/// JAX's mesh_utils order for a mesh shape on the slice, as JAX users get
/// it: allow_split_physical_axes=False (JAX's and MaxDiffusion's default),
/// and True only when False refuses the shape.
struct MeshUtilsOrder {
  std::optional<Placement> placement;
  /// How it was built, or why there is none.
  std::string note;
};

/// \p meshDeviceIds: the mesh's device_ids when not iota. Placements map
/// device ids (what groups name) to chips, while mesh_utils fills mesh
/// positions: the device that the mesh puts at position p must then sit
/// where mesh_utils puts position p.
MeshUtilsOrder meshUtilsOrder(const Slice &slice, const Placement &devices,
                              llvm::ArrayRef<int64_t> meshShape,
                              llvm::ArrayRef<int64_t> meshDeviceIds = {});

/// \p positional puts mesh position p on a chip; with explicit device_ids
/// (\p meshDeviceIds) the device the mesh puts at position p must sit there.
Placement byMeshPosition(const Placement &positional,
                         llvm::ArrayRef<int64_t> meshDeviceIds);

/// A device order a JAX program may run a mesh on, or why there is none.
struct JaxOrder {
  /// "jax.devices() order" or "jax.make_mesh order".
  std::string name;
  std::optional<Placement> placement;
  std::string note;
};

/// The jax.devices() list order (Mesh(np.array(jax.devices()).reshape(...)))
/// and jax.make_mesh's order for a mesh of \p meshShape (docs/
/// topology-file.md, baselines.md). Sorted ids are the assignment itself.
llvm::SmallVector<JaxOrder, 2>
jaxOrders(const Slice &slice, const Placement &devices,
          llvm::ArrayRef<int64_t> meshShape,
          llvm::ArrayRef<int64_t> meshDeviceIds = {});

/// Communication time of \p step on \p placement in the link-level
/// simulator (lib/Sim), an independent check of the analytic model.
/// \p cost: the calibration the analytic model used, so that both models
/// pay the same fixed costs and achieved bandwidth.
llvm::Expected<double>
simulateCommunication(const Slice &slice, const Placement &placement,
                      llvm::ArrayRef<WeightedCollective> step,
                      const CostOptions &cost = {});

/// Step time of \p estimate with its communication priced at \p comm
/// under \p overlap: stage 1's schedule with every collective rescaled by
/// comm / (its communication on the module order). Without collectives to
/// rescale (communication from a compiled dump only), async cannot know
/// what overlaps and adds the two (docs/stage1.md, "Overlap").
inline double stepTime(const planner::CandidateEstimate &estimate,
                       double comm, planner::OverlapMode overlap) {
  if (estimate.commSeconds <= 0)
    return overlap == planner::OverlapMode::Full
               ? std::max(estimate.computeSeconds, comm)
               : estimate.computeSeconds + comm;
  return estimate.stepSeconds(overlap, comm / estimate.commSeconds);
}

/// Whether sigma is the identity.
bool isIdentity(llvm::ArrayRef<int64_t> sigma);

} // namespace aoizora::plan

#endif // AOIZORA_PLAN_ORDERS_H
