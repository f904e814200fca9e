//===- CandidateTable.cpp - What stage 1 leaves for az-place --------------===//

#include "AoiZora/Passes/CandidateTable.h"

using namespace mlir;
using namespace aoizora::planner;

namespace aoizora {

/// Whether the module's mesh may take other axis sizes: only when nothing
/// else in the module spells out devices or per-device shapes (HLO strings,
/// explicit collectives, manual computations, inline meshes).
std::string whyMeshIsFixed(ModuleOp module, const ModuleShardings &shardings) {
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

/// The estimate options az-estimate-candidates used, carried in the table.
EstimateOptions carriedEstimateOptions(DictionaryAttr table) {
  EstimateOptions options;
  auto carried = table.getAs<DictionaryAttr>("estimate_options");
  if (!carried)
    return options;
  if (auto overlap = carried.getAs<StringAttr>("overlap"))
    if (auto mode = parseOverlapMode(overlap.getValue()))
      options.overlap = *mode;
  if (auto check = carried.getAs<BoolAttr>("check_memory"))
    options.checkMemory = check.getValue();
  if (auto padding = carried.getAs<BoolAttr>("allow_padding"))
    options.allowPadding = padding.getValue();
  return options;
}

/// The survivors' sizes, each checked against the module's candidates.
FailureOr<ArrayAttr> survivorList(ModuleOp module, DictionaryAttr table) {
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
  return survivors;
}

LogicalResult readSurvivors(ModuleOp module, ArrayAttr survivors,
                            ArrayRef<CandidateEstimate> estimates,
                            plan::CandidateInputs &inputs) {
  for (Attribute entry : survivors) {
    auto dict = dyn_cast<DictionaryAttr>(entry);
    auto sizes = dict ? dict.getAs<DenseI64ArrayAttr>("sizes") : nullptr;
    if (!sizes)
      return module.emitError()
             << "malformed '" << kCandidatesAttr << "' entry " << entry;
    if (!plan::findEstimate(estimates, sizes.asArrayRef()))
      return module.emitError()
             << "'" << kCandidatesAttr << "' names candidate " << entry
             << " that this module does not have";
    inputs.survivors.emplace_back(sizes.asArrayRef());
  }
  return success();
}

} // namespace aoizora
