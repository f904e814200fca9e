//===- Place.cpp - az-place -----------------------------------------------===//
//
// Ranks placements of the module's logical devices on the slice's chips for
// the module's explicit collectives, reports the ranking against the
// module's own order, writes a JSON plan and applies the winner through the
// device relabelling of az-apply-device-order. The search itself is plain
// C++ (AoiZoraSearch).
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Baselines/MeshUtils.h"
#include "AoiZora/Cost/AlphaBeta.h"
#include "AoiZora/HloImport/HloImport.h"
#include "AoiZora/IR/DeviceRelabel.h"
#include "AoiZora/IR/ExplicitCollectives.h"
#include "AoiZora/IR/ModuleShardings.h"
#include "AoiZora/IR/TensorGraph.h"
#include "AoiZora/Passes/Passes.h"
#include "AoiZora/Passes/ReportFile.h"
#include "AoiZora/Passes/TopologyOptions.h"
#include "AoiZora/Planner/Candidates.h"
#include "AoiZora/Planner/Propagation.h"
#include "AoiZora/Search/PlacementSearch.h"
#include "AoiZora/Sim/CollectiveSim.h"

#include "mlir/IR/Threading.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

namespace aoizora {
#define GEN_PASS_DEF_PLACE
#include "AoiZora/Passes/Passes.h.inc"
} // namespace aoizora

using namespace mlir;

namespace aoizora {

/// The stage-1 table az-prune-candidates leaves for this pass.
static constexpr llvm::StringLiteral kCandidatesAttr = "aoizora.candidates";

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

namespace {
/// The ids in an HLO collective's groups: replica ids, partition ids or
/// flattened ids, by XLA's CollectiveOpGroupMode.
struct GroupIds {
  hlo::CollectiveGroupMode mode;
  int64_t replicas, partitions;

  /// How many ids the mode has.
  int64_t limit() const {
    using Mode = hlo::CollectiveGroupMode;
    if (mode == Mode::CrossPartition)
      return partitions;
    if (mode == Mode::FlattenedId)
      return replicas * partitions;
    return replicas;
  }

  /// The devices a group of these ids stands for, as flattened ids
  /// (replica * partitions + partition): one list per concurrent copy of the
  /// group (per partition for cross-replica groups, per replica for
  /// cross-partition ones).
  std::vector<std::vector<int64_t>> expand(ArrayRef<int64_t> group) const {
    using Mode = hlo::CollectiveGroupMode;
    std::vector<std::vector<int64_t>> out;
    switch (mode) {
    case Mode::CrossReplica:
      for (int64_t p = 0; p < partitions; ++p) {
        out.emplace_back();
        for (int64_t r : group)
          out.back().push_back(r * partitions + p);
      }
      break;
    case Mode::CrossPartition:
      for (int64_t r = 0; r < replicas; ++r) {
        out.emplace_back();
        for (int64_t p : group)
          out.back().push_back(r * partitions + p);
      }
      break;
    case Mode::CrossReplicaAndPartition:
      out.emplace_back();
      for (int64_t r : group)
        for (int64_t p = 0; p < partitions; ++p)
          out.back().push_back(r * partitions + p);
      break;
    case Mode::FlattenedId:
      out.emplace_back(group.begin(), group.end());
      break;
    }
    return out;
  }
};
} // namespace

/// The collectives of a compiled XLA HLO dump, over the module's
/// \p numDevices logical devices. The importer's warnings (lines it could
/// not read, loops without a known trip count) are reported, not dropped.
static FailureOr<std::vector<WeightedCollective>>
loadDumpCollectives(ModuleOp module, StringRef path, const Slice &slice,
                    int64_t numDevices) {
  llvm::Expected<hlo::HloImportResult> dump = hlo::importHloFile(path);
  if (!dump)
    return module.emitError() << "cannot import HLO dump '" << path
                              << "': " << llvm::toString(dump.takeError());
  for (const std::string &warning : dump->warnings)
    module.emitWarning() << "HLO dump '" << path << "': " << warning;
  int64_t dumpDevices = dump->numPartitions * dump->replicaCount;
  if (dumpDevices != numDevices)
    return module.emitError()
           << "HLO dump '" << path << "' runs on " << dumpDevices
           << " devices (num_partitions x replica_count) but the module on "
           << numDevices;
  // Device d of the module is XLA's flattened id: replica * P + partition.
  const int64_t replicas = dump->replicaCount;
  const int64_t partitions = dump->numPartitions;
  std::vector<WeightedCollective> step;
  for (const hlo::ImportedCollective &c : dump->collectives) {
    if (c.count == 0)
      continue;
    auto fail = [&](const Twine &why) {
      return module.emitError() << "HLO dump '" << path << "' line " << c.line
                                << ": '" << c.instructionName << "' " << why;
    };
    if (!c.devicesKnown)
      return fail("has device groups that could not be read (see the "
                  "warning), so it cannot be priced");
    if (c.bytesPerDevice < 0)
      return fail("has an unknown size, so it cannot be priced");
    GroupIds ids{c.groupMode, replicas, partitions};
    int64_t idLimit = ids.limit();
    auto inRange = [&](int64_t id) { return id >= 0 && id < idLimit; };
    WeightedCollective w;
    w.spec.kind = c.kind;
    w.spec.bytes = static_cast<double>(c.bytesPerDevice);
    w.count = static_cast<double>(c.count);
    for (auto [source, target] : c.pairs) {
      if (!inRange(source) || !inRange(target))
        return fail("has a source-target pair outside its " + Twine(idLimit) +
                    " ids");
      // A pair is a group of two: each copy of it is one flattened pair.
      for (const std::vector<int64_t> &pair : ids.expand({source, target})) {
        if (pair.size() != 2)
          return fail("pairs devices in a group mode that spans partitions");
        w.spec.pairs.emplace_back(unsigned(pair[0]), unsigned(pair[1]));
      }
    }
    bool moves = !w.spec.pairs.empty();
    for (const std::vector<int64_t> &group : c.groups) {
      for (int64_t id : group)
        if (!inRange(id))
          return fail("names id " + Twine(id) + " outside its " +
                      Twine(idLimit) + " ids");
      for (const std::vector<int64_t> &members : ids.expand(group)) {
        w.spec.groups.emplace_back(members.begin(), members.end());
        moves |= members.size() > 1;
      }
    }
    // Groups of one device (a cross-replica op with one replica, as JAX
    // compiles) move nothing.
    if (!moves)
      continue;
    if (llvm::Error err = verifyCollective(slice, w.spec))
      return fail(llvm::toString(std::move(err)));
    step.push_back(std::move(w));
  }
  return step;
}

/// One `hlo-dump` entry: a compiled dump and the candidate mesh it was
/// compiled for (no sizes: the module's own mesh).
struct DumpEntry {
  SmallVector<int64_t> sizes;
  std::string path;
};

/// Reads `SIZES=PATH` or `PATH`. SIZES is `AxB...`, one size per mesh axis
/// in the mesh's order; anything else before '=' is part of the path.
static FailureOr<std::vector<DumpEntry>>
parseDumpEntries(ModuleOp module, ArrayRef<std::string> entries,
                 ArrayRef<int64_t> moduleSizes, int64_t numDevices) {
  std::vector<DumpEntry> parsed;
  for (StringRef entry : entries) {
    DumpEntry dump;
    auto [head, tail] = entry.split('=');
    SmallVector<StringRef> fields;
    head.split(fields, 'x');
    auto isNumber = [](StringRef field) {
      return !field.empty() &&
             llvm::all_of(field, [](char c) { return llvm::isDigit(c); });
    };
    bool isSizes = entry.contains('=') && llvm::all_of(fields, isNumber);
    if (!isSizes) {
      dump.path = entry.str();
      dump.sizes.assign(moduleSizes.begin(), moduleSizes.end());
    } else {
      dump.path = tail.str();
      int64_t product = 1;
      for (StringRef field : fields) {
        int64_t size = 0;
        if (field.getAsInteger(10, size) || size <= 0 || size > numDevices)
          return module.emitError()
                 << "hlo-dump '" << entry << "': axis size '" << field
                 << "' is not a positive size of at most " << numDevices;
        dump.sizes.push_back(size);
        product *= size;
      }
      if (dump.sizes.size() != moduleSizes.size() || product != numDevices)
        return module.emitError()
               << "hlo-dump '" << entry << "': a candidate needs "
               << moduleSizes.size() << " axis sizes whose product is "
               << numDevices;
    }
    if (dump.path.empty())
      return module.emitError() << "hlo-dump '" << entry << "' names no file";
    for (const DumpEntry &earlier : parsed)
      if (earlier.sizes == dump.sizes)
        return module.emitError()
               << "hlo-dump gives two dumps for one candidate: '"
               << earlier.path << "' and '" << dump.path << "'";
    parsed.push_back(std::move(dump));
  }
  return parsed;
}

static const DumpEntry *findDump(ArrayRef<DumpEntry> dumps,
                                 ArrayRef<int64_t> sizes) {
  for (const DumpEntry &dump : dumps)
    if (ArrayRef<int64_t>(dump.sizes) == sizes)
      return &dump;
  return nullptr;
}

namespace {
/// JAX's mesh_utils order for a mesh shape on the slice, as JAX users get
/// it: allow_split_physical_axes=False (JAX's and MaxDiffusion's default),
/// and True only when False refuses the shape.
struct MeshUtilsOrder {
  std::optional<Placement> placement;
  /// How it was built, or why there is none.
  std::string note;
};

} // namespace

/// \p meshDeviceIds: the mesh's device_ids when not iota. Placements here
/// map device ids (what groups name) to chips, while mesh_utils fills mesh
/// positions: the device that the mesh puts at position p must then sit
/// where mesh_utils puts position p.
static MeshUtilsOrder meshUtilsOrder(const Slice &slice,
                                     const Placement &devices,
                                     ArrayRef<int64_t> meshShape,
                                     ArrayRef<int64_t> meshDeviceIds = {}) {
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
      SmallVector<unsigned> positionOf(meshDeviceIds.size());
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

/// Communication time of \p step on \p placement in the link-level
/// simulator (lib/Sim), an independent check of the analytic model.
static FailureOr<double> simulateComm(ModuleOp module, const Slice &slice,
                                      const Placement &placement,
                                      ArrayRef<WeightedCollective> step) {
  std::vector<std::pair<CollectiveSpec, double>> program;
  for (const WeightedCollective &c : step)
    program.emplace_back(c.spec, c.count);
  llvm::Expected<sim::SimResult> result =
      sim::simulateSequence(slice, placement, program);
  if (!result)
    return module.emitError() << "the simulator cannot replay the plan: "
                              << llvm::toString(result.takeError());
  return result->seconds;
}

namespace {
struct PlacePass : public impl::PlaceBase<PlacePass> {
  using Base::Base;

  void runOnOperation() override;

private:
  SearchOptions searchOptions() const {
    SearchOptions options;
    options.topK = std::max(topK.getValue(), 1u);
    options.localSearchEvaluations = searchEvaluations;
    options.localSearchSeconds = searchSeconds;
    options.localSearchStall = searchStall;
    return options;
  }
  LogicalResult placeCandidates(ModuleOp module,
                                const ModuleShardings &shardings,
                                const Slice &slice, const Placement &assignment,
                                DictionaryAttr table);
  void report(ModuleOp module, const Slice &slice, const SearchResult &result,
              ArrayRef<RankedPlacement> baselines);
  llvm::json::Value plan(const Slice &slice, const Placement &assignment,
                         const SearchResult &result,
                         ArrayRef<RankedPlacement> baselines,
                         ArrayRef<int64_t> sigma, const LogicalMesh &mesh,
                         StringRef source);
};
} // namespace

void PlacePass::report(ModuleOp module, const Slice &slice,
                       const SearchResult &result,
                       ArrayRef<RankedPlacement> baselines) {
  const RankedPlacement &best = result.ranked.front();
  for (auto [rank, entry] : llvm::enumerate(result.ranked))
    emitRemark(module.getLoc())
        << "placement #" << rank + 1 << ": "
        << formatSeconds(entry.score.seconds) << " (max link load "
        << formatBytes(entry.score.maxLinkBytes) << ") from " << entry.origin;
  for (const RankedPlacement &baseline : baselines) {
    double ratio = best.score.seconds > 0
                       ? baseline.score.seconds / best.score.seconds
                       : 1.0;
    emitRemark(module.getLoc())
        << "baseline " << baseline.origin << ": "
        << formatSeconds(baseline.score.seconds) << " (max link load "
        << formatBytes(baseline.score.maxLinkBytes) << "); the plan is "
        << llvm::formatv("{0:f2}", ratio) << "x faster on " << slice.str()
        << " (" << result.evaluated << " placements scored)";
  }
}

llvm::json::Value PlacePass::plan(const Slice &slice,
                                  const Placement &assignment,
                                  const SearchResult &result,
                                  ArrayRef<RankedPlacement> baselines,
                                  ArrayRef<int64_t> sigma,
                                  const LogicalMesh &mesh, StringRef source) {
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
    ranking.push_back(
        llvm::json::Object{{"origin", entry.origin},
                           {"seconds", entry.score.seconds},
                           {"max_link_bytes", entry.score.maxLinkBytes}});
  (void)assignment;
  llvm::json::Array baselineArray;
  for (const RankedPlacement &baseline : baselines)
    baselineArray.push_back(
        llvm::json::Object{{"name", baseline.origin},
                           {"seconds", baseline.score.seconds},
                           {"max_link_bytes", baseline.score.maxLinkBytes}});
  return llvm::json::Object{
      {"topology", slice.str()},
      {"num_devices", slice.numDevices()},
      {"collective_source", source},
      {"logical_mesh",
       llvm::json::Object{{"shape", llvm::json::Array(mesh.shape)},
                          {"axes", llvm::json::Array(mesh.axisNames)},
                          {"note", mesh.note}}},
      {"device_order", llvm::json::Array(sigma)},
      {"placement", std::move(placement)},
      {"modeled_seconds", result.ranked.front().score.seconds},
      {"baselines", std::move(baselineArray)},
      {"ranking", std::move(ranking)},
      {"placements_scored", result.evaluated},
      {"jax_mesh_snippet", jaxSnippet(sigma, mesh)}};
}

void PlacePass::runOnOperation() {
  ModuleOp module = getOperation();
  if (searchSeconds < 0) {
    module.emitError() << "az-place: search-seconds must be >= 0 (0: no "
                          "wall-clock bound), got "
                       << searchSeconds;
    return signalPassFailure();
  }
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
  // After az-estimate-candidates / az-prune-candidates: place the survivors.
  if (auto table = module->getAttrOfType<DictionaryAttr>(kCandidatesAttr)) {
    if (failed(placeCandidates(module, *shardings, *slice, *assignment, table)))
      signalPassFailure();
    return;
  }
  LogicalMesh mesh = chooseLogicalMesh(*shardings, devices);
  // The module's mesh over all devices as written (axis sizes and
  // device_ids), which dumps and mesh_utils refer to even when the search
  // treats the devices as one flat axis.
  SmallVector<int64_t> meshSizes(mesh.shape);
  SmallVector<int64_t> meshDeviceIds;
  LogicalMesh writtenMesh;
  for (const MeshInfo &info : shardings->meshes())
    if (info.mesh.numDevices() == devices && !info.mesh.axes.empty()) {
      meshSizes.clear();
      for (const sharding::MeshAxis &axis : info.mesh.axes) {
        meshSizes.push_back(axis.size);
        writtenMesh.shape.push_back(axis.size);
        writtenMesh.axisNames.push_back(axis.name);
      }
      meshDeviceIds.assign(info.mesh.deviceIds.begin(),
                           info.mesh.deviceIds.end());
      break;
    }
  FailureOr<std::vector<DumpEntry>> dumps =
      parseDumpEntries(module, hloDumps, meshSizes, devices);
  if (failed(dumps))
    return signalPassFailure();
  // Without stage 1 only the module's own mesh is placed.
  const DumpEntry *ownDump = findDump(*dumps, meshSizes);
  for (const DumpEntry &dump : *dumps)
    if (&dump != ownDump)
      module.emitWarning() << "hlo-dump '" << dump.path
                           << "' is for another candidate mesh; without "
                              "az-estimate-candidates only the module's own "
                              "mesh is placed, so it is not used";
  std::vector<WeightedCollective> step;
  std::string source = "explicit collectives in the module";
  if (ownDump) {
    auto dumped = loadDumpCollectives(module, ownDump->path, *slice, devices);
    if (failed(dumped))
      return signalPassFailure();
    step = std::move(*dumped);
    source = "compiled HLO dump " + ownDump->path;
  }
  auto explicitCollectives = collectExplicitCollectives(module, devices);
  if (failed(explicitCollectives))
    return signalPassFailure();
  if (!ownDump && explicitCollectives->empty()) {
    module.emitError() << "az-place found no explicit collectives to place: "
                          "it needs a partitioned module or one whose "
                          "sdy.manual_computation bodies hold the "
                          "collectives";
    return signalPassFailure();
  }
  llvm::SmallPtrSet<Operation *, 4> warnedLoops;
  for (const ExplicitCollective &c : !ownDump
                                         ? ArrayRef(*explicitCollectives)
                                         : ArrayRef<ExplicitCollective>()) {
    if (llvm::Error err = verifyCollective(*slice, c.spec)) {
      c.op->emitError() << "cannot price this collective: "
                        << llvm::toString(std::move(err));
      return signalPassFailure();
    }
    // A collective inside constant loops runs once per trip, as stage 1
    // and the HLO import count it.
    double count = 1;
    for (Operation *parent = c.op->getParentOp(); parent;
         parent = parent->getParentOp()) {
      if (parent->getName().getStringRef() != "stablehlo.while")
        continue;
      if (std::optional<int64_t> trips = constantTripCount(parent)) {
        count *= double(*trips);
      } else if (warnedLoops.insert(parent).second) {
        parent->emitWarning()
            << "az-place cannot tell how often this loop runs; the "
               "collectives in it are counted once";
      }
    }
    step.push_back(WeightedCollective{c.spec, count});
  }

  std::vector<RankedPlacement> baselines{
      {*assignment, scorePlacement(*slice, *assignment, step), "module order"}};
  MeshUtilsOrder meshUtils =
      meshUtilsOrder(*slice, *assignment, meshSizes, meshDeviceIds);
  if (meshUtils.placement)
    baselines.push_back({*meshUtils.placement,
                         scorePlacement(*slice, *meshUtils.placement, step),
                         "mesh_utils order (" + meshUtils.note + ")"});
  else if (emitRemarks)
    emitRemark(module.getLoc())
        << "baseline mesh_utils order: none (" << meshUtils.note << ")";
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
    result =
        searchPlacements(*slice, mesh.shape, step, baselines, searchOptions());
  }
  // The baselines compete too, so the plan is never worse than them.
  for (const RankedPlacement &baseline : baselines)
    if (baseline.score < result.ranked.front().score)
      result.ranked.insert(result.ranked.begin(), baseline);
  if (result.ranked.size() > std::max(topK.getValue(), 1u))
    result.ranked.erase(result.ranked.begin() + std::max(topK.getValue(), 1u),
                        result.ranked.end());

  SmallVector<int64_t> sigma =
      relabellingFor(*assignment, result.ranked.front().placement);
  if (emitRemarks)
    report(module, *slice, result, baselines);
  // The plan and the baselines replayed in the simulator.
  std::optional<double> simulatedPlan;
  SmallVector<double> simulatedBaselines;
  if (simulate) {
    FailureOr<double> planned =
        simulateComm(module, *slice, result.ranked.front().placement, step);
    if (failed(planned))
      return signalPassFailure();
    simulatedPlan = *planned;
    for (const RankedPlacement &baseline : baselines) {
      FailureOr<double> sim =
          simulateComm(module, *slice, baseline.placement, step);
      if (failed(sim))
        return signalPassFailure();
      simulatedBaselines.push_back(*sim);
    }
    if (emitRemarks)
      emitRemark(module.getLoc())
          << "simulated communication of the plan: "
          << formatSeconds(*simulatedPlan) << " (analytic "
          << formatSeconds(result.ranked.front().score.seconds) << ")";
  }
  if (!planFile.empty()) {
    llvm::json::Value report =
        plan(*slice, *assignment, result, baselines, sigma, mesh, source);
    llvm::json::Object &root = *report.getAsObject();
    // With explicit device_ids the search saw one flat axis, but JAX needs
    // the mesh as written: position p holds the planned device of the id
    // the mesh puts there.
    if (!meshDeviceIds.empty()) {
      SmallVector<int64_t> order;
      for (int64_t id : meshDeviceIds)
        order.push_back(sigma[id]);
      root["jax_mesh_snippet"] = jaxSnippet(order, writtenMesh);
    }
    if (simulatedPlan) {
      root["simulated_seconds"] = *simulatedPlan;
      llvm::json::Array &entries = *root.getArray("baselines");
      for (auto [entry, sim] : llvm::zip(entries, simulatedBaselines))
        (*entry.getAsObject())["simulated_seconds"] = sim;
    }
    if (failed(writeJSONReport(module, planFile, std::move(report))))
      return signalPassFailure();
  }
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

//===----------------------------------------------------------------------===//
// Placing the survivors of stage 1
//===----------------------------------------------------------------------===//

namespace aoizora {

using namespace planner;

namespace {
/// One surviving candidate mesh with its best placement.
struct Baseline {
  std::string name;
  std::string label;
  double seconds = 0;
  double commSeconds = 0;
  std::optional<double> simulatedCommSeconds;
  std::string note;
};

struct PlacedCandidate {
  CandidateEstimate estimate;
  RankedPlacement best;
  /// What priced its collectives.
  std::string source;
  /// Step time with the communication priced on `best`.
  double stepSeconds = 0;
  /// Communication priced on the module's device order.
  double moduleOrderCommSeconds = 0;
  /// The collectives `best` was scored with.
  std::vector<WeightedCollective> collectives;
  uint64_t evaluated = 0;
  MeshUtilsOrder meshUtils;
  /// The best placements found for it, best first (`best` is the first).
  SmallVector<RankedPlacement> topPlacements;
};
} // namespace

/// The step's collectives for a candidate, as the cost model takes them.
static std::vector<WeightedCollective>
stepCollectives(const CandidateEstimate &estimate,
                const sharding::Mesh &candidateMesh) {
  std::vector<WeightedCollective> step;
  for (const CollectiveUse &use : estimate.collectives) {
    if (use.kind == ReshardKind::LocalSlice || use.count <= 0 ||
        (!use.writtenSpec && use.groupSize <= 1))
      continue;
    WeightedCollective c;
    c.spec = specOfUse(use, candidateMesh);
    c.spec.bytes = use.bytes / use.count;
    c.count = use.count;
    step.push_back(std::move(c));
  }
  return step;
}

/// Step time: compute plus communication, or their maximum with overlap.
static double stepTime(double compute, double comm, bool overlap) {
  return overlap ? std::max(compute, comm) : compute + comm;
}

/// Whether the module's mesh may take other axis sizes: only when nothing
/// else in the module spells out devices or per-device shapes (HLO strings,
/// explicit collectives, manual computations, inline meshes).
static std::string whyMeshIsFixed(ModuleOp module,
                                  const ModuleShardings &shardings) {
  for (const ShardingSite &site : shardings.sites()) {
    if (site.kind == SiteKind::HloSharding &&
        !StringRef(site.ref.getText()).trim().empty())
      return "it has mhlo.sharding strings";
    if (site.kind == SiteKind::ReplicaGroups ||
        site.kind == SiteKind::SourceTargetPairs)
      return "it has explicit collectives";
    if (site.kind == SiteKind::SdyMeshDict)
      return "its meshes are in the round-trip form";
  }
  for (const ValueSharding &value : shardings.values())
    if (!value.sdyText.empty() && value.meshName.empty())
      return "it has inline meshes";
  WalkResult manual = module.walk([](Operation *op) {
    return op->getName().getStringRef() == "sdy.manual_computation"
               ? WalkResult::interrupt()
               : WalkResult::advance();
  });
  if (manual.wasInterrupted())
    return "its manual computations have per-device shapes";
  return "";
}

LogicalResult PlacePass::placeCandidates(ModuleOp module,
                                         const ModuleShardings &shardings,
                                         const Slice &slice,
                                         const Placement &assignment,
                                         DictionaryAttr table) {
  auto survivors = table.getAs<ArrayAttr>("survivors");
  if (!survivors)
    return module.emitError() << "'" << kCandidatesAttr
                              << "' lists no surviving candidates; run "
                                 "az-estimate-candidates and "
                                 "az-prune-candidates first";
  if (survivors.empty())
    return module.emitError()
           << "stage 1 rejected every candidate mesh, so there is nothing to "
              "place; az-estimate-candidates' remarks (az-plan verbose=true) "
              "say why: for memory, check-memory=false; for indivisible "
              "dimensions, allow-padding=true";
  FailureOr<TensorGraphBuild> build = buildTensorGraph(module, shardings);
  if (failed(build))
    return failure();
  TensorGraph &graph = build->graph;
  PropagationResult propagation = propagate(graph);
  int64_t devices = slice.numDevices();
  // Estimate as az-estimate-candidates did, so that rejections agree.
  EstimateOptions estimateOptions;
  if (auto carried = table.getAs<DictionaryAttr>("estimate_options")) {
    if (auto overlap = carried.getAs<StringAttr>("overlap"))
      estimateOptions.overlap = overlap.getValue() == "full";
    if (auto check = carried.getAs<BoolAttr>("check_memory"))
      estimateOptions.checkMemory = check.getValue();
    if (auto padding = carried.getAs<BoolAttr>("allow_padding"))
      estimateOptions.allowPadding = padding.getValue();
  }

  // Every candidate is estimated on the module order: the survivors to place,
  // the module's own mesh and the choice of a topology-oblivious planner as
  // baselines.
  std::vector<Candidate> candidates = candidatesOf(graph, devices);
  std::vector<CandidateEstimate> all(candidates.size());
  mlir::parallelFor(module.getContext(), 0, candidates.size(), [&](size_t i) {
    all[i] = estimateCandidate(graph, propagation, candidates[i], slice,
                               assignment, estimateOptions);
  });
  auto findEstimate =
      [&](ArrayRef<int64_t> sizes) -> const CandidateEstimate * {
    for (const CandidateEstimate &e : all)
      if (ArrayRef<int64_t>(e.candidate.sizes) == sizes)
        return &e;
    return nullptr;
  };

  std::string fixedReason = whyMeshIsFixed(module, shardings);
  SmallVector<int64_t> moduleSizes;
  for (const sharding::MeshAxis &axis : graph.mesh.axes)
    moduleSizes.push_back(axis.size);
  FailureOr<std::vector<DumpEntry>> dumps =
      parseDumpEntries(module, hloDumps, moduleSizes, devices);
  if (failed(dumps))
    return failure();
  llvm::SmallPtrSet<const DumpEntry *, 4> usedDumps;
  // The collectives that price a candidate: its compiled dump when the user
  // gave one (what XLA actually inserted), else those stage 1 derived.
  auto collectivesOf = [&](const CandidateEstimate &estimate)
      -> FailureOr<std::pair<std::vector<WeightedCollective>, std::string>> {
    const DumpEntry *dump = findDump(*dumps, estimate.candidate.sizes);
    if (!dump)
      return std::make_pair(
          stepCollectives(estimate, estimate.candidate.toMesh(graph.mesh)),
          std::string("derived by stage 1 from the module's shardings"));
    auto dumped = loadDumpCollectives(module, dump->path, slice, devices);
    if (failed(dumped))
      return failure();
    usedDumps.insert(dump);
    return std::make_pair(std::move(*dumped),
                          "compiled HLO dump " + dump->path);
  };
  // The candidate a topology-oblivious planner picks: the best step under
  // the per-axis alpha-beta model, which knows no placement. It chooses
  // among the meshes the plan may take: only the module's own when the
  // mesh keeps its axis sizes.
  AlphaBetaAxis axis = AlphaBetaAxis::forChip(slice.chip());
  const CandidateEstimate *oblivious = nullptr;
  double obliviousScore = 0;
  for (const CandidateEstimate &e : all) {
    if (e.rejected ||
        (!fixedReason.empty() && ArrayRef<int64_t>(e.candidate.sizes) !=
                                     ArrayRef<int64_t>(moduleSizes)))
      continue;
    double comm = 0;
    for (const CollectiveUse &use : e.collectives)
      if (use.kind != ReshardKind::LocalSlice && use.count > 0)
        comm += use.count *
                alphaBetaSeconds(use.writtenSpec ? use.writtenSpec->kind
                                                 : toCollectiveKind(use.kind),
                                 use.bytes / use.count, use.groupSize, axis);
    double score = stepTime(e.computeSeconds, comm, estimateOptions.overlap);
    if (!oblivious || score < obliviousScore) {
      oblivious = &e;
      obliviousScore = score;
    }
  }
  const CandidateEstimate *own = findEstimate(moduleSizes);

  // What gets placed: the survivors of pruning, plus the candidates the
  // baselines name (so that the plan is searched over at least what each
  // baseline runs and can never be slower than it under the model).
  SmallVector<const CandidateEstimate *> toPlace;
  auto addToPlace = [&](const CandidateEstimate *estimate) {
    if (!llvm::is_contained(toPlace, estimate))
      toPlace.push_back(estimate);
  };
  for (Attribute entry : survivors) {
    auto dict = dyn_cast<DictionaryAttr>(entry);
    auto sizes = dict ? dict.getAs<DenseI64ArrayAttr>("sizes") : nullptr;
    if (!sizes)
      return module.emitError()
             << "malformed '" << kCandidatesAttr << "' entry " << entry;
    const CandidateEstimate *estimate = findEstimate(sizes.asArrayRef());
    if (!estimate)
      return module.emitError()
             << "'" << kCandidatesAttr << "' names candidate " << entry
             << " that this module does not have";
    if (!fixedReason.empty() &&
        ArrayRef<int64_t>(moduleSizes) != sizes.asArrayRef()) {
      emitRemark(module.getLoc())
          << "candidate " << estimate->label
          << " not placed: the mesh keeps its axis sizes because "
          << fixedReason;
      continue;
    }
    addToPlace(estimate);
  }
  if (toPlace.empty())
    return module.emitError()
           << "no surviving candidate can be placed: the mesh keeps its axis "
              "sizes because "
           << fixedReason << ", and az-prune-candidates dropped them";
  if (own && !own->rejected)
    addToPlace(own);
  if (oblivious && (fixedReason.empty() || oblivious == own))
    addToPlace(oblivious);

  if (exhaustive && devices > 8)
    return module.emitError()
           << "exhaustive search is limited to 8 devices (8! = 40320 "
              "placements); this slice has "
           << devices;
  // Collectives and seeds first (this reads dumps and may diagnose), then
  // the searches, which are independent and pure, in parallel.
  struct Job {
    const CandidateEstimate *estimate;
    std::vector<WeightedCollective> step;
    std::string source;
    std::vector<RankedPlacement> seeds;
    MeshUtilsOrder meshUtils;
  };
  std::vector<Job> jobs;
  for (const CandidateEstimate *estimate : toPlace) {
    auto priced = collectivesOf(*estimate);
    if (failed(priced))
      return failure();
    Job job{estimate,
            std::move(priced->first),
            std::move(priced->second),
            {},
            meshUtilsOrder(slice, assignment, estimate->candidate.sizes,
                           estimate->candidate.toMesh(graph.mesh).deviceIds)};
    job.seeds.push_back({assignment,
                         scorePlacement(slice, assignment, job.step),
                         "module order"});
    if (job.meshUtils.placement)
      job.seeds.push_back(
          {*job.meshUtils.placement,
           scorePlacement(slice, *job.meshUtils.placement, job.step),
           "mesh_utils order"});
    jobs.push_back(std::move(job));
  }
  std::vector<SearchResult> results(jobs.size());
  unsigned keep = std::max(topK.getValue(), 1u);
  mlir::parallelFor(module.getContext(), 0, jobs.size(), [&](size_t i) {
    const Job &job = jobs[i];
    results[i] = exhaustive
                     ? exhaustiveSearch(slice, job.step, keep)
                     : searchPlacements(slice, job.estimate->candidate.sizes,
                                        job.step, job.seeds, searchOptions());
  });

  std::vector<PlacedCandidate> placed;
  for (auto [job, result] : llvm::zip(jobs, results)) {
    // The seeds compete with what the search returned (exhaustive search
    // does not see them), best first.
    SmallVector<RankedPlacement> top = result.ranked;
    for (const RankedPlacement &s : job.seeds)
      if (s.score < top.front().score)
        top.insert(top.begin(), s);
    if (top.size() > keep)
      top.erase(top.begin() + keep, top.end());
    RankedPlacement best = top.front();
    placed.push_back(PlacedCandidate{
        *job.estimate, best, job.source,
        stepTime(job.estimate->computeSeconds, best.score.seconds,
                 estimateOptions.overlap),
        job.seeds.front().score.seconds, std::move(job.step), result.evaluated,
        std::move(job.meshUtils), std::move(top)});
  }
  std::stable_sort(placed.begin(), placed.end(),
                   [](const PlacedCandidate &a, const PlacedCandidate &b) {
                     return a.stepSeconds < b.stepSeconds;
                   });
  const PlacedCandidate &winner = placed.front();
  auto placedOf = [&](const CandidateEstimate *estimate) {
    for (const PlacedCandidate &p : placed)
      if (p.estimate.candidate.sizes == estimate->candidate.sizes)
        return &p;
    return static_cast<const PlacedCandidate *>(nullptr);
  };

  // Baselines, each a candidate on an order: the module as written (its
  // mesh on the module order), the same mesh on JAX's mesh_utils order, and
  // the candidate of a topology-oblivious planner on both orders.
  SmallVector<Baseline> baselines;
  auto addBaselines = [&](StringRef name, const CandidateEstimate *estimate,
                          std::string note) -> LogicalResult {
    std::vector<WeightedCollective> step;
    MeshUtilsOrder meshUtils;
    if (const PlacedCandidate *p = placedOf(estimate)) {
      step = p->collectives;
      meshUtils = p->meshUtils;
    } else {
      auto priced = collectivesOf(*estimate);
      if (failed(priced))
        return failure();
      step = std::move(priced->first);
      meshUtils =
          meshUtilsOrder(slice, assignment, estimate->candidate.sizes,
                         estimate->candidate.toMesh(graph.mesh).deviceIds);
    }
    auto add = [&](std::string fullName, const Placement &order,
                   std::string orderNote) -> LogicalResult {
      Baseline b;
      b.name = std::move(fullName);
      b.label = estimate->label;
      b.commSeconds = scorePlacement(slice, order, step).seconds;
      b.seconds = stepTime(estimate->computeSeconds, b.commSeconds,
                           estimateOptions.overlap);
      b.note = note;
      if (!orderNote.empty())
        b.note += (b.note.empty() ? "" : "; ") + orderNote;
      if (simulate) {
        FailureOr<double> sim = simulateComm(module, slice, order, step);
        if (failed(sim))
          return failure();
        b.simulatedCommSeconds = *sim;
      }
      baselines.push_back(std::move(b));
      return success();
    };
    if (failed(add(name.str(), assignment, "")))
      return failure();
    if (meshUtils.placement)
      return add((name + " + mesh_utils order").str(), *meshUtils.placement,
                 meshUtils.note);
    emitRemark(module.getLoc())
        << "baseline " << name << " + mesh_utils order: none ("
        << meshUtils.note << ")";
    return success();
  };
  if (own &&
      failed(addBaselines(
          "module as written", own,
          own->rejected ? "rejected by stage 1: " + own->rejectReason : "")))
    return failure();
  if (oblivious &&
      failed(addBaselines("topology-oblivious (alpha-beta) planner", oblivious,
                          "")))
    return failure();
  for (const DumpEntry &dump : *dumps)
    if (!usedDumps.contains(&dump))
      module.emitWarning() << "hlo-dump '" << dump.path
                           << "' is not used: its candidate did not survive "
                              "az-prune-candidates or cannot be placed";
  std::optional<double> simulatedPlan;
  // Per collective of the plan: analytic and simulated time of one
  // execution, so that a disagreement can be traced to its kind and groups.
  llvm::json::Array simulatedCollectives;
  if (simulate) {
    // Each collective is simulated once; the plan's total is their sum
    // weighted by the counts (what simulateSequence does).
    simulatedPlan = 0;
    for (const WeightedCollective &c : winner.collectives) {
      FailureOr<double> one = simulateComm(module, slice, winner.best.placement,
                                           {WeightedCollective{c.spec, 1}});
      if (failed(one))
        return failure();
      *simulatedPlan += c.count * *one;
      // A permute is so many groups of 2 (its pairs); no groups at all is
      // one group of every device.
      int64_t groups = 1, groupSize = devices;
      if (!c.spec.pairs.empty()) {
        groups = int64_t(c.spec.pairs.size());
        groupSize = 2;
      } else if (!c.spec.groups.empty()) {
        groups = int64_t(c.spec.groups.size());
        groupSize = int64_t(c.spec.groups[0].size());
      }
      simulatedCollectives.push_back(llvm::json::Object{
          {"kind", stringifyCollectiveKind(c.spec.kind)},
          {"group_size", groupSize},
          {"groups", groups},
          {"bytes", c.spec.bytes},
          {"count", c.count},
          {"analytic_seconds",
           estimateCollective(slice, winner.best.placement, c.spec).seconds},
          {"simulated_seconds", *one}});
    }
  }

  if (emitRemarks) {
    for (auto [rank, p] : llvm::enumerate(placed))
      emitRemark(module.getLoc())
          << "candidate #" << rank + 1 << " " << p.estimate.label << ": step "
          << formatSeconds(p.stepSeconds) << " (compute "
          << formatSeconds(p.estimate.computeSeconds) << ", communication "
          << formatSeconds(p.best.score.seconds) << " placed, "
          << formatSeconds(p.moduleOrderCommSeconds) << " on the module order)"
          << " with " << p.best.origin << "; collectives " << p.source;
    for (const Baseline &b : baselines)
      emitRemark(module.getLoc())
          << "baseline " << b.name << " (" << b.label << "): step "
          << formatSeconds(b.seconds) << "; the plan is "
          << llvm::formatv("{0:f2}", winner.stepSeconds > 0
                                         ? b.seconds / winner.stepSeconds
                                         : 1.0)
          << "x faster" << (b.note.empty() ? "" : " (" + b.note + ")");
    if (simulatedPlan)
      emitRemark(module.getLoc())
          << "simulated communication of the plan: "
          << formatSeconds(*simulatedPlan) << " (analytic "
          << formatSeconds(winner.best.score.seconds) << ")";
  }

  sharding::Mesh chosenMesh = winner.estimate.candidate.toMesh(graph.mesh);
  SmallVector<int64_t> sigma =
      relabellingFor(assignment, winner.best.placement);
  if (!planFile.empty()) {
    LogicalMesh logical;
    for (const sharding::MeshAxis &a : chosenMesh.axes) {
      logical.shape.push_back(a.size);
      logical.axisNames.push_back(a.name);
    }
    logical.note = "candidate " + winner.estimate.label;
    SearchResult shown;
    shown.ranked = winner.topPlacements;
    shown.evaluated = winner.evaluated;
    RankedPlacement moduleOrder{
        assignment, scorePlacement(slice, assignment, winner.collectives),
        "module order"};
    // Mesh position p holds the id device_ids[p] (p when iota); JAX's mesh
    // takes the device planned for that id.
    SmallVector<int64_t> snippetOrder(sigma);
    if (!chosenMesh.deviceIds.empty()) {
      snippetOrder.clear();
      for (int64_t id : chosenMesh.deviceIds)
        snippetOrder.push_back(sigma[id]);
    }
    llvm::json::Value report = plan(slice, assignment, shown, {moduleOrder},
                                    sigma, logical, winner.source);
    llvm::json::Object &root = *report.getAsObject();
    root["jax_mesh_snippet"] = jaxSnippet(snippetOrder, logical);
    root["candidate"] = llvm::json::Object{
        {"label", winner.estimate.label},
        {"sizes", llvm::json::Array(winner.estimate.candidate.sizes)},
        {"mesh", sharding::printMesh(chosenMesh)},
        {"compute_seconds", winner.estimate.computeSeconds},
        {"communication_seconds", winner.best.score.seconds},
        {"step_seconds", winner.stepSeconds}};
    if (simulatedPlan) {
      (*root.getObject("candidate"))["simulated_communication_seconds"] =
          *simulatedPlan;
      root["simulated_collectives"] = std::move(simulatedCollectives);
    }
    root["modeled_seconds"] = winner.stepSeconds;
    llvm::json::Array candidates;
    for (const PlacedCandidate &p : placed)
      candidates.push_back(llvm::json::Object{
          {"label", p.estimate.label},
          {"step_seconds", p.stepSeconds},
          {"communication_seconds_placed", p.best.score.seconds},
          {"communication_seconds_module_order", p.moduleOrderCommSeconds},
          {"compute_seconds", p.estimate.computeSeconds},
          {"placement_origin", p.best.origin},
          {"collective_source", p.source}});
    root["candidates"] = std::move(candidates);
    llvm::json::Array baselineArray;
    for (const Baseline &b : baselines) {
      llvm::json::Object entry{{"name", b.name},
                               {"candidate", b.label},
                               {"step_seconds", b.seconds},
                               {"communication_seconds", b.commSeconds},
                               {"note", b.note}};
      if (b.simulatedCommSeconds)
        entry["simulated_communication_seconds"] = *b.simulatedCommSeconds;
      baselineArray.push_back(std::move(entry));
    }
    root["baselines"] = std::move(baselineArray);
    if (!fixedReason.empty())
      root["mesh_sizes_fixed_because"] = fixedReason;
    if (failed(writeJSONReport(module, planFile, report)))
      return failure();
  }

  // The stage-1 table has served its purpose; only device assignment stays.
  module->removeAttr(kCandidatesAttr);
  if (!apply)
    return success();
  if (failed(checkRelabellingIsSafe(module, shardings)))
    return failure();
  if (ArrayRef<int64_t>(winner.estimate.candidate.sizes) ==
      ArrayRef<int64_t>(moduleSizes))
    return applyDevicePermutation(shardings, sigma);
  // A resized mesh: new axis sizes and, when not iota, the planned order.
  sharding::Mesh rewritten = chosenMesh;
  rewritten.deviceIds.assign(sigma.begin(), sigma.end());
  bool iota = llvm::all_of(llvm::enumerate(sigma), [](auto e) {
    return e.value() == static_cast<int64_t>(e.index());
  });
  if (iota)
    rewritten.deviceIds.clear();
  for (const ShardingSite &site : shardings.sites())
    if (site.kind == SiteKind::SdyMesh && site.meshName == graph.meshName)
      return site.ref.setText(sharding::printMesh(rewritten));
  return module.emitError()
         << "cannot find the sdy.mesh @" << graph.meshName << " to resize";
}

} // namespace aoizora
