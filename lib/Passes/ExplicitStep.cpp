//===- ExplicitStep.cpp - A module's explicit collectives as one step -----===//

#include "AoiZora/Passes/ExplicitStep.h"
#include "AoiZora/IR/ExplicitCollectives.h"
#include "AoiZora/IR/TensorGraph.h"

#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;

namespace aoizora {

/// Each collective inside constant loops runs once per trip, as stage 1 and
/// the HLO import count it.
static FailureOr<std::vector<WeightedCollective>>
weighCollectives(const Slice &slice, ArrayRef<ExplicitCollective> collectives) {
  std::vector<WeightedCollective> step;
  llvm::SmallPtrSet<Operation *, 4> warnedLoops;
  for (const ExplicitCollective &c : collectives) {
    if (llvm::Error err = verifyCollective(slice, c.spec))
      return c.op->emitError() << "cannot price this collective: "
                               << llvm::toString(std::move(err));
    double count = 1;
    for (Operation *parent = c.op->getParentOp(); parent;
         parent = parent->getParentOp()) {
      if (parent->getName().getStringRef() != "stablehlo.while")
        continue;
      if (std::optional<int64_t> trips = constantTripCount(parent))
        count *= double(*trips);
      else if (warnedLoops.insert(parent).second)
        parent->emitWarning()
            << "az-place cannot tell how often this loop runs; the "
               "collectives in it are counted once";
    }
    step.push_back(WeightedCollective{c.spec, count});
  }
  return step;
}

FailureOr<plan::PricedStep>
collectExplicitStep(ModuleOp module, const Slice &slice, bool allowEmpty) {
  auto collectives = collectExplicitCollectives(module, slice.numDevices());
  if (failed(collectives))
    return failure();
  // Communication the cost model cannot price is reported where it is and
  // makes the plan's cost incomplete.
  unsigned unpriced = 0;
  for (const UnpricedCommunicationOp &u : findUnpricedCommunication(module)) {
    u.op->emitWarning() << "az-place cannot price the communication of "
                           "this op: "
                        << u.reason << "; the plan's cost is incomplete";
    ++unpriced;
  }
  if (collectives->empty()) {
    std::string why = unpriced ? " (" + std::to_string(unpriced) +
                                     " op(s) communicate but cannot be "
                                     "priced; see the warnings)"
                               : "";
    if (!allowEmpty)
      return module.emitError()
             << "az-place found no explicit collectives to place" << why
             << ": it needs a partitioned module or one whose "
                "sdy.manual_computation bodies hold the collectives "
                "(allow-empty=true places it at 0 s of communication)";
    module.emitWarning() << "az-place found no explicit collectives to place"
                         << why << "; its communication is priced at 0 s";
  }
  auto weighed = weighCollectives(slice, *collectives);
  if (failed(weighed))
    return failure();
  return plan::PricedStep{std::move(*weighed),
                          "explicit collectives in the module", unpriced};
}

} // namespace aoizora
