//===- InspectShardings.cpp - az-inspect-shardings ------------------------===//
//
// Reports every mesh and every annotated value of a module, as remarks and
// optionally as a JSON file. Read-only.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/IR/ModuleShardings.h"
#include "AoiZora/Passes/Passes.h"
#include "AoiZora/Passes/ReportFile.h"

namespace aoizora {
#define GEN_PASS_DEF_INSPECTSHARDINGS
#include "AoiZora/Passes/Passes.h.inc"
} // namespace aoizora

using namespace mlir;

namespace aoizora {
namespace {
struct InspectShardingsPass
    : public impl::InspectShardingsBase<InspectShardingsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<ModuleShardings> shardings = ModuleShardings::build(module);
    if (failed(shardings))
      return signalPassFailure();

    if (emitRemarks) {
      for (const MeshInfo &mesh : shardings->meshes())
        emitRemark(mesh.loc) << "mesh @" << mesh.name << " = "
                             << sharding::printMesh(mesh.mesh) << " ("
                             << mesh.mesh.numDevices() << " devices, from "
                             << mesh.origin << ")";
      for (const ValueSharding &value : shardings->values()) {
        InFlightDiagnostic diag = emitRemark(value.loc);
        diag << value.where << ": ";
        if (!value.sdyText.empty())
          diag << "sdy " << value.sdyText << ", ";
        diag << "hlo " << value.hloText << ", " << value.distinctTiles
             << (value.distinctTiles == 1 ? " tile" : " tiles");
      }
    }
    if (!reportFile.empty() &&
        failed(writeJSONReport(module, reportFile, shardings->toJSON())))
      return signalPassFailure();
    markAllAnalysesPreserved();
  }
};
} // namespace
} // namespace aoizora
