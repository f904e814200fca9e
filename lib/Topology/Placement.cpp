//===- Placement.cpp - Which logical device sits on which chip ------------===//
//
// Default device assignment, the JSON topology file, and relabelling.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Topology/Placement.h"

#include "AoiZora/Support/InputFile.h"
#include "AoiZora/Support/Limits.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;

namespace aoizora {

namespace {
Error makeError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}
constexpr unsigned kUnset = ~0u;
} // namespace

void Placement::buildInverse() {
  deviceAt_.assign(chipOf_.size(), kUnset);
  for (unsigned d = 0; d < chipOf_.size(); ++d)
    deviceAt_[chipOf_[d] * devicesPerChip + slotOf_[d]] = d;
}

Placement Placement::defaultFor(const Slice &slice) {
  Placement p;
  p.devicesPerChip = slice.chip().devicesPerChip;
  unsigned n = slice.numDevices();
  p.chipOf_.resize(n);
  p.slotOf_.resize(n);
  for (unsigned d = 0; d < n; ++d) {
    p.chipOf_[d] = d / p.devicesPerChip;
    p.slotOf_[d] = d % p.devicesPerChip;
  }
  p.buildInverse();
  return p;
}

Expected<Placement> Placement::fromChips(const Slice &slice,
                                         ArrayRef<unsigned> chipOfDevice,
                                         ArrayRef<unsigned> slotOfDevice) {
  unsigned n = slice.numDevices();
  unsigned perChip = slice.chip().devicesPerChip;
  if (chipOfDevice.size() != n)
    return makeError("placement has " + Twine(chipOfDevice.size()) +
                     " devices but slice " + slice.str() + " has " + Twine(n));
  if (!slotOfDevice.empty() && slotOfDevice.size() != n)
    return makeError("placement core slots: expected " + Twine(n) +
                     " entries, got " + Twine(slotOfDevice.size()));
  if (slotOfDevice.empty() && perChip != 1)
    return makeError("slice " + slice.str() +
                     " has several devices per chip; give core slots");
  Placement p;
  p.devicesPerChip = perChip;
  p.chipOf_.assign(chipOfDevice.begin(), chipOfDevice.end());
  if (slotOfDevice.empty())
    p.slotOf_.assign(n, 0);
  else
    p.slotOf_.assign(slotOfDevice.begin(), slotOfDevice.end());
  SmallVector<int, 0> owner(n, -1);
  for (unsigned d = 0; d < n; ++d) {
    if (p.chipOf_[d] >= slice.numChips())
      return makeError("device " + Twine(d) + " is on chip " +
                       Twine(p.chipOf_[d]) + ", outside the slice");
    if (p.slotOf_[d] >= perChip)
      return makeError("device " + Twine(d) + " uses core slot " +
                       Twine(p.slotOf_[d]) + " but chips have " +
                       Twine(perChip));
    unsigned key = p.chipOf_[d] * perChip + p.slotOf_[d];
    if (owner[key] >= 0)
      return makeError("devices " + Twine(owner[key]) + " and " + Twine(d) +
                       " are both on chip " + Twine(p.chipOf_[d]) +
                       " core slot " + Twine(p.slotOf_[d]));
    owner[key] = d;
  }
  p.buildInverse();
  return p;
}

Expected<Placement> Placement::fromJSON(const Slice &slice,
                                        const json::Value &value) {
  const json::Array *entries = value.getAsArray();
  if (!entries) {
    if (const json::Object *obj = value.getAsObject())
      entries = obj->getArray("devices");
    if (!entries)
      return makeError("topology file must be an array of devices or an "
                       "object with a \"devices\" array");
  }
  unsigned n = slice.numDevices();
  unsigned perChip = slice.chip().devicesPerChip;
  if (entries->size() != n)
    return makeError("topology file lists " + Twine(entries->size()) +
                     " devices but slice " + slice.str() + " has " + Twine(n));

  SmallVector<unsigned, 0> chipOf(n, kUnset), slotOf(n, 0);
  // For each (chip, slot), the entry index that claimed it.
  SmallVector<int, 0> claimedBy(n, -1);
  for (auto [index, entryValue] : enumerate(*entries)) {
    std::string where = ("device entry #" + Twine(index)).str();
    const json::Object *entry = entryValue.getAsObject();
    if (!entry)
      return makeError(where + " is not an object");
    std::optional<int64_t> id = entry->getInteger("id");
    if (!id)
      return makeError(where + " has no integer \"id\"");
    std::string name =
        ("device entry #" + Twine(index) + " (id " + Twine(*id) + ")").str();
    const json::Array *coords = entry->getArray("coords");
    if (!coords)
      return makeError(name + " has no \"coords\" array");
    if (coords->size() < slice.numDims() || coords->size() > kMaxDims)
      return makeError(
          name + " has " + Twine(coords->size()) + " coordinates; slice " +
          slice.str() + " needs " + Twine(slice.numDims()) +
          (slice.numDims() < kMaxDims ? " (or 3 with z = 0)" : ""));
    ChipCoords c = {0, 0, 0};
    for (auto [d, v] : enumerate(*coords)) {
      std::optional<int64_t> x = v.getAsInteger();
      if (!x)
        return makeError(name + " has a non-integer coordinate");
      c[d] = int(*x);
    }
    if (!slice.contains(c))
      return makeError(name + " has coords [" + Twine(c[0]) + ", " +
                       Twine(c[1]) + ", " + Twine(c[2]) + "] outside slice " +
                       slice.str());
    int64_t core = 0;
    if (const json::Value *cv = entry->get("core_on_chip")) {
      std::optional<int64_t> k = cv->getAsInteger();
      if (!k)
        return makeError(name + " has a non-integer \"core_on_chip\"");
      core = *k;
    }
    if (core < 0 || core >= int64_t(perChip))
      return makeError(name + " has core_on_chip " + Twine(core) + "; " +
                       slice.chip().name + " exposes " + Twine(perChip) +
                       " device(s) per chip" +
                       (perChip == 1 ? ", so core_on_chip must be 0" : ""));
    if (*id < 0 || *id >= int64_t(n))
      return makeError(name + ": ids must be exactly 0.." + Twine(n - 1) +
                       " (contiguous), found " + Twine(*id));
    if (chipOf[*id] != kUnset)
      return makeError(name + " repeats id " + Twine(*id));
    unsigned chip = slice.chipAt(c);
    unsigned key = chip * perChip + unsigned(core);
    if (claimedBy[key] >= 0)
      return makeError(name +
                       " has the same coords and core_on_chip as "
                       "device entry #" +
                       Twine(claimedBy[key]));
    claimedBy[key] = int(index);
    chipOf[*id] = chip;
    slotOf[*id] = unsigned(core);
  }
  // Ids are in range and unique and the count matches, so all are present.
  Placement p;
  p.devicesPerChip = perChip;
  p.chipOf_ = std::move(chipOf);
  p.slotOf_ = std::move(slotOf);
  p.buildInverse();
  return p;
}

Expected<Placement> Placement::fromJSONText(const Slice &slice,
                                            StringRef text) {
  if (Error err = aoizora::checkJsonNesting(text))
    return makeError("topology file: " + toString(std::move(err)));
  Expected<json::Value> value = json::parse(text);
  if (!value)
    return makeError("topology file is not valid JSON: " +
                     toString(value.takeError()));
  return fromJSON(slice, *value);
}

Expected<Placement> Placement::fromFile(const Slice &slice, StringRef path) {
  Expected<std::unique_ptr<MemoryBuffer>> buffer = aoizora::readInputFile(
      path, aoizora::limits::kMaxJsonFileBytes, "topology file");
  if (!buffer)
    return buffer.takeError();
  Expected<Placement> p = fromJSONText(slice, (*buffer)->getBuffer());
  if (!p)
    return makeError(path + ": " + toString(p.takeError()));
  return p;
}

Placement Placement::permuted(ArrayRef<unsigned> order) const {
  assert(order.size() == numDevices() && "order must cover every device");
  assert([&] {
    Error e = verifyPermutation(order, numDevices());
    bool ok = !e;
    consumeError(std::move(e));
    return ok;
  }() && "order must be a permutation");
  Placement p;
  p.devicesPerChip = devicesPerChip;
  p.chipOf_.resize(order.size());
  p.slotOf_.resize(order.size());
  for (unsigned i = 0; i < order.size(); ++i) {
    p.chipOf_[i] = chipOf_[order[i]];
    p.slotOf_[i] = slotOf_[order[i]];
  }
  p.buildInverse();
  return p;
}

Error Placement::verifyPermutation(ArrayRef<unsigned> order, unsigned n) {
  if (order.size() != n)
    return makeError("device order has " + Twine(order.size()) +
                     " entries, expected " + Twine(n));
  SmallVector<bool, 0> seen(n, false);
  for (auto [i, v] : enumerate(order)) {
    if (v >= n)
      return makeError("device order entry " + Twine(i) + " is " + Twine(v) +
                       ", outside 0.." + Twine(n - 1));
    if (seen[v])
      return makeError("device order repeats " + Twine(v));
    seen[v] = true;
  }
  return Error::success();
}

json::Value Placement::toJSON(const Slice &slice) const {
  json::Array out;
  for (unsigned d = 0; d < numDevices(); ++d) {
    ChipCoords c = slice.coordsOf(chipOf_[d]);
    json::Array coords;
    for (unsigned k = 0; k < kMaxDims; ++k)
      coords.push_back(c[k]);
    out.push_back(json::Object{{"id", int64_t(d)},
                               {"coords", std::move(coords)},
                               {"core_on_chip", int64_t(slotOf_[d])}});
  }
  return out;
}

} // namespace aoizora
