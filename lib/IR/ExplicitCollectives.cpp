//===- ExplicitCollectives.cpp - Collectives written in a module ----------===//
//
// Byte conventions follow CollectiveSpec (Cost/Collective.h): all-gather
// counts its output per device, every other kind its input per device.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/IR/ExplicitCollectives.h"

#include "AoiZora/HloImport/HloImport.h"
#include "AoiZora/IR/ShardingSites.h"
#include "AoiZora/Support/CheckedMath.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;

namespace aoizora {

static std::optional<CollectiveKind> kindOf(StringRef opName) {
  return llvm::StringSwitch<std::optional<CollectiveKind>>(opName)
      .Case("stablehlo.all_gather", CollectiveKind::AllGather)
      .Case("stablehlo.reduce_scatter", CollectiveKind::ReduceScatter)
      .Case("stablehlo.all_reduce", CollectiveKind::AllReduce)
      .Case("stablehlo.all_to_all", CollectiveKind::AllToAll)
      .Case("stablehlo.collective_permute", CollectiveKind::CollectivePermute)
      .Case("stablehlo.collective_broadcast",
            CollectiveKind::CollectiveBroadcast)
      .Default(std::nullopt);
}

bool isExplicitCollective(StringRef opName) {
  return kindOf(opName).has_value();
}

std::optional<int64_t> getTensorBytes(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape())
    return std::nullopt;
  Type element = tensor.getElementType();
  int64_t bits;
  if (auto complex = dyn_cast<ComplexType>(element)) {
    if (!complex.getElementType().isIntOrFloat())
      return std::nullopt;
    bits = 2 * complex.getElementType().getIntOrFloatBitWidth();
  } else if (element.isIntOrFloat()) {
    bits = element.getIntOrFloatBitWidth();
  } else {
    return std::nullopt;
  }
  // Sub-byte elements (i4, f4) are packed; round up per array. A count that
  // overflows is no size (the caller reports it), never a wrapped one.
  std::optional<int64_t> elements = checkedProduct(tensor.getShape());
  std::optional<int64_t> totalBits =
      elements ? checkedMul(*elements, bits) : std::nullopt;
  std::optional<int64_t> rounded =
      totalBits ? checkedAdd(*totalBits, 7) : std::nullopt;
  if (!rounded)
    return std::nullopt;
  return *rounded / 8;
}

/// Sums the bytes of \p types; std::nullopt if any is not a static tensor.
static std::optional<int64_t> sumBytes(TypeRange types) {
  int64_t total = 0;
  for (Type type : types) {
    std::optional<int64_t> bytes = getTensorBytes(type);
    if (!bytes)
      return std::nullopt;
    std::optional<int64_t> sum = checkedAdd(total, *bytes);
    if (!sum)
      return std::nullopt;
    total = *sum;
  }
  return total;
}

FailureOr<SmallVector<ExplicitCollective, 0>>
collectExplicitCollectives(ModuleOp module, int64_t numDevices) {
  SmallVector<ExplicitCollective, 0> result;
  WalkResult walk = module.walk([&](Operation *op) {
    std::optional<CollectiveKind> kind = kindOf(op->getName().getStringRef());
    if (!kind)
      return WalkResult::advance();
    ExplicitCollective collective{op, {}, 0, 0};
    collective.spec.kind = *kind;
    std::optional<int64_t> bytes = *kind == CollectiveKind::AllGather
                                       ? sumBytes(op->getResultTypes())
                                       : sumBytes(op->getOperandTypes());
    if (!bytes) {
      op->emitError() << "cannot price '" << op->getName()
                      << "': its tensors need static shapes of int, float "
                         "or complex elements whose byte count fits in 64 "
                         "bits";
      return WalkResult::interrupt();
    }
    collective.spec.bytes = static_cast<double>(*bytes);

    StringRef groupsName = *kind == CollectiveKind::CollectivePermute
                               ? "source_target_pairs"
                               : "replica_groups";
    FailureOr<SmallVector<SmallVector<int64_t>>> groups =
        readDeviceGroups(op->getAttr(groupsName));
    if (failed(groups)) {
      op->emitError() << "cannot price '" << op->getName() << "': '"
                      << groupsName
                      << "' is missing or not a 2-D integer elements attribute";
      return WalkResult::interrupt();
    }
    for (ArrayRef<int64_t> group : *groups) {
      for (int64_t id : group)
        if (id >= numDevices) {
          op->emitError() << "'" << groupsName << "' names device " << id
                          << " but the module has " << numDevices
                          << " devices";
          return WalkResult::interrupt();
        }
      if (*kind == CollectiveKind::CollectivePermute) {
        if (group.size() != 2 || group[0] < 0 || group[1] < 0) {
          op->emitError() << "'source_target_pairs' rows must be two "
                             "non-negative device ids";
          return WalkResult::interrupt();
        }
        collective.spec.pairs.emplace_back(group[0], group[1]);
        continue;
      }
      SmallVector<unsigned, 16> members;
      for (int64_t id : group)
        if (id >= 0) // -1 pads uneven groups.
          members.push_back(static_cast<unsigned>(id));
      collective.spec.groups.push_back(std::move(members));
    }
    if (*kind == CollectiveKind::CollectivePermute) {
      collective.numGroups = collective.spec.pairs.size();
      collective.groupSize = 2;
    } else if (collective.spec.groups.empty()) {
      // An empty replica_groups means one group of all devices.
      collective.numGroups = 1;
      collective.groupSize = numDevices;
    } else {
      collective.numGroups = collective.spec.groups.size();
      collective.groupSize = collective.spec.groups.front().size();
    }
    result.push_back(std::move(collective));
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  return result;
}

SmallVector<UnpricedCommunicationOp, 0>
findUnpricedCommunication(ModuleOp module) {
  SmallVector<UnpricedCommunicationOp, 0> found;
  module.walk([&](Operation *op) {
    StringRef name = op->getName().getStringRef();
    auto [dialect, opName] = name.split('.');
    if (dialect != "stablehlo" && dialect != "mhlo")
      return;
    if (opName == "send" || opName == "recv") {
      auto host = op->getAttrOfType<BoolAttr>("is_host_transfer");
      if (!host || !host.getValue())
        found.push_back({op, (name + " between devices: the cost model has "
                                     "no pairs to say which devices it links")
                                 .str()});
      return;
    }
    if (opName == "custom_call") {
      auto target = op->getAttrOfType<StringAttr>("call_target_name");
      if (target && hlo::isCommunicatingCustomCallTarget(target.getValue()))
        found.push_back({op, ("custom_call @" + target.getValue() +
                              " communicates between devices and its traffic "
                              "is not known")
                                 .str()});
      return;
    }
    // MHLO's collectives are MHLO spellings of StableHLO's; only StableHLO
    // ops are collectives of their own here.
    if (dialect == "stablehlo" && !isExplicitCollective(name) &&
        (opName.contains("all_gather") || opName.contains("all_reduce") ||
         opName.contains("all_to_all") || opName.contains("reduce_scatter") ||
         opName.starts_with("collective_")))
      found.push_back(
          {op, ("'" + name + "' is a collective the cost model does not know")
                   .str()});
  });
  return found;
}

} // namespace aoizora
