//===- PruneCandidates.cpp - az-prune-candidates --------------------------===//
//
// Stage 1 of the planner, second half: reads the `aoizora.estimates` table
// of az-estimate-candidates, keeps the candidates worth placing and
// replaces the table by `aoizora.candidates`, which stage 2 reads.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Passes/Passes.h"
#include "AoiZora/Passes/ReportFile.h"
#include "AoiZora/Passes/Stage1Analysis.h"
#include "AoiZora/Passes/TopologyOptions.h"
#include "AoiZora/Planner/Candidates.h"
#include "AoiZora/Sharding/Shardy.h"

#include "mlir/IR/Builders.h"
#include "llvm/Support/FormatVariadic.h"

#include <cstdio>

namespace aoizora {
#define GEN_PASS_DEF_PRUNECANDIDATES
#include "AoiZora/Passes/Passes.h.inc"
} // namespace aoizora

using namespace mlir;
using namespace aoizora::planner;

namespace aoizora {

namespace {

/// "1.5", "2".
std::string formatRatio(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

/// One row of `aoizora.estimates`.
struct Row {
  std::string label;
  SmallVector<int64_t> sizes;
  CandidateScore score;
  std::string reason;
};

struct PruneCandidatesPass
    : public impl::PruneCandidatesBase<PruneCandidatesPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (!(keepWithin >= 1.0)) {
      module.emitError() << "az-prune-candidates: keep-within must be >= 1, "
                            "got "
                         << formatRatio(keepWithin);
      return signalPassFailure();
    }
    auto table = module->getAttrOfType<DictionaryAttr>("aoizora.estimates");
    if (!table) {
      module.emitError() << "az-prune-candidates needs the 'aoizora.estimates' "
                            "attribute: run az-estimate-candidates first";
      return signalPassFailure();
    }
    auto axesAttr = table.getAs<ArrayAttr>("axes");
    auto rowsAttr = table.getAs<ArrayAttr>("candidates");
    auto topologyAttr = table.getAs<StringAttr>("topology");
    auto meshAttr = table.getAs<StringAttr>("mesh");
    if (!axesAttr || !rowsAttr || !topologyAttr || !meshAttr)
      return fail(module, "'aoizora.estimates' lacks axes, candidates, mesh "
                          "or topology");
    SmallVector<std::string> axes;
    for (Attribute a : axesAttr) {
      auto s = dyn_cast<StringAttr>(a);
      if (!s)
        return fail(module, "'aoizora.estimates' axes must be strings");
      axes.push_back(s.getValue().str());
    }
    std::vector<Row> rows;
    for (Attribute a : rowsAttr) {
      auto d = dyn_cast<DictionaryAttr>(a);
      auto label = d ? d.getAs<StringAttr>("label") : StringAttr();
      auto sizes =
          d ? d.getAs<DenseI64ArrayAttr>("sizes") : DenseI64ArrayAttr();
      auto total = d ? d.getAs<FloatAttr>("total_seconds") : FloatAttr();
      auto lower = d ? d.getAs<FloatAttr>("lower_bound_seconds") : FloatAttr();
      auto rejected = d ? d.getAs<BoolAttr>("rejected") : BoolAttr();
      if (!label || !sizes || !total || !lower || !rejected ||
          sizes.size() != int64_t(axes.size()))
        return fail(module, "malformed candidate in 'aoizora.estimates'");
      Row row;
      row.label = label.getValue().str();
      row.sizes.assign(sizes.asArrayRef().begin(), sizes.asArrayRef().end());
      row.score = {total.getValueAsDouble(), lower.getValueAsDouble(),
                   rejected.getValue()};
      if (auto reason = d.getAs<StringAttr>("reason"))
        row.reason = reason.getValue().str();
      rows.push_back(std::move(row));
    }
    if (failed(applyExclusions(module, rows)))
      return signalPassFailure();

    std::vector<CandidateScore> scores;
    for (const Row &r : rows)
      scores.push_back(r.score);
    PruneOptions options;
    options.keepWithin = keepWithin;
    options.maxSurvivors = maxSurvivors;
    std::vector<unsigned> kept = pruneCandidates(scores, options);
    double best = std::numeric_limits<double>::infinity();
    for (const CandidateScore &s : scores)
      if (!s.rejected)
        best = std::min(best, s.totalSeconds);

    if (emitRemarks) {
      for (auto [rank, i] : llvm::enumerate(kept))
        emitRemark(moduleReportLoc(module))
            << "kept #" << rank + 1 << " " << rows[i].label << ": step "
            << formatSeconds(rows[i].score.totalSeconds) << " (lower bound "
            << formatSeconds(rows[i].score.lowerBoundSeconds) << ")";
      for (auto [i, r] : llvm::enumerate(rows)) {
        if (llvm::is_contained(kept, unsigned(i)))
          continue;
        InFlightDiagnostic diag = emitRemark(moduleReportLoc(module))
                                  << "pruned " << r.label << ": ";
        if (r.score.rejected)
          diag << "rejected (" << r.reason << ")";
        else if (r.score.lowerBoundSeconds > keepWithin * best)
          diag << "lower bound " << formatSeconds(r.score.lowerBoundSeconds)
               << " > " << formatRatio(keepWithin) << " x best estimate "
               << formatSeconds(best);
        else
          diag << "beyond max-survivors=" << maxSurvivors.getValue();
      }
      InFlightDiagnostic diag =
          emitRemark(moduleReportLoc(module))
          << "kept " << kept.size() << " of " << rows.size()
          << " candidates (keep-within=" << formatRatio(keepWithin)
          << ", max-survivors=" << maxSurvivors.getValue() << ")";
      if (!kept.empty())
        diag << "; best estimate " << formatSeconds(best);
    }

    // aoizora.candidates: what stage 2 reads.
    Builder b(module.getContext());
    SmallVector<Attribute> survivors;
    llvm::json::Array jsonSurvivors;
    for (auto [rank, i] : llvm::enumerate(kept)) {
      const Row &r = rows[i];
      sharding::Mesh mesh;
      for (auto [k, name] : llvm::enumerate(axes))
        mesh.axes.push_back({name, r.sizes[k]});
      std::string meshText = sharding::printMesh(mesh);
      survivors.push_back(b.getDictionaryAttr(
          {b.getNamedAttr("rank", b.getI64IntegerAttr(rank + 1)),
           b.getNamedAttr("label", b.getStringAttr(r.label)),
           b.getNamedAttr("mesh", b.getStringAttr(meshText)),
           b.getNamedAttr("sizes", b.getDenseI64ArrayAttr(r.sizes)),
           b.getNamedAttr("total_seconds",
                          b.getF64FloatAttr(r.score.totalSeconds)),
           b.getNamedAttr("lower_bound_seconds",
                          b.getF64FloatAttr(r.score.lowerBoundSeconds))}));
      jsonSurvivors.push_back(llvm::json::Object{
          {"rank", int64_t(rank + 1)},
          {"label", r.label},
          {"mesh", meshText},
          {"total_seconds", r.score.totalSeconds},
          {"lower_bound_seconds", r.score.lowerBoundSeconds}});
    }
    // The options the estimates were made with travel to az-place, which
    // re-estimates the candidates it places and the baselines.
    SmallVector<NamedAttribute> carried;
    for (StringRef name :
         {"overlap", "calibration", "check_memory", "allow_padding"})
      if (Attribute value = table.get(name))
        carried.push_back(b.getNamedAttr(name, value));
    DictionaryAttr estimateOptions = b.getDictionaryAttr(carried);
    // Excluded candidates stay out of stage 2 too, even as a baseline's.
    SmallVector<Attribute> excludedSizes;
    for (const Row &r : rows)
      if (r.reason == "excluded")
        excludedSizes.push_back(b.getDenseI64ArrayAttr(r.sizes));
    module->removeAttr("aoizora.estimates");
    module->setAttr(
        "aoizora.candidates",
        b.getDictionaryAttr(
            {b.getNamedAttr("topology", topologyAttr),
             b.getNamedAttr("mesh", meshAttr),
             b.getNamedAttr("keep_within", b.getF64FloatAttr(keepWithin)),
             b.getNamedAttr("estimate_options", estimateOptions),
             b.getNamedAttr("excluded", b.getArrayAttr(excludedSizes)),
             b.getNamedAttr("survivors", b.getArrayAttr(survivors))}));
    if (!reportFile.empty()) {
      llvm::json::Object report{{"topology", topologyAttr.getValue()},
                                {"mesh", meshAttr.getValue()},
                                {"keep_within", keepWithin.getValue()},
                                {"max_survivors", maxSurvivors.getValue()},
                                {"num_candidates", int64_t(rows.size())},
                                {"survivors", std::move(jsonSurvivors)}};
      if (failed(writeJSONReport(module, reportFile, std::move(report))))
        return signalPassFailure();
    }
    // Only the table attribute changed: stage 1 still holds for az-place.
    markAnalysesPreserved<Stage1Analysis>();
  }

  /// Marks the candidates named by `exclude` (sizes such as 2x4x1) as
  /// rejected; an entry that names no candidate is an error.
  LogicalResult applyExclusions(ModuleOp module, std::vector<Row> &rows) {
    for (const std::string &entry : exclude) {
      SmallVector<StringRef> parts;
      StringRef(entry).split(parts, 'x');
      SmallVector<int64_t> sizes;
      for (StringRef part : parts) {
        int64_t size;
        if (part.trim().getAsInteger(10, size)) {
          module.emitError() << "az-prune-candidates: exclude '" << entry
                             << "' is not a list of sizes such as 2x4x1";
          return failure();
        }
        sizes.push_back(size);
      }
      Row *match = nullptr;
      for (Row &r : rows)
        if (ArrayRef<int64_t>(r.sizes) == ArrayRef<int64_t>(sizes))
          match = &r;
      if (!match) {
        module.emitError() << "az-prune-candidates: exclude '" << entry
                           << "' names no candidate (sizes are in the "
                              "mesh's axis order)";
        return failure();
      }
      match->score.rejected = true;
      match->reason = "excluded";
    }
    return success();
  }

  void fail(ModuleOp module, StringRef message) {
    module.emitError() << "az-prune-candidates: " << message;
    signalPassFailure();
  }
};
} // namespace
} // namespace aoizora
