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
#include "AoiZora/Passes/TopologyOptions.h"
#include "AoiZora/Topology/Placement.h"
#include "AoiZora/Topology/Slice.h"

#include "llvm/Support/FormatVariadic.h"

namespace aoizora {
#define GEN_PASS_DEF_ESTIMATECOLLECTIVES
#include "AoiZora/Passes/Passes.h.inc"
} // namespace aoizora

using namespace mlir;

namespace aoizora {

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
    FailureOr<Placement> placement =
        loadDeviceAssignment(module, slice, topologyFile);
    if (failed(placement))
      return failure();
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
    FailureOr<ModuleShardings> shardings = ModuleShardings::build(module);
    if (failed(shardings))
      return signalPassFailure();
    int64_t devices = shardings->deviceCount();
    FailureOr<Slice> slice = parseTopologyOption(
        module, "az-estimate-collectives", topology, devices);
    if (failed(slice))
      return signalPassFailure();
    FailureOr<Placement> placement = buildPlacement(module, *slice);
    if (failed(placement))
      return signalPassFailure();
    auto collectives = collectExplicitCollectives(module, devices);
    if (failed(collectives))
      return signalPassFailure();
    FailureOr<Calibration> calibrated = loadCalibrationOption(
        module, "az-estimate-collectives", *slice, calibration);
    if (failed(calibrated))
      return signalPassFailure();
    CostOptions costOptions;
    costOptions.calibration = &*calibrated;

    llvm::json::Array entries;
    double total = 0, totalLowerBound = 0;
    for (const ExplicitCollective &c : *collectives) {
      if (llvm::Error err = verifyCollective(*slice, c.spec)) {
        c.op->emitError() << "cannot price this collective: "
                          << llvm::toString(std::move(err));
        return signalPassFailure();
      }
      CollectiveCost cost =
          estimateCollective(*slice, *placement, c.spec, costOptions);
      double lowerBound = lowerBoundSeconds(*slice, c.spec, costOptions);
      total += cost.seconds;
      totalLowerBound += lowerBound;
      StringRef kind = stringifyCollectiveKind(c.spec.kind);
      if (emitRemarks) {
        InFlightDiagnostic remark = emitRemark(c.op->getLoc());
        remark << kind << ": " << describeGroups(c) << ", "
               << formatBytes(c.spec.bytes) << " per device, "
               << formatSeconds(cost.seconds) << " (max link load "
               << formatBytes(cost.maxLinkBytes) << " on "
               << describeLink(*slice, cost.bottleneck) << ")";
        // A phased schedule whose late phases wait for early ones moves
        // more than its busiest link's bytes in time (docs/cost-model.md).
        if (cost.scheduleBytes > cost.maxLinkBytes * (1 + 1e-9))
          remark << "; its phases wait on each other: priced as "
                 << formatBytes(cost.scheduleBytes) << " on one link";
      }
      entries.push_back(llvm::json::Object{
          {"op", c.op->getName().getStringRef()},
          {"loc", locationToString(c.op->getLoc())},
          {"kind", kind},
          {"bytes_per_device", c.spec.bytes},
          {"num_groups", c.numGroups},
          {"group_size", c.groupSize},
          {"seconds", cost.seconds},
          {"fixed_seconds", cost.fixedSeconds},
          {"bandwidth_seconds", cost.bandwidthSeconds},
          {"latency_seconds", cost.latencySeconds},
          {"lower_bound_seconds", lowerBound},
          {"max_link_bytes", cost.maxLinkBytes},
          {"schedule_bytes", cost.scheduleBytes},
          {"bottleneck_link", describeLink(*slice, cost.bottleneck)}});
    }
    if (emitRemarks)
      emitRemark(moduleReportLoc(module)) << collectives->size() << " collectives on "
                          << slice->str() << ": total "
                          << formatSeconds(total) << " (lower bound "
                          << formatSeconds(totalLowerBound) << ")";
    if (!reportFile.empty()) {
      llvm::json::Object report{{"topology", slice->str()},
                                {"calibration", calibrated->origin},
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
