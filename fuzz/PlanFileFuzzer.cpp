//===- PlanFileFuzzer.cpp - Plan files and device-order options -----------===//
//
// The text is read both as a plan file (JSON with "device_order") and as an
// `order=` option. Property: errors, never a crash (JSON nesting is bounded
// before llvm::json recurses); an accepted order is checked as a
// permutation without trouble.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "AoiZora/Support/DeviceOrder.h"

using namespace aoizora;
using namespace aoizora::fuzz;

static void checkOrder(llvm::Expected<llvm::SmallVector<int64_t>> &order) {
  if (!ok(order))
    return;
  if (llvm::Error err = verifyDeviceOrder(*order, order->size()))
    llvm::consumeError(std::move(err));
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text = textOf(data, size);
  llvm::Expected<llvm::SmallVector<int64_t>> plan =
      parseDeviceOrderFromPlanText(text, "plan.json");
  checkOrder(plan);
  llvm::Expected<llvm::SmallVector<int64_t>> option = parseDeviceOrder(text);
  checkOrder(option);
  return 0;
}
