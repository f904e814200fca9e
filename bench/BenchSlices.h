//===- BenchSlices.h - Slices the benchmarks sweep over ---------*- C++ -*-===//
//
// The v5e shape with a given number of chips, so that every benchmark
// sweeps the same sequence of slices.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_BENCH_BENCHSLICES_H
#define AOIZORA_BENCH_BENCHSLICES_H

#include "AoiZora/Topology/Slice.h"

namespace aoizora {

/// The listed v5e slice with at least \p chips chips (4 to 256).
inline Slice v5eSliceWith(int64_t chips) {
  const char *spec = chips <= 4     ? "v5e:2x2"
                     : chips <= 8   ? "v5e:2x4"
                     : chips <= 16  ? "v5e:4x4"
                     : chips <= 32  ? "v5e:4x8"
                     : chips <= 64  ? "v5e:8x8"
                     : chips <= 128 ? "v5e:8x16"
                                    : "v5e:16x16";
  return std::move(*Slice::parse(spec));
}

} // namespace aoizora

#endif // AOIZORA_BENCH_BENCHSLICES_H
