//===- Calibration.h - Measured efficiencies of collectives -----*- C++ -*-===//
//
// What the physics of the links leaves out of a collective's time: a fixed
// cost per collective (launch, synchronisation) and the fraction of the link
// bandwidth a collective achieves, by kind and message size. The defaults
// live in Calibration.cpp, one place, each number with its source
// (docs/cost-model.md, "Calibration"); a calibration file (JSON, written by
// bench/jax/calibrate.py from measurements on a real slice) overrides them
// for one generation or one slice.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_COST_CALIBRATION_H
#define AOIZORA_COST_CALIBRATION_H

#include "AoiZora/Cost/Efficiency.h"
#include "AoiZora/Topology/Chip.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <array>
#include <optional>
#include <string>

namespace aoizora {

class Slice;
enum class CollectiveKind;

/// One point of an achieved-bandwidth curve: at messages of `bytes`
/// (CollectiveSpec::bytes), the collective moves data at `fraction` of the
/// link bandwidth.
struct BandwidthPoint {
  double bytes = 0;
  double fraction = 1;
};

/// The figures of one collective kind.
struct CollectiveFigures {
  /// Added once per collective that moves anything (launch and
  /// synchronisation, independent of size and group).
  double fixedSeconds = 0;
  /// Achieved fraction of the link bandwidth by message size, sorted by
  /// bytes (strictly increasing), each fraction in (0, 1]. Between points
  /// the fraction is interpolated linearly in log(bytes); outside, the
  /// nearest point holds. Never empty.
  llvm::SmallVector<BandwidthPoint, 4> bandwidth{BandwidthPoint{}};

  /// The achieved fraction at messages of \p bytes.
  double bandwidthFraction(double bytes) const;
};

/// Measured achieved fractions per op class (the file's "compute" keys):
/// matmul and attention of peak FLOP/s, elementwise of HBM bandwidth (what
/// bench/jax/calibrate.py measures). Unset: the compute model's defaults
/// (Cost/Efficiency.h).
struct ComputeFigures {
  std::optional<double> matmul;
  std::optional<double> attention;
  std::optional<double> elementwise;

  /// \p defaults with the fractions this calibration sets.
  ComputeEfficiency applyTo(ComputeEfficiency defaults) const {
    if (matmul)
      defaults.matmulFlops = *matmul;
    if (attention)
      defaults.attentionFlops = *attention;
    if (elementwise)
      defaults.hbmBandwidth = *elementwise;
    return defaults;
  }
};

/// Everything a calibration sets, for one generation (optionally one slice).
struct Calibration {
  TpuGeneration generation = TpuGeneration::Generic;
  /// Set when the figures were measured on (and only apply to) one slice
  /// shape.
  std::optional<llvm::SmallVector<int, 3>> sliceShape;
  /// Per CollectiveKind, in enum order.
  std::array<CollectiveFigures, 6> collectives;
  /// Seconds per ICI hop (defaults to ChipSpec::iciHopLatency).
  double hopLatency = 0;
  ComputeFigures compute;
  /// Where the figures come from: "defaults", or the file's path.
  std::string origin = "defaults";

  const CollectiveFigures &of(CollectiveKind kind) const;
  CollectiveFigures &of(CollectiveKind kind);

  /// The published defaults for \p generation (Calibration.cpp cites each).
  /// The generic test chip gets the ideal figures.
  static const Calibration &defaults(TpuGeneration generation);
  /// No fixed cost and the full link bandwidth: the physical bound, used by
  /// tests that check the formulas of docs/cost-model.md.
  static Calibration ideal(TpuGeneration generation);

  /// Parses a calibration file for \p slice. Starts from the defaults of the
  /// slice's generation and overrides what the file sets. Errors name the
  /// key: unknown keys, values that are not positive numbers, fractions
  /// above 1, a bandwidth curve whose sizes do not increase, a file for
  /// another generation or another slice shape.
  static llvm::Expected<Calibration> fromJSONText(llvm::StringRef text,
                                                  const Slice &slice);
  static llvm::Expected<Calibration> fromFile(llvm::StringRef path,
                                              const Slice &slice);
};

} // namespace aoizora

#endif // AOIZORA_COST_CALIBRATION_H
