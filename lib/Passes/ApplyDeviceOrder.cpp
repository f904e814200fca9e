//===- ApplyDeviceOrder.cpp - az-apply-device-order -----------------------===//
//
// Relabels logical devices by a user-given permutation (an `order` list or a
// JSON plan file). The checks and the rewrite live in AoiZoraIR
// (DeviceRelabel.h); this pass only reads its options and reports.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/IR/DeviceRelabel.h"
#include "AoiZora/Passes/Passes.h"

namespace aoizora {
#define GEN_PASS_DEF_APPLYDEVICEORDER
#include "AoiZora/Passes/Passes.h.inc"
} // namespace aoizora

using namespace mlir;

namespace aoizora {
namespace {
struct ApplyDeviceOrderPass
    : public impl::ApplyDeviceOrderBase<ApplyDeviceOrderPass> {
  using Base::Base;

  /// The permutation from exactly one of the two options.
  FailureOr<SmallVector<int64_t>> readOrder(ModuleOp module) {
    if (order.empty() == planFile.empty())
      return module.emitError()
             << "az-apply-device-order needs exactly one of 'order' and "
                "'plan-file'";
    llvm::Expected<SmallVector<int64_t>> parsed =
        order.empty() ? readDeviceOrderFromPlan(planFile)
                      : parseDeviceOrder(order);
    if (!parsed)
      return module.emitError() << llvm::toString(parsed.takeError());
    return *parsed;
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<SmallVector<int64_t>> sigma = readOrder(module);
    if (failed(sigma))
      return signalPassFailure();
    FailureOr<ModuleShardings> shardings = ModuleShardings::build(module);
    if (failed(shardings) || failed(checkRelabellingIsSafe(module, *shardings)))
      return signalPassFailure();
    if (llvm::Error err = verifyDeviceOrder(*sigma, shardings->deviceCount())) {
      module.emitError() << "invalid device order: "
                         << llvm::toString(std::move(err));
      return signalPassFailure();
    }
    if (failed(applyDevicePermutation(*shardings, *sigma)))
      return signalPassFailure();
  }
};
} // namespace
} // namespace aoizora
