//===- ExplicitPlan.cpp - Placing the collectives a module spells out -----===//
//
// A partitioned module (or one whose manual computations hold explicit
// collectives) fixes its mesh: only the placement is chosen. The module
// order and JAX's mesh_utils order are the baselines and seed the search.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Plan/Plan.h"

#include "llvm/Support/FormatVariadic.h"

using llvm::ArrayRef;

namespace aoizora::plan {

llvm::SmallVector<int64_t> writtenMeshSizes(ArrayRef<NamedMesh> meshes,
                                            int64_t devices) {
  const NamedMesh *written = meshOverAllDevices(meshes, devices);
  if (!written)
    return {devices};
  llvm::SmallVector<int64_t> sizes;
  for (const sharding::MeshAxis &axis : written->mesh.axes)
    sizes.push_back(axis.size);
  return sizes;
}

llvm::Expected<std::optional<PricedStep>>
loadOwnDump(ArrayRef<std::string> hloDumps, ArrayRef<NamedMesh> meshes,
            const Slice &slice, bool allowEmpty, MessageSink sink) {
  int64_t devices = slice.numDevices();
  llvm::SmallVector<int64_t> sizes = writtenMeshSizes(meshes, devices);
  llvm::Expected<std::vector<DumpEntry>> dumps =
      parseDumpEntries(hloDumps, sizes, devices);
  if (!dumps)
    return dumps.takeError();
  const DumpEntry *own = findDump(*dumps, sizes);
  for (const DumpEntry &dump : *dumps)
    if (&dump != own)
      sink(MessageKind::Warning,
           "hlo-dump '" + dump.path +
               "' is for another candidate mesh; without "
               "az-estimate-candidates only the module's own mesh is placed, "
               "so it is not used");
  if (!own)
    return std::nullopt;
  auto dumped =
      loadDumpCollectives(own->path, slice, devices, allowEmpty, sink);
  if (!dumped)
    return dumped.takeError();
  return PricedStep{std::move(dumped->step), "compiled HLO dump " + own->path,
                    dumped->unpriced, std::move(dumped->priced)};
}

/// The ranking and the baselines, one remark each.
static void reportRanking(const Slice &slice, const ExplicitPlan &plan,
                          MessageSink sink) {
  const RankedPlacement &best = plan.best();
  for (auto [rank, entry] : llvm::enumerate(plan.result.ranked))
    sink(MessageKind::Remark,
         "placement #" + llvm::Twine(rank + 1) + ": " +
             formatSeconds(entry.score.seconds) + " (max link load " +
             formatBytes(entry.score.maxLinkBytes) + ") from " + entry.origin);
  for (const RankedPlacement &baseline : plan.baselines) {
    double ratio = best.score.seconds > 0
                       ? baseline.score.seconds / best.score.seconds
                       : 1.0;
    sink(MessageKind::Remark,
         "baseline " + baseline.origin + ": " +
             formatSeconds(baseline.score.seconds) + " (max link load " +
             formatBytes(baseline.score.maxLinkBytes) + "); the plan is " +
             llvm::formatv("{0:f2}", ratio) + "x faster on " + slice.str() +
             " (" + llvm::Twine(plan.result.evaluated) + " placements scored)");
  }
}

/// The module order and JAX's mesh_utils order, scored.
static void addBaselines(const Slice &slice, const Placement &assignment,
                         ArrayRef<NamedMesh> meshes, ExplicitPlan &plan,
                         const PlanOptions &options, MessageSink sink) {
  const std::vector<WeightedCollective> &step = plan.step.collectives;
  plan.baselines.push_back(
      {assignment, scorePlacement(slice, assignment, step, options.search.cost),
       "module order"});
  MeshUtilsOrder meshUtils = meshUtilsOrder(
      slice, assignment, writtenMeshSizes(meshes, slice.numDevices()),
      plan.writtenDeviceIds);
  if (meshUtils.placement)
    plan.baselines.push_back(
        {*meshUtils.placement,
         scorePlacement(slice, *meshUtils.placement, step, options.search.cost),
         "mesh_utils order (" + meshUtils.note + ")"});
  else {
    plan.unplaced.push_back("baseline mesh_utils order: none (" +
                            meshUtils.note + ")");
    if (options.emitRemarks)
      sink(MessageKind::Remark, plan.unplaced.back());
  }
  for (JaxOrder &order : jaxOrders(slice, assignment,
                                   writtenMeshSizes(meshes, slice.numDevices()),
                                   plan.writtenDeviceIds)) {
    if (order.placement) {
      plan.baselines.push_back(
          {*order.placement,
           scorePlacement(slice, *order.placement, step, options.search.cost),
           order.name + " (" + order.note + ")"});
    } else {
      plan.unplaced.push_back("baseline " + order.name + ": none (" +
                              order.note + ")");
      if (options.emitRemarks)
        sink(MessageKind::Remark, plan.unplaced.back());
    }
  }
}

/// The plan and the baselines replayed in the simulator.
static llvm::Error simulate(const Slice &slice, ExplicitPlan &plan,
                            const PlanOptions &options, MessageSink sink) {
  const std::vector<WeightedCollective> &step = plan.step.collectives;
  llvm::Expected<double> planned = simulateCommunication(
      slice, plan.best().placement, step, options.search.cost);
  if (!planned)
    return planned.takeError();
  plan.simulatedSeconds = *planned;
  for (const RankedPlacement &baseline : plan.baselines) {
    llvm::Expected<double> sim = simulateCommunication(
        slice, baseline.placement, step, options.search.cost);
    if (!sim)
      return sim.takeError();
    plan.simulatedBaselines.push_back(*sim);
  }
  if (options.emitRemarks)
    sink(MessageKind::Remark,
         "simulated communication of the plan: " + formatSeconds(*planned) +
             " (analytic " + formatSeconds(plan.best().score.seconds) + ")");
  return llvm::Error::success();
}

llvm::Expected<ExplicitPlan>
planExplicit(const Slice &slice, const Placement &assignment, PricedStep step,
             ArrayRef<NamedMesh> meshes, const PlanOptions &options,
             MessageSink sink) {
  int64_t devices = slice.numDevices();
  ExplicitPlan plan;
  plan.mesh = chooseLogicalMesh(meshes, devices);
  if (const NamedMesh *written = meshOverAllDevices(meshes, devices)) {
    plan.writtenMesh = LogicalMesh::of(written->mesh, "");
    plan.writtenDeviceIds = written->mesh.deviceIds;
  }
  plan.step = std::move(step);
  addBaselines(slice, assignment, meshes, plan, options, sink);
  unsigned keep = std::max(options.search.topK, 1u);
  if (options.exhaustive) {
    if (devices > 8)
      return planError("exhaustive search is limited to 8 devices (8! = "
                       "40320 placements); this module has " +
                       llvm::Twine(devices));
    plan.result = exhaustiveSearch(slice, plan.step.collectives, keep,
                                   options.search.cost);
  } else {
    plan.result =
        searchPlacements(slice, plan.mesh.shape, plan.step.collectives,
                         plan.baselines, options.search);
  }
  // The baselines compete too, so the plan is never worse than them.
  SearchResult &result = plan.result;
  for (const RankedPlacement &baseline : plan.baselines)
    if (baseline.score < result.ranked.front().score)
      result.ranked.insert(result.ranked.begin(), baseline);
  if (result.ranked.size() > keep)
    result.ranked.erase(result.ranked.begin() + keep, result.ranked.end());
  plan.sigma = relabellingFor(assignment, plan.best().placement);
  plan.lowerBoundSeconds =
      stepLowerBoundSeconds(slice, plan.step.collectives, options.search.cost);
  if (options.emitRemarks) {
    reportRanking(slice, plan, sink);
    double bound = plan.lowerBoundSeconds;
    sink(MessageKind::Remark,
         "lower bound on any placement: " + formatSeconds(bound) +
             "; the plan is " +
             llvm::formatv("{0:f2}",
                           bound > 0 ? plan.best().score.seconds / bound : 1.0)
                 .str() +
             "x the bound");
  }
  if (options.simulate)
    if (llvm::Error err = simulate(slice, plan, options, sink))
      return std::move(err);
  return plan;
}

} // namespace aoizora::plan
