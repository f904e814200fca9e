//===- Placement.h - Which logical device sits on which chip ----*- C++ -*-===//
//
// A placement maps each logical device id of a program (the ids used by
// replica groups and mesh device lists) to a chip of a slice and a core slot
// on that chip. The slice's default assignment is row-major with x fastest;
// a JSON topology file dumped from JAX (`jax.devices()`) overrides it and is
// the source of truth when given.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_TOPOLOGY_PLACEMENT_H
#define AOIZORA_TOPOLOGY_PLACEMENT_H

#include "AoiZora/Topology/Slice.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

namespace aoizora {

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
  /// object with a "devices" array. Each entry is
  ///   {"id": <int>, "coords": [x, y] or [x, y, z], "core_on_chip": <int>}
  /// ("core_on_chip" optional, default 0). On chips with one device per chip
  /// (v5e, v6e, and the megacore v4/v5p whose devices JAX reports with
  /// core_on_chip 0) it must be 0; on v7x it is the core slot 0 or 1.
  /// Rejects, naming the entry: missing or mistyped fields, coordinates
  /// outside the slice, duplicate ids, duplicate (coords, core_on_chip), ids
  /// that are not exactly 0..N-1, and a device count other than the slice's.
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
  /// The device on \p chip in core slot \p slot.
  unsigned deviceAt(unsigned chip, unsigned slot = 0) const {
    return deviceAt_[chip * devicesPerChip + slot];
  }

  /// Relabels devices: in the result, logical id i sits where logical id
  /// \p order[i] sits in this placement. \p order must be a permutation of
  /// 0..numDevices()-1 (asserted; use verifyPermutation on untrusted input).
  Placement permuted(llvm::ArrayRef<unsigned> order) const;

  /// Checks that \p order is a permutation of 0..n-1.
  static llvm::Error verifyPermutation(llvm::ArrayRef<unsigned> order,
                                       unsigned n);

  /// Serialises as a topology file (array of {id, coords, core_on_chip}).
  llvm::json::Value toJSON(const Slice &slice) const;

private:
  Placement() = default;
  void buildInverse();
  unsigned devicesPerChip = 1;
  llvm::SmallVector<unsigned, 0> chipOf_;
  llvm::SmallVector<unsigned, 0> slotOf_;
  llvm::SmallVector<unsigned, 0> deviceAt_;
};

} // namespace aoizora

#endif // AOIZORA_TOPOLOGY_PLACEMENT_H
