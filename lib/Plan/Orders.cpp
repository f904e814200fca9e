//===- Orders.cpp - Logical meshes and device orders of a plan ------------===//

#include "AoiZora/Plan/Orders.h"

#include "AoiZora/Baselines/MeshUtils.h"
#include "AoiZora/Sim/CollectiveSim.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

using llvm::ArrayRef;

namespace aoizora::plan {

LogicalMesh LogicalMesh::of(const sharding::Mesh &mesh, std::string note) {
  LogicalMesh logical;
  for (const sharding::MeshAxis &axis : mesh.axes) {
    logical.shape.push_back(axis.size);
    logical.axisNames.push_back(axis.name);
  }
  logical.note = std::move(note);
  return logical;
}

const NamedMesh *meshOverAllDevices(ArrayRef<NamedMesh> meshes,
                                    int64_t devices) {
  for (const NamedMesh &mesh : meshes)
    if (mesh.mesh.numDevices() == devices && !mesh.mesh.axes.empty())
      return &mesh;
  return nullptr;
}

LogicalMesh chooseLogicalMesh(ArrayRef<NamedMesh> meshes, int64_t devices) {
  const NamedMesh *mesh = meshOverAllDevices(meshes, devices);
  if (!mesh)
    return {{devices}, {"devices"}, "no mesh over all devices: one flat axis"};
  if (!mesh->mesh.deviceIds.empty())
    return {{devices},
            {"devices"},
            "mesh @" + mesh->name +
                " has explicit device_ids; placements treat the devices "
                "as one flat axis"};
  return LogicalMesh::of(mesh->mesh, "axes of mesh @" + mesh->name);
}

std::string jaxSnippet(ArrayRef<int64_t> order, const LogicalMesh &mesh) {
  std::string ids, shape, names;
  llvm::raw_string_ostream idsOs(ids), shapeOs(shape), namesOs(names);
  llvm::interleave(order, idsOs, ", ");
  llvm::interleave(mesh.shape, shapeOs, ", ");
  llvm::interleave(
      mesh.axisNames, namesOs,
      [&](const std::string &n) { namesOs << "'" << n << "'"; }, ", ");
  return llvm::formatv(
             "import numpy as np\n"
             "import jax\n"
             "from jax.sharding import Mesh\n"
             "by_id = {{d.id: d for d in jax.devices()}\n"
             "order = [{0}]\n"
             "devices = np.array([by_id[i] for i in order]).reshape(({1},))\n"
             "mesh = Mesh(devices, ({2},))\n",
             ids, shape, names)
      .str();
}

MeshUtilsOrder meshUtilsOrder(const Slice &slice, const Placement &devices,
                              ArrayRef<int64_t> meshShape,
                              ArrayRef<int64_t> meshDeviceIds) {
  MeshUtilsOrder order;
  for (bool allowSplit : {false, true}) {
    llvm::Expected<DeviceMesh> mesh =
        createDeviceMeshDetailed(slice, devices, meshShape, allowSplit);
    if (!mesh) {
      std::string why = llvm::toString(mesh.takeError());
      if (order.note.empty())
        order.note = "mesh_utils refuses it: " + why;
      continue;
    }
    llvm::Expected<Placement> placement =
        placementOfDeviceMesh(devices, mesh->deviceIds);
    if (!placement) {
      order.note =
          "mesh_utils order unusable: " + llvm::toString(placement.takeError());
      return order;
    }
    order.placement = std::move(*placement);
    if (!meshDeviceIds.empty() &&
        meshDeviceIds.size() == order.placement->numDevices()) {
      llvm::SmallVector<unsigned> positionOf(meshDeviceIds.size());
      for (auto [position, id] : llvm::enumerate(meshDeviceIds))
        positionOf[id] = position;
      order.placement = order.placement->permuted(positionOf);
    }
    order.note = mesh->describe();
    if (allowSplit)
      order.note += ", needs allow_split_physical_axes=True";
    return order;
  }
  return order;
}

llvm::Expected<double>
simulateCommunication(const Slice &slice, const Placement &placement,
                      ArrayRef<WeightedCollective> step,
                      const CostOptions &cost) {
  std::vector<std::pair<CollectiveSpec, double>> program;
  for (const WeightedCollective &c : step)
    program.emplace_back(c.spec, c.count);
  sim::SimOptions options;
  options.calibration = cost.calibration;
  llvm::Expected<sim::SimResult> result =
      sim::simulateSequence(slice, placement, program, options);
  if (!result)
    return planError("the simulator cannot replay the plan: " +
                     llvm::toString(result.takeError()));
  return result->seconds;
}

bool isIdentity(ArrayRef<int64_t> sigma) {
  return llvm::all_of(llvm::enumerate(sigma), [](auto entry) {
    return entry.value() == static_cast<int64_t>(entry.index());
  });
}

} // namespace aoizora::plan
