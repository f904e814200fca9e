//===- Place.cpp - az-place -----------------------------------------------===//
//
// Ranks placements of the module's logical devices on the slice's chips for
// the module's explicit collectives, reports the ranking against the
// module's own order, writes a JSON plan and applies the winner through the
// device relabelling of az-apply-device-order. The search itself is plain
// C++ (AoiZoraSearch).
//
//===----------------------------------------------------------------------===//

#include "AoiZora/IR/DeviceRelabel.h"
#include "AoiZora/IR/ExplicitCollectives.h"
#include "AoiZora/IR/ModuleShardings.h"
#include "AoiZora/Passes/Passes.h"
#include "AoiZora/Passes/ReportFile.h"
#include "AoiZora/Passes/TopologyOptions.h"
#include "AoiZora/Search/PlacementSearch.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

namespace aoizora {
#define GEN_PASS_DEF_PLACE
#include "AoiZora/Passes/Passes.h.inc"
} // namespace aoizora

using namespace mlir;

namespace aoizora {

/// The logical mesh whose axes the structured embeddings follow: the
/// module's mesh over all devices when it has one in iota order, otherwise
/// one flat axis (GSPMD-only modules, or meshes with explicit device_ids,
/// whose positions are not the logical ids).
struct LogicalMesh {
  SmallVector<int64_t> shape;
  SmallVector<std::string> axisNames;
  std::string note;
};

static LogicalMesh chooseLogicalMesh(const ModuleShardings &shardings,
                                     int64_t devices) {
  for (const MeshInfo &mesh : shardings.meshes()) {
    if (mesh.mesh.numDevices() != devices || mesh.mesh.axes.empty())
      continue;
    if (!mesh.mesh.deviceIds.empty())
      return {{devices},
              {"devices"},
              "mesh @" + mesh.name +
                  " has explicit device_ids; placements treat the devices "
                  "as one flat axis"};
    LogicalMesh logical;
    for (const sharding::MeshAxis &axis : mesh.mesh.axes) {
      logical.shape.push_back(axis.size);
      logical.axisNames.push_back(axis.name);
    }
    logical.note = "axes of mesh @" + mesh.name;
    return logical;
  }
  return {{devices}, {"devices"}, "no mesh over all devices: one flat axis"};
}

/// Python that builds the planned jax.sharding.Mesh without rewriting the
/// module: mesh position k holds the device with id order[k].
static std::string jaxSnippet(ArrayRef<int64_t> order,
                              const LogicalMesh &mesh) {
  std::string ids, shape, names;
  llvm::raw_string_ostream idsOs(ids), shapeOs(shape), namesOs(names);
  llvm::interleave(order, idsOs, ", ");
  llvm::interleave(mesh.shape, shapeOs, ", ");
  llvm::interleave(mesh.axisNames, namesOs,
                   [&](const std::string &n) { namesOs << "'" << n << "'"; },
                   ", ");
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

namespace {
struct PlacePass : public impl::PlaceBase<PlacePass> {
  using Base::Base;

  void runOnOperation() override;

private:
  void report(ModuleOp module, const Slice &slice, const SearchResult &result,
              const RankedPlacement &baseline);
  llvm::json::Value plan(const Slice &slice, const Placement &assignment,
                         const SearchResult &result,
                         const RankedPlacement &baseline,
                         ArrayRef<int64_t> sigma, const LogicalMesh &mesh);
};
} // namespace

void PlacePass::report(ModuleOp module, const Slice &slice,
                       const SearchResult &result,
                       const RankedPlacement &baseline) {
  const RankedPlacement &best = result.ranked.front();
  for (auto [rank, entry] : llvm::enumerate(result.ranked))
    emitRemark(module.getLoc()) << "placement #" << rank + 1 << ": "
                        << formatSeconds(entry.score.seconds)
                        << " (max link load "
                        << formatBytes(entry.score.maxLinkBytes) << ") from "
                        << entry.origin;
  double ratio = best.score.seconds > 0
                     ? baseline.score.seconds / best.score.seconds
                     : 1.0;
  emitRemark(module.getLoc()) << "baseline " << baseline.origin << ": "
                      << formatSeconds(baseline.score.seconds)
                      << " (max link load "
                      << formatBytes(baseline.score.maxLinkBytes)
                      << "); the plan is " << llvm::formatv("{0:f2}", ratio)
                      << "x faster on " << slice.str() << " ("
                      << result.evaluated << " placements scored)";
}

llvm::json::Value PlacePass::plan(const Slice &slice,
                                  const Placement &assignment,
                                  const SearchResult &result,
                                  const RankedPlacement &baseline,
                                  ArrayRef<int64_t> sigma,
                                  const LogicalMesh &mesh) {
  const Placement &best = result.ranked.front().placement;
  llvm::json::Array placement;
  for (unsigned i = 0; i < best.numDevices(); ++i) {
    ChipCoords c = slice.coordsOf(best.chipOf(i));
    placement.push_back(llvm::json::Object{
        {"logical_id", i},
        {"device_id", sigma[i]},
        {"coords", llvm::json::Array(ArrayRef<int>(c.data(), slice.numDims()))},
        {"core_on_chip", best.slotOf(i)}});
  }
  llvm::json::Array ranking;
  for (const RankedPlacement &entry : result.ranked)
    ranking.push_back(llvm::json::Object{
        {"origin", entry.origin},
        {"seconds", entry.score.seconds},
        {"max_link_bytes", entry.score.maxLinkBytes}});
  (void)assignment;
  return llvm::json::Object{
      {"topology", slice.str()},
      {"num_devices", slice.numDevices()},
      {"collective_source", "explicit collectives in the module"},
      {"logical_mesh",
       llvm::json::Object{{"shape", llvm::json::Array(mesh.shape)},
                          {"axes", llvm::json::Array(mesh.axisNames)},
                          {"note", mesh.note}}},
      {"device_order", llvm::json::Array(sigma)},
      {"placement", std::move(placement)},
      {"modeled_seconds", result.ranked.front().score.seconds},
      {"baselines",
       llvm::json::Array{llvm::json::Object{
           {"name", baseline.origin},
           {"seconds", baseline.score.seconds},
           {"max_link_bytes", baseline.score.maxLinkBytes}}}},
      {"ranking", std::move(ranking)},
      {"placements_scored", result.evaluated},
      {"jax_mesh_snippet", jaxSnippet(sigma, mesh)}};
}

void PlacePass::runOnOperation() {
  ModuleOp module = getOperation();
  FailureOr<ModuleShardings> shardings = ModuleShardings::build(module);
  if (failed(shardings))
    return signalPassFailure();
  int64_t devices = shardings->deviceCount();
  FailureOr<Slice> slice =
      parseTopologyOption(module, "az-place", topology, devices);
  if (failed(slice))
    return signalPassFailure();
  FailureOr<Placement> assignment =
      loadDeviceAssignment(module, *slice, topologyFile);
  if (failed(assignment))
    return signalPassFailure();
  auto explicitCollectives = collectExplicitCollectives(module, devices);
  if (failed(explicitCollectives))
    return signalPassFailure();
  if (explicitCollectives->empty()) {
    module.emitError() << "az-place found no explicit collectives to place: "
                          "it needs a partitioned module or one whose "
                          "sdy.manual_computation bodies hold the "
                          "collectives";
    return signalPassFailure();
  }
  std::vector<WeightedCollective> step;
  for (const ExplicitCollective &c : *explicitCollectives) {
    if (llvm::Error err = verifyCollective(*slice, c.spec)) {
      c.op->emitError() << "cannot price this collective: "
                        << llvm::toString(std::move(err));
      return signalPassFailure();
    }
    step.push_back(WeightedCollective{c.spec, 1});
  }

  LogicalMesh mesh = chooseLogicalMesh(*shardings, devices);
  RankedPlacement baseline{*assignment,
                           scorePlacement(*slice, *assignment, step),
                           "module order"};
  SearchResult result;
  if (exhaustive) {
    if (devices > 8) {
      module.emitError() << "exhaustive search is limited to 8 devices (8! = "
                            "40320 placements); this module has "
                         << devices;
      return signalPassFailure();
    }
    result = exhaustiveSearch(*slice, step, std::max(topK.getValue(), 1u));
  } else {
    SearchOptions options;
    options.topK = std::max(topK.getValue(), 1u);
    options.localSearchEvaluations = searchEvaluations;
    options.localSearchSeconds = searchSeconds;
    result = searchPlacements(*slice, mesh.shape, step, {baseline}, options);
  }
  // The module order competes too, so the plan is never worse than it.
  if (baseline.score < result.ranked.front().score)
    result.ranked.insert(result.ranked.begin(), baseline);

  SmallVector<int64_t> sigma =
      relabellingFor(*assignment, result.ranked.front().placement);
  if (emitRemarks)
    report(module, *slice, result, baseline);
  if (!planFile.empty() &&
      failed(writeJSONReport(
          module, planFile,
          plan(*slice, *assignment, result, baseline, sigma, mesh))))
    return signalPassFailure();
  if (!apply)
    return markAllAnalysesPreserved();
  bool identity = llvm::all_of(llvm::enumerate(sigma), [](auto entry) {
    return entry.value() == static_cast<int64_t>(entry.index());
  });
  if (identity)
    return markAllAnalysesPreserved();
  if (failed(checkRelabellingIsSafe(module, *shardings)) ||
      failed(applyDevicePermutation(*shardings, sigma)))
    return signalPassFailure();
}

} // namespace aoizora
