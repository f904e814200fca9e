//===- EstimateCollectives.cpp - az-estimate-collectives ------------------===//
//
// Prices the explicit collectives of a module on a slice and placement. The
// slice, placement and cost model are plain C++ (AoiZoraTopology,
// AoiZoraCost); this pass reads the module and reports.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Cost/Collective.h"
#include "AoiZora/IR/DeviceRelabel.h"
#include "AoiZora/IR/ExplicitCollectives.h"
#include "AoiZora/IR/ModuleShardings.h"
#include "AoiZora/Passes/Passes.h"
#include "AoiZora/Passes/ReportFile.h"
#include "AoiZora/Topology/Placement.h"
#include "AoiZora/Topology/Slice.h"

#include "llvm/Support/FormatVariadic.h"

namespace aoizora {
#define GEN_PASS_DEF_ESTIMATECOLLECTIVES
#include "AoiZora/Passes/Passes.h.inc"
} // namespace aoizora

using namespace mlir;

namespace aoizora {

/// "1.5 MiB", "640 B": sizes the way a user reads them.
static std::string formatBytes(double bytes) {
  static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  unsigned unit = 0;
  while (bytes >= 1024 && unit + 1 < std::size(units)) {
    bytes /= 1024;
    ++unit;
  }
  return llvm::formatv(unit ? "{0:f2} {1}" : "{0:f0} {1}", bytes, units[unit])
      .str();
}

/// "12.34 us", "1.20 ms".
static std::string formatSeconds(double seconds) {
  if (seconds >= 1e-3)
    return llvm::formatv("{0:f3} ms", seconds * 1e3).str();
  return llvm::formatv("{0:f3} us", seconds * 1e6).str();
}

/// "chip (1,0) +x": where a link starts and where it goes.
static std::string describeLink(const Slice &slice, LinkId link) {
  if (link == kNoLink)
    return "none";
  LinkInfo info = slice.linkInfo(link);
  ChipCoords c = slice.coordsOf(info.fromChip);
  std::string coords = "(" + std::to_string(c[0]);
  for (unsigned d = 1; d < slice.numDims(); ++d)
    coords += "," + std::to_string(c[d]);
  return "chip " + coords + ") " + (info.direction > 0 ? "+" : "-") +
         std::string(1, "xyz"[info.dim]);
}

/// "1 pair", "4 groups of 2".
static std::string describeGroups(const ExplicitCollective &c) {
  std::string text = std::to_string(c.numGroups);
  if (c.spec.kind == CollectiveKind::CollectivePermute)
    return text + (c.numGroups == 1 ? " pair" : " pairs");
  return text + (c.numGroups == 1 ? " group of " : " groups of ") +
         std::to_string(c.groupSize);
}

namespace {
struct EstimateCollectivesPass
    : public impl::EstimateCollectivesBase<EstimateCollectivesPass> {
  using Base::Base;

  FailureOr<Placement> buildPlacement(ModuleOp module, const Slice &slice) {
    llvm::Expected<Placement> placement =
        topologyFile.empty() ? Placement::defaultFor(slice)
                             : Placement::fromFile(slice, topologyFile);
    if (!placement)
      return module.emitError() << llvm::toString(placement.takeError());
    if (deviceOrder.empty())
      return std::move(*placement);
    llvm::Expected<SmallVector<int64_t>> order = parseDeviceOrder(deviceOrder);
    if (!order)
      return module.emitError() << llvm::toString(order.takeError());
    if (llvm::Error err = verifyDeviceOrder(*order, placement->numDevices()))
      return module.emitError() << "invalid device order: "
                                << llvm::toString(std::move(err));
    // After relabelling, the device that had id i is device order[i], which
    // sits on that id's chip: original device i lands where order[i] is.
    SmallVector<unsigned> where(order->begin(), order->end());
    return placement->permuted(where);
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (topology.empty()) {
      module.emitError() << "az-estimate-collectives needs a 'topology', "
                            "e.g. topology=v5e:4x4";
      return signalPassFailure();
    }
    llvm::Expected<Slice> slice = Slice::parse(topology);
    if (!slice) {
      module.emitError() << "invalid topology '" << topology
                         << "': " << llvm::toString(slice.takeError());
      return signalPassFailure();
    }
    FailureOr<ModuleShardings> shardings = ModuleShardings::build(module);
    if (failed(shardings))
      return signalPassFailure();
    int64_t devices = shardings->deviceCount();
    if (devices != slice->numDevices()) {
      module.emitError() << "topology " << slice->str() << " has "
                         << slice->numDevices()
                         << " devices but the module runs on " << devices
                         << " (from its meshes or mhlo.num_partitions)";
      return signalPassFailure();
    }
    FailureOr<Placement> placement = buildPlacement(module, *slice);
    if (failed(placement))
      return signalPassFailure();
    auto collectives = collectExplicitCollectives(module, devices);
    if (failed(collectives))
      return signalPassFailure();

    llvm::json::Array entries;
    double total = 0, totalLowerBound = 0;
    for (const ExplicitCollective &c : *collectives) {
      if (llvm::Error err = verifyCollective(*slice, c.spec)) {
        c.op->emitError() << "cannot price this collective: "
                          << llvm::toString(std::move(err));
        return signalPassFailure();
      }
      CollectiveCost cost = estimateCollective(*slice, *placement, c.spec);
      double lowerBound = lowerBoundSeconds(*slice, c.spec);
      total += cost.seconds;
      totalLowerBound += lowerBound;
      StringRef kind = stringifyCollectiveKind(c.spec.kind);
      if (emitRemarks)
        c.op->emitRemark()
            << kind << ": " << describeGroups(c) << ", "
            << formatBytes(c.spec.bytes) << " per device, "
            << formatSeconds(cost.seconds) << " (max link load "
            << formatBytes(cost.maxLinkBytes) << " on "
            << describeLink(*slice, cost.bottleneck) << ")";
      entries.push_back(llvm::json::Object{
          {"op", c.op->getName().getStringRef()},
          {"loc", locationToString(c.op->getLoc())},
          {"kind", kind},
          {"bytes_per_device", c.spec.bytes},
          {"num_groups", c.numGroups},
          {"group_size", c.groupSize},
          {"seconds", cost.seconds},
          {"bandwidth_seconds", cost.bandwidthSeconds},
          {"latency_seconds", cost.latencySeconds},
          {"lower_bound_seconds", lowerBound},
          {"max_link_bytes", cost.maxLinkBytes},
          {"bottleneck_link", describeLink(*slice, cost.bottleneck)}});
    }
    if (emitRemarks)
      module.emitRemark() << collectives->size() << " collectives on "
                          << slice->str() << ": total "
                          << formatSeconds(total) << " (lower bound "
                          << formatSeconds(totalLowerBound) << ")";
    if (!reportFile.empty()) {
      llvm::json::Object report{{"topology", slice->str()},
                                {"num_devices", devices},
                                {"collectives", std::move(entries)},
                                {"total_seconds", total},
                                {"total_lower_bound_seconds", totalLowerBound}};
      if (failed(writeJSONReport(module, reportFile, std::move(report))))
        return signalPassFailure();
    }
    markAllAnalysesPreserved();
  }
};
} // namespace
} // namespace aoizora
