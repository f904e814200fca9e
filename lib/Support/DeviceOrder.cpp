//===- DeviceOrder.cpp - Device orders given by the user ------------------===//

#include "AoiZora/Support/DeviceOrder.h"

#include "AoiZora/Support/InputFile.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

using llvm::SmallVector;
using llvm::StringRef;

namespace aoizora {

llvm::Expected<SmallVector<int64_t>> parseDeviceOrder(StringRef text) {
  SmallVector<StringRef> pieces;
  text.split(pieces, ',');
  SmallVector<int64_t> order;
  for (StringRef piece : pieces) {
    int64_t id;
    if (piece.trim().getAsInteger(10, id))
      return llvm::createStringError(
          "invalid device order '%s': '%s' is not an integer",
          text.str().c_str(), piece.trim().str().c_str());
    order.push_back(id);
  }
  return order;
}

llvm::Expected<SmallVector<int64_t>>
parseDeviceOrderFromPlanText(StringRef text, StringRef path) {
  // llvm::json recurses per nesting level: bound it first.
  if (llvm::Error err = checkJsonNesting(text))
    return llvm::createStringError("plan file '%s': %s", path.str().c_str(),
                                   llvm::toString(std::move(err)).c_str());
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(text);
  if (!json)
    return llvm::createStringError("plan file '%s' is not valid JSON: %s",
                                   path.str().c_str(),
                                   llvm::toString(json.takeError()).c_str());
  const llvm::json::Object *root = json->getAsObject();
  const llvm::json::Array *array =
      root ? root->getArray("device_order") : nullptr;
  if (!array)
    return llvm::createStringError(
        "plan file '%s' has no \"device_order\" array", path.str().c_str());
  SmallVector<int64_t> order;
  for (const llvm::json::Value &entry : *array) {
    std::optional<int64_t> id = entry.getAsInteger();
    if (!id)
      return llvm::createStringError(
          "plan file '%s': \"device_order\" holds a non-integer entry",
          path.str().c_str());
    order.push_back(*id);
  }
  return order;
}

llvm::Expected<SmallVector<int64_t>> readDeviceOrderFromPlan(StringRef path) {
  llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      readJsonFile(path, "plan file");
  if (!buffer)
    return buffer.takeError();
  return parseDeviceOrderFromPlanText((*buffer)->getBuffer(), path);
}

llvm::Error verifyDeviceOrder(llvm::ArrayRef<int64_t> order,
                              int64_t numDevices) {
  if (static_cast<int64_t>(order.size()) != numDevices)
    return llvm::createStringError(
        "the module has %lld devices but the order lists %zu",
        static_cast<long long>(numDevices), order.size());
  SmallVector<bool> seen(numDevices, false);
  for (int64_t id : order) {
    if (id < 0 || id >= numDevices)
      return llvm::createStringError("device id %lld is out of range [0, %lld)",
                                     static_cast<long long>(id),
                                     static_cast<long long>(numDevices));
    if (seen[id])
      return llvm::createStringError(
          "device id %lld appears twice, so the order is not a permutation",
          static_cast<long long>(id));
    seen[id] = true;
  }
  return llvm::Error::success();
}

} // namespace aoizora
