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
    order.placement = byMeshPosition(*placement, meshDeviceIds);
    order.note = mesh->describe();
    if (allowSplit)
      order.note += ", needs allow_split_physical_axes=True";
    return order;
  }
  return order;
}

Placement byMeshPosition(const Placement &positional,
                         ArrayRef<int64_t> meshDeviceIds) {
  if (meshDeviceIds.empty() ||
      meshDeviceIds.size() != positional.numDevices())
    return positional;
  llvm::SmallVector<unsigned> positionOf(meshDeviceIds.size());
  for (auto [position, id] : llvm::enumerate(meshDeviceIds))
    positionOf[id] = position;
  return positional.permuted(positionOf);
}

llvm::SmallVector<JaxOrder, 2> jaxOrders(const Slice &slice,
                                         const Placement &devices,
                                         ArrayRef<int64_t> meshShape,
                                         ArrayRef<int64_t> meshDeviceIds) {
  llvm::SmallVector<JaxOrder, 2> orders;
  JaxOrder list{"jax.devices() order", std::nullopt, ""};
  list.placement = byMeshPosition(devices.permuted(devices.jaxListOrder()),
                                  meshDeviceIds);
  HostTile tile = hostTileFor(slice);
  list.note = devices.listOrderFromFile()
                  ? std::string("list order of the topology file")
                  : llvm::formatv("modelled list order: {0} process(es) of "
                                  "{1}x{2}x{3} chips",
                                  devices.numProcesses(), tile.extent[0],
                                  tile.extent[1], tile.extent[2])
                        .str();
  orders.push_back(std::move(list));
  JaxOrder make{"jax.make_mesh order", std::nullopt, ""};
  llvm::Expected<DeviceMesh> mesh = makeMesh(slice, devices, meshShape);
  if (!mesh) {
    make.note = "jax.make_mesh refuses it: " + llvm::toString(mesh.takeError());
  } else if (llvm::Expected<Placement> placement =
                 placementOfDeviceMesh(devices, mesh->deviceIds)) {
    make.placement = byMeshPosition(*placement, meshDeviceIds);
    make.note = "jax.make_mesh: " + mesh->describe();
  } else {
    make.note = llvm::toString(placement.takeError());
  }
  orders.push_back(std::move(make));
  return orders;
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
