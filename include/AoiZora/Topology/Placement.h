//===- Placement.h - Which logical device sits on which chip ----*- C++ -*-===//
//
// A placement maps each logical device id of a program (the ids used by
// replica groups and mesh device lists) to a chip of a slice and a core slot
// on that chip. The slice's default assignment is row-major with x fastest;
// a JSON topology file dumped from JAX (`jax.devices()`) overrides it and is
// the source of truth when given. A placement also knows the order in which
// `jax.devices()` lists its devices (process by process, each process a tile
// of chips) and which process owns each device; docs/topology-file.md.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_TOPOLOGY_PLACEMENT_H
#define AOIZORA_TOPOLOGY_PLACEMENT_H

#include "AoiZora/Topology/Slice.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <array>
#include <string>

namespace aoizora {

/// The chips one JAX process (one TPU VM) owns: a box of chips with these
/// extents (x, y, z), tiling the slice. Processes are numbered x fastest over
/// the tiles; jax.devices() lists process 0's devices first.
struct HostTile {
  std::array<int, kMaxDims> extent = {1, 1, 1};
  unsigned chips() const { return extent[0] * extent[1] * extent[2]; }
};

/// The VM shape Cloud TPU gives \p slice (sources in Placement.cpp and
/// docs/topology-file.md): one process for single-host slices (v5e/v6e up
/// to 8 chips, v4/v5p/v7x 2x2x1, the generic chip always), else 2x2x1 tiles
/// of 4 chips. A tile that does not divide the slice means one process.
HostTile hostTileFor(const Slice &slice);

/// JAX's device_kind string for the slice's generation when no topology
/// file says otherwise ("TPU v4", "TPU v5 lite", "TPU v5p", "TPU v6 lite",
/// "TPU7x"; "" for the generic chip).
llvm::StringRef defaultDeviceKind(const Slice &slice);

class Placement {
public:
  /// The default assignment: device d sits on chip d / devicesPerChip (chips
  /// numbered x fastest, see Slice::chipAt) in core slot d % devicesPerChip.
  static Placement defaultFor(const Slice &slice);

  /// Device d on chip \p chipOfDevice[d], core slot \p slotOfDevice[d]
  /// (empty: 0 for every device, only valid with one device per chip).
  /// Checks the count and that no (chip, slot) is used twice.
  static llvm::Expected<Placement>
  fromChips(const Slice &slice, llvm::ArrayRef<unsigned> chipOfDevice,
            llvm::ArrayRef<unsigned> slotOfDevice = {});

  /// Reads a topology file: either a JSON array of device entries or an
  /// object with a "devices" array, in `jax.devices()` order (the array
  /// order is the list order). Each entry is
  ///   {"id": <int>, "coords": [x, y] or [x, y, z], "core_on_chip": <int>,
  ///    "process_index": <int>, "device_kind": <string>,
  ///    "slice_index": <int>}
  /// of which "id" and "coords" are required; "core_on_chip" defaults to 0,
  /// "process_index" to the process of the slice's host tiles, and other
  /// keys are ignored. On chips with one device per chip (v5e, v6e, and the
  /// megacore v4/v5p whose devices JAX reports with core_on_chip 0) the core
  /// must be 0; on v7x it is the core slot 0 or 1. Rejects, naming the
  /// entry: missing or mistyped fields, coordinates outside the slice,
  /// duplicate ids, duplicate (coords, core_on_chip), ids that are not
  /// exactly 0..N-1, a device count other than the slice's, device kinds or
  /// slice indices that differ between entries (one slice is planned).
  static llvm::Expected<Placement> fromJSON(const Slice &slice,
                                            const llvm::json::Value &value);
  static llvm::Expected<Placement> fromJSONText(const Slice &slice,
                                                llvm::StringRef text);
  static llvm::Expected<Placement> fromFile(const Slice &slice,
                                            llvm::StringRef path);

  unsigned numDevices() const { return chipOf_.size(); }
  unsigned chipOf(unsigned device) const { return chipOf_[device]; }
  unsigned slotOf(unsigned device) const { return slotOf_[device]; }
  llvm::ArrayRef<unsigned> chips() const { return chipOf_; }
  /// chipOf * devices per chip + slotOf: one number per (chip, slot).
  unsigned position(unsigned device) const {
    return chipOf_[device] * devicesPerChip + slotOf_[device];
  }
  /// The device on \p chip in core slot \p slot.
  unsigned deviceAt(unsigned chip, unsigned slot = 0) const {
    return deviceAt_[chip * devicesPerChip + slot];
  }

  /// Device ids in `jax.devices()` order: the topology file's order, or
  /// process by process over the slice's host tiles (hostTileFor), each
  /// process's chips x fastest, then y, then z, core slots fastest.
  llvm::ArrayRef<unsigned> jaxListOrder() const { return listOrder_; }
  /// The JAX process that owns \p device.
  unsigned processOf(unsigned device) const { return processOf_[device]; }
  unsigned numProcesses() const;
  /// JAX's device_kind: the topology file's, else defaultDeviceKind.
  llvm::StringRef deviceKind() const { return deviceKind_; }
  /// Whether a topology file gave the list order (else it is modelled).
  bool listOrderFromFile() const { return fromFile_; }

  /// Relabels devices: in the result, logical id i sits where logical id
  /// \p order[i] sits in this placement. \p order must be a permutation of
  /// 0..numDevices()-1 (asserted; use verifyPermutation on untrusted input).
  Placement permuted(llvm::ArrayRef<unsigned> order) const;

  /// Checks that \p order is a permutation of 0..n-1.
  static llvm::Error verifyPermutation(llvm::ArrayRef<unsigned> order,
                                       unsigned n);

  /// Serialises as a topology file in jax.devices() order (array of {id,
  /// coords, core_on_chip, process_index, device_kind}).
  llvm::json::Value toJSON(const Slice &slice) const;

private:
  Placement() = default;
  void buildInverse();
  /// Sets the modelled list order and processes (hostTileFor).
  void modelJaxList(const Slice &slice);
  unsigned devicesPerChip = 1;
  llvm::SmallVector<unsigned, 0> listOrder_;
  llvm::SmallVector<unsigned, 0> processOf_;
  std::string deviceKind_;
  bool fromFile_ = false;
  llvm::SmallVector<unsigned, 0> chipOf_;
  llvm::SmallVector<unsigned, 0> slotOf_;
  llvm::SmallVector<unsigned, 0> deviceAt_;
};

} // namespace aoizora

#endif // AOIZORA_TOPOLOGY_PLACEMENT_H
