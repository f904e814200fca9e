//===- EstimateCandidates.cpp - az-estimate-candidates --------------------===//
//
// Stage 1 of the planner, first half: build the tensor graph of the module
// (AoiZora/IR/TensorGraph.h), propagate its shardings once in axis names
// (AoiZora/Planner/Propagation.h), and price every candidate mesh
// (AoiZora/Planner/Candidates.h). The table goes out as remarks, as JSON
// and as the module attribute `aoizora.estimates` that az-prune-candidates
// reads.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/IR/ModuleShardings.h"
#include "AoiZora/IR/TensorGraph.h"
#include "AoiZora/Passes/Passes.h"
#include "AoiZora/Passes/ReportFile.h"
#include "AoiZora/Passes/Stage1Analysis.h"
#include "AoiZora/Passes/TopologyOptions.h"
#include "AoiZora/Planner/Candidates.h"

#include "mlir/IR/Builders.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

namespace aoizora {
#define GEN_PASS_DEF_ESTIMATECANDIDATES
#include "AoiZora/Passes/Passes.h.inc"
} // namespace aoizora

using namespace mlir;
using namespace aoizora::planner;

namespace aoizora {

/// `all-to-all{"sp"}`.
static std::string describeUse(const CollectiveUse &use) {
  std::string text = stringifyReshardKind(use.kind).str() + "{";
  for (auto [i, axis] : llvm::enumerate(use.axes))
    text += (i ? ", \"" : "\"") + axis + "\"";
  return text + "}";
}

static std::string formatCount(double count) {
  if (count == std::floor(count) && count < 1e15)
    return std::to_string(int64_t(count));
  return llvm::formatv("{0:f2}", count).str();
}

/// One line of the table.
static std::string describeEstimate(const CandidateEstimate &e) {
  std::string text = "candidate " + e.label;
  if (e.candidate.isModuleMesh)
    text += " (module mesh)";
  text += ": " + llvm::formatv("{0:f0}", e.flops).str() + " FLOPs, " +
          formatBytes(e.hbmBytes) + " HBM traffic, compute " +
          formatSeconds(e.computeSeconds) + "; ";
  bool any = false;
  for (const CollectiveUse &use : e.collectives) {
    if (use.kind == ReshardKind::LocalSlice)
      continue;
    text += (any ? ", " : "") + describeUse(use) + " x" +
            formatCount(use.count) + " " + formatBytes(use.bytes) + " " +
            formatSeconds(use.seconds);
    any = true;
  }
  if (!any)
    text += "no collectives";
  text += "; comm " + formatSeconds(e.commSeconds) + " (lower bound " +
          formatSeconds(e.commLowerBoundSeconds) + "); step " +
          formatSeconds(e.totalSeconds) + " (lower bound " +
          formatSeconds(e.lowerBoundSeconds) + "); memory " +
          formatBytes(e.memoryBytes()) + " (parameters " +
          formatBytes(e.parameterBytes) + " + activations " +
          formatBytes(e.activationBytes) + ")";
  if (!e.paddings.empty())
    text += "; padded: " + e.paddings.front() +
            (e.paddings.size() > 1
                 ? " (and " + std::to_string(e.paddings.size() - 1) + " more)"
                 : "");
  if (e.rejected)
    text += "; rejected: " + e.rejectReason;
  return text;
}

namespace {
struct EstimateCandidatesPass
    : public impl::EstimateCandidatesBase<EstimateCandidatesPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<OverlapMode> overlapMode = parseOverlapMode(overlap);
    if (!overlapMode) {
      module.emitError() << "az-estimate-candidates: overlap must be 'none', "
                            "'async' or 'full', not '"
                         << overlap << "'";
      return signalPassFailure();
    }
    FailureOr<ModuleShardings> shardings = ModuleShardings::build(module);
    if (failed(shardings))
      return signalPassFailure();
    int64_t devices = shardings->deviceCount();
    FailureOr<Slice> slice = parseTopologyOption(
        module, "az-estimate-candidates", topology, devices);
    if (failed(slice))
      return signalPassFailure();
    FailureOr<Placement> placement =
        loadDeviceAssignment(module, *slice, topologyFile);
    if (failed(placement))
      return signalPassFailure();
    FailureOr<Calibration> calibrated = loadCalibrationOption(
        module, "az-estimate-candidates", *slice, calibration);
    if (failed(calibrated))
      return signalPassFailure();
    EstimateOptions options;
    options.allowPadding = allowPadding;
    options.overlap = *overlapMode;
    options.calibration = &*calibrated;
    options.checkMemory = checkMemory;
    // Built once per module and kept for az-prune-candidates and az-place.
    auto &stage1 = getAnalysis<Stage1Analysis>();
    FailureOr<ArrayRef<CandidateEstimate>> estimates =
        stage1.estimates(*shardings, *slice, *placement, options);
    if (failed(estimates))
      return signalPassFailure();
    const Stage1Analysis::Graph &built = **stage1.graph(*shardings);
    const TensorGraph &graph = built.build.graph;

    // Everything the rules could not follow, by op name.
    for (const GraphWarning &w : graph.warnings) {
      Operation *at = w.origin < built.build.origins.size()
                          ? built.build.origins[w.origin]
                          : module.getOperation();
      InFlightDiagnostic diag = at->emitWarning()
                                << "'" << w.subject << "': " << w.message;
      if (w.count > 1)
        diag << " (" << w.count << " occurrences)";
    }
    if (emitRemarks)
      for (const std::string &note : graph.notes)
        emitRemark(moduleReportLoc(module)) << note;

    const CandidateEstimate *best = nullptr;
    unsigned rejected = 0;
    for (const CandidateEstimate &e : *estimates) {
      rejected += e.rejected;
      if (!e.rejected && (!best || e.totalSeconds < best->totalSeconds))
        best = &e;
    }
    if (emitRemarks) {
      for (const CandidateEstimate &e : *estimates)
        emitRemark(moduleReportLoc(module)) << describeEstimate(e);
      InFlightDiagnostic diag =
          emitRemark(moduleReportLoc(module))
          << estimates->size() << " candidates for "
          << (graph.meshName.empty() ? std::string("the module")
                                     : "@" + graph.meshName)
          << " on " << slice->str() << ", " << rejected << " rejected";
      if (best)
        diag << "; best " << best->label << ": step "
             << formatSeconds(best->totalSeconds);
      diag << " (overlap: " << overlap << ")";
    }

    attachTable(module, *slice, graph, *estimates);
    if (!reportFile.empty()) {
      llvm::json::Array table, warnings, notes, axes;
      for (const CandidateEstimate &e : *estimates)
        table.push_back(e.toJSON(graph.mesh));
      for (const GraphWarning &w : graph.warnings)
        warnings.push_back(llvm::json::Object{
            {"op", w.subject}, {"message", w.message}, {"count", w.count}});
      for (const std::string &n : graph.notes)
        notes.push_back(n);
      for (const sharding::MeshAxis &a : graph.mesh.axes)
        axes.push_back(a.name);
      llvm::json::Object report{{"topology", slice->str()},
                                {"num_devices", devices},
                                {"mesh", graph.meshName},
                                {"axes", std::move(axes)},
                                {"gspmd_only", graph.gspmdOnly},
                                {"overlap", overlap},
                                {"allow_padding", allowPadding.getValue()},
                                {"candidates", std::move(table)},
                                {"warnings", std::move(warnings)},
                                {"notes", std::move(notes)}};
      if (best)
        report["best"] = best->label;
      if (failed(writeJSONReport(module, reportFile, std::move(report))))
        return signalPassFailure();
    }
    // Only the table attribute changed: the graph and estimates still hold.
    markAnalysesPreserved<Stage1Analysis>();
  }

  /// `aoizora.estimates = {axes = [...], candidates = [{...}], mesh = "...",
  /// overlap = "...", topology = "..."}`.
  void attachTable(ModuleOp module, const Slice &slice,
                   const TensorGraph &graph,
                   ArrayRef<CandidateEstimate> estimates) {
    Builder b(module.getContext());
    SmallVector<Attribute> rows;
    for (const CandidateEstimate &e : estimates) {
      SmallVector<NamedAttribute> fields{
          b.getNamedAttr("label", b.getStringAttr(e.label)),
          b.getNamedAttr("sizes", b.getDenseI64ArrayAttr(e.candidate.sizes)),
          b.getNamedAttr("total_seconds", b.getF64FloatAttr(e.totalSeconds)),
          b.getNamedAttr("lower_bound_seconds",
                         b.getF64FloatAttr(e.lowerBoundSeconds)),
          b.getNamedAttr("memory_bytes", b.getF64FloatAttr(e.memoryBytes())),
          b.getNamedAttr("module_mesh",
                         b.getBoolAttr(e.candidate.isModuleMesh)),
          b.getNamedAttr("rejected", b.getBoolAttr(e.rejected))};
      if (e.rejected)
        fields.push_back(
            b.getNamedAttr("reason", b.getStringAttr(e.rejectReason)));
      rows.push_back(b.getDictionaryAttr(fields));
    }
    SmallVector<StringRef> axes;
    for (const sharding::MeshAxis &a : graph.mesh.axes)
      axes.push_back(a.name);
    module->setAttr(
        "aoizora.estimates",
        b.getDictionaryAttr(
            {b.getNamedAttr("topology", b.getStringAttr(slice.str())),
             b.getNamedAttr("mesh", b.getStringAttr(graph.meshName)),
             b.getNamedAttr("axes", b.getStrArrayAttr(axes)),
             b.getNamedAttr("overlap", b.getStringAttr(overlap)),
             b.getNamedAttr("calibration", b.getStringAttr(calibration)),
             b.getNamedAttr("check_memory", b.getBoolAttr(checkMemory)),
             b.getNamedAttr("allow_padding", b.getBoolAttr(allowPadding)),
             b.getNamedAttr("candidates", b.getArrayAttr(rows))}));
  }
};
} // namespace
} // namespace aoizora
