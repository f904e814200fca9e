//===- Limits.h - Every input limit of AoiZora, in one place ----*- C++ -*-===//
//
// The bounds that keep hostile or broken input from crashing the tool,
// exhausting memory or running for hours. Each is checked before anything is
// allocated from the number it bounds, and each error names the limit.
// docs/robustness.md lists them with the reasoning; change them here only.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_SUPPORT_LIMITS_H
#define AOIZORA_SUPPORT_LIMITS_H

#include <cstdint>

namespace aoizora::limits {

/// Devices in one mesh, tile assignment, device list, slice or module. The
/// largest TPU pods are a few thousand chips (v5p: 8960), so 2^20 leaves room
/// for any real system while keeping per-device tables (tile maps,
/// placements) far below a gigabyte.
inline constexpr int64_t kMaxDevices = int64_t(1) << 20;
inline constexpr const char *kMaxDevicesText = "2^20 (1048576)";

/// Nesting depth of any recursive structure we parse: HLO sharding tuples,
/// HLO shapes and tuple shapes, and JSON files (checked before llvm::json
/// recurses). Real files nest a handful of levels.
inline constexpr unsigned kMaxNestingDepth = 256;

/// Candidate meshes stage 1 may enumerate (after size-1 axes are collapsed).
inline constexpr int64_t kMaxCandidates = 100000;

/// Bytes of a compiled HLO text file (`hlo-dump=`). XLA dumps of the largest
/// published models are tens of megabytes.
inline constexpr uint64_t kMaxHloFileBytes = uint64_t(1) << 30;

/// Bytes of an MLIR module read by aoizora-opt.
inline constexpr uint64_t kMaxModuleFileBytes = uint64_t(1) << 30;

/// Bytes of a JSON input (plan file, topology file).
inline constexpr uint64_t kMaxJsonFileBytes = uint64_t(64) << 20;

} // namespace aoizora::limits

#endif // AOIZORA_SUPPORT_LIMITS_H
