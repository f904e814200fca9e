//===- CheckedMath.h - Overflow-checked size arithmetic ---------*- C++ -*-===//
//
// Every place that multiplies sizes (device counts, tile products, byte
// counts, group expansion, sub-axis pre-sizes) goes through these helpers, so
// an overflow is an error that names what overflowed instead of a wrapped
// value. They wrap llvm/Support/CheckedArithmetic.h.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_SUPPORT_CHECKEDMATH_H
#define AOIZORA_SUPPORT_CHECKEDMATH_H

#include "AoiZora/Support/Limits.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <limits>
#include <optional>

namespace aoizora {

/// a * b, or nullopt when it does not fit in int64_t.
inline std::optional<int64_t> checkedMul(int64_t a, int64_t b) {
  return llvm::checkedMul<int64_t>(a, b);
}

/// a + b, or nullopt when it does not fit in int64_t.
inline std::optional<int64_t> checkedAdd(int64_t a, int64_t b) {
  return llvm::checkedAdd<int64_t>(a, b);
}

/// The product of \p values, or nullopt when it does not fit in int64_t.
inline std::optional<int64_t> checkedProduct(llvm::ArrayRef<int64_t> values) {
  int64_t result = 1;
  for (int64_t v : values) {
    std::optional<int64_t> next = checkedMul(result, v);
    if (!next)
      return std::nullopt;
    result = *next;
  }
  return result;
}

/// a * b, or INT64_MAX when it overflows. For values that only feed a
/// comparison against a limit or a size check that then fails.
inline int64_t saturatingMul(int64_t a, int64_t b) {
  if (std::optional<int64_t> p = checkedMul(a, b))
    return *p;
  return (a < 0) != (b < 0) ? std::numeric_limits<int64_t>::min()
                            : std::numeric_limits<int64_t>::max();
}

/// The product of \p values saturated at the int64_t bounds.
inline int64_t saturatingProduct(llvm::ArrayRef<int64_t> values) {
  int64_t result = 1;
  for (int64_t v : values)
    result = saturatingMul(result, v);
  return result;
}

/// "<what> overflows 64 bits": the error every caller reports.
inline llvm::Error overflowError(const llvm::Twine &what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 what + " overflows 64-bit arithmetic");
}

/// a * b or an overflow error naming \p what.
inline llvm::Expected<int64_t> mulOrError(int64_t a, int64_t b,
                                          const llvm::Twine &what) {
  if (std::optional<int64_t> p = checkedMul(a, b))
    return *p;
  return overflowError(what);
}

/// The product of \p values or an overflow error naming \p what.
inline llvm::Expected<int64_t> productOrError(llvm::ArrayRef<int64_t> values,
                                              const llvm::Twine &what) {
  if (std::optional<int64_t> p = checkedProduct(values))
    return *p;
  return overflowError(what);
}

/// Checks that the positive \p sizes multiply to at most limits::kMaxDevices
/// devices and returns that count; the error names \p what ("mesh axis
/// sizes", "tile assignment dims", ...).
inline llvm::Expected<int64_t> deviceCountOf(llvm::ArrayRef<int64_t> sizes,
                                             const llvm::Twine &what) {
  int64_t count = 1;
  for (int64_t size : sizes) {
    std::optional<int64_t> next = checkedMul(count, size);
    if (!next || *next > limits::kMaxDevices)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     what + " multiply to more than " +
                                         limits::kMaxDevicesText +
                                         " devices, the limit");
    count = *next;
  }
  return count;
}

} // namespace aoizora

#endif // AOIZORA_SUPPORT_CHECKEDMATH_H
