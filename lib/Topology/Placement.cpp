//===- Placement.cpp - Which logical device sits on which chip ------------===//
//
// Default device assignment, the JSON topology file, the jax.devices() list
// order, and relabelling.
//
// Chips per JAX process (one per TPU VM) and where they sit. Sources:
//  [CT-v5e] docs.cloud.google.com/tpu/docs/v5e, configurations table: 1, 4
//           and 8-chip slices are single-host; larger slices run on 4-chip
//           VMs (ct5lp-hightpu-4t).
//  [CT-v6e] docs.cloud.google.com/tpu/docs/v6e, "Supported configurations":
//           1x1, 2x2 and 2x4 on one VM (ct6e-standard-8t for 2x4); 4x4 and
//           larger on 4-chip VMs (ct6e-standard-4t: 4x4 = 4 VMs, 16x16 =
//           64 VMs).
//  [CT-v4], [CT-v5p], [CT-7x] docs.cloud.google.com/tpu/docs/v4, /v5p,
//           /tpu7x: 4 chips per host (the TPU7x and v5p tables describe the
//           "4-chip VM"; TPU7x shows 2 devices per chip).
//  [JAX-MP] docs.jax.dev, "Introduction to multi-controller JAX": a 4-process
//           16-chip slice lists ids 0,1,4,5 | 2,3,6,7 | 8,9,12,13 |
//           10,11,14,15 (ids row-major by coordinates, each process a 2x2
//           tile, processes x fastest).
//  [JAX-MU] jax-ml/jax tests/mesh_utils_test.py (mock_tpu_devices, commit
//           6072d5993ed58cb76b9d9aabb23de008a694c6b2): the same model of
//           jax.devices(): 2x2x1 chips per process, process index x fastest
//           over the tiles, within a process chips x fastest then y then z,
//           the core innermost; ids row-major over the whole slice.
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

HostTile hostTileFor(const Slice &slice) {
  HostTile tile;
  TpuGeneration gen = slice.chip().generation;
  if (gen == TpuGeneration::Generic)
    return HostTile{{slice.extent(0), slice.extent(1), slice.extent(2)}};
  // [CT-v5e], [CT-v6e]: up to 8 chips on one VM.
  bool twoD = gen == TpuGeneration::V5e || gen == TpuGeneration::V6e;
  if (twoD && slice.numChips() <= 8)
    return HostTile{{slice.extent(0), slice.extent(1), slice.extent(2)}};
  // [CT-v4], [CT-v5p], [CT-7x], [CT-v5e]/[CT-v6e] multi-host: 4-chip VMs,
  // a 2x2x1 tile each ([JAX-MP], [JAX-MU]).
  tile.extent = {2, 2, 1};
  for (unsigned d = 0; d < kMaxDims; ++d)
    if (slice.extent(d) % tile.extent[d] != 0)
      return HostTile{{slice.extent(0), slice.extent(1), slice.extent(2)}};
  return tile;
}

StringRef defaultDeviceKind(const Slice &slice) {
  // The device_kind strings JAX reports (jax/_src/mesh_utils.py names them).
  switch (slice.chip().generation) {
  case TpuGeneration::V4:
    return "TPU v4";
  case TpuGeneration::V5e:
    return "TPU v5 lite";
  case TpuGeneration::V5p:
    return "TPU v5p";
  case TpuGeneration::V6e:
    return "TPU v6 lite";
  case TpuGeneration::V7x:
    return "TPU7x";
  case TpuGeneration::Generic:
    return "";
  }
  return "";
}

void Placement::modelJaxList(const Slice &slice) {
  HostTile tile = hostTileFor(slice);
  std::array<int, kMaxDims> tiles;
  for (unsigned d = 0; d < kMaxDims; ++d)
    tiles[d] = slice.extent(d) / tile.extent[d];
  unsigned n = chipOf_.size();
  listOrder_.clear();
  processOf_.assign(n, 0);
  unsigned process = 0;
  for (int tz = 0; tz < tiles[2]; ++tz)
    for (int ty = 0; ty < tiles[1]; ++ty)
      for (int tx = 0; tx < tiles[0]; ++tx, ++process)
        for (int z = 0; z < tile.extent[2]; ++z)
          for (int y = 0; y < tile.extent[1]; ++y)
            for (int x = 0; x < tile.extent[0]; ++x) {
              unsigned chip = slice.chipAt({tx * tile.extent[0] + x,
                                            ty * tile.extent[1] + y,
                                            tz * tile.extent[2] + z});
              for (unsigned slot = 0; slot < devicesPerChip; ++slot) {
                unsigned device = deviceAt(chip, slot);
                listOrder_.push_back(device);
                processOf_[device] = process;
              }
            }
  fromFile_ = false;
}

unsigned Placement::numProcesses() const {
  unsigned most = 0;
  for (unsigned p : processOf_)
    most = std::max(most, p + 1);
  return most;
}

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
  p.modelJaxList(slice);
  p.deviceKind_ = defaultDeviceKind(slice).str();
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
  p.modelJaxList(slice);
  p.deviceKind_ = defaultDeviceKind(slice).str();
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
  SmallVector<unsigned, 0> listOrder;
  SmallVector<int64_t, 0> processOf(n, -1);
  std::optional<std::string> kind;
  std::optional<int64_t> sliceIndex;
  unsigned withProcess = 0;
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
    listOrder.push_back(unsigned(*id));
    if (const json::Value *pv = entry->get("process_index")) {
      std::optional<int64_t> process = pv->getAsInteger();
      if (!process || *process < 0)
        return makeError(name + " has a \"process_index\" that is not a "
                                "non-negative integer");
      processOf[*id] = *process;
      ++withProcess;
    }
    if (const json::Value *kv = entry->get("device_kind")) {
      std::optional<StringRef> k = kv->getAsString();
      if (!k)
        return makeError(name + " has a non-string \"device_kind\"");
      if (kind && *kind != *k)
        return makeError(name + " has device_kind '" + *k +
                         "' but an earlier device has '" + *kind +
                         "'; a slice holds one kind of chip");
      kind = k->str();
    }
    if (const json::Value *sv = entry->get("slice_index")) {
      std::optional<int64_t> si = sv->getAsInteger();
      if (!si)
        return makeError(name + " has a non-integer \"slice_index\"");
      if (sliceIndex && *sliceIndex != *si)
        return makeError(name + " is in slice " + Twine(*si) +
                         " but an earlier device is in slice " +
                         Twine(*sliceIndex) +
                         "; AoiZora plans one slice at a time (pass the "
                         "devices of one slice_index)");
      sliceIndex = *si;
    }
  }
  if (withProcess != 0 && withProcess != n)
    return makeError("topology file gives \"process_index\" for " +
                     Twine(withProcess) + " of " + Twine(n) +
                     " devices; give it for all or none");
  // Ids are in range and unique and the count matches, so all are present.
  Placement p;
  p.devicesPerChip = perChip;
  p.chipOf_ = std::move(chipOf);
  p.slotOf_ = std::move(slotOf);
  p.buildInverse();
  p.modelJaxList(slice);
  // The file's order is jax.devices()'s; its processes, when given, win.
  p.listOrder_ = std::move(listOrder);
  p.fromFile_ = true;
  if (withProcess == n)
    for (unsigned d = 0; d < n; ++d)
      p.processOf_[d] = unsigned(processOf[d]);
  p.deviceKind_ = kind ? *kind : defaultDeviceKind(slice).str();
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
  p.processOf_.resize(order.size());
  SmallVector<unsigned, 0> newIdOf(order.size());
  for (unsigned i = 0; i < order.size(); ++i) {
    p.chipOf_[i] = chipOf_[order[i]];
    p.slotOf_[i] = slotOf_[order[i]];
    p.processOf_[i] = processOf_[order[i]];
    newIdOf[order[i]] = i;
  }
  // The same devices in the same list order, under their new ids.
  for (unsigned old : listOrder_)
    p.listOrder_.push_back(newIdOf[old]);
  p.deviceKind_ = deviceKind_;
  p.fromFile_ = fromFile_;
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
  for (unsigned d : listOrder_) {
    ChipCoords c = slice.coordsOf(chipOf_[d]);
    json::Array coords;
    for (unsigned k = 0; k < kMaxDims; ++k)
      coords.push_back(c[k]);
    json::Object entry{{"id", int64_t(d)},
                       {"coords", std::move(coords)},
                       {"core_on_chip", int64_t(slotOf_[d])},
                       {"process_index", int64_t(processOf_[d])}};
    if (!deviceKind_.empty())
      entry["device_kind"] = deviceKind_;
    out.push_back(std::move(entry));
  }
  return out;
}

} // namespace aoizora
