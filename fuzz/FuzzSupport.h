//===- FuzzSupport.h - Helpers shared by the libFuzzer targets --*- C++ -*-===//
//
// A property check that aborts (so libFuzzer records the input as a
// finding), and a deterministic device permutation derived from the input.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_FUZZ_FUZZSUPPORT_H
#define AOIZORA_FUZZ_FUZZSUPPORT_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <random>

/// Aborts with the failed property and the input when \p cond is false.
#define FUZZ_CHECK(cond, input)                                                \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "fuzz property failed at %s:%d: %s\ninput: %s\n",   \
                   __FILE__, __LINE__, #cond, std::string(input).c_str());     \
      std::abort();                                                            \
    }                                                                          \
  } while (false)

namespace aoizora::fuzz {

/// Relabelling allocates per device; beyond this the permutation checks are
/// skipped to keep executions fast (parsing is still exercised).
inline constexpr int64_t kMaxRelabelDevices = 4096;

/// The text of a fuzz input.
inline llvm::StringRef textOf(const uint8_t *data, size_t size) {
  return llvm::StringRef(reinterpret_cast<const char *>(data), size);
}

/// Swallows an expected error (parsers may reject any input).
template <typename T> bool ok(llvm::Expected<T> &value) {
  if (value)
    return true;
  llvm::consumeError(value.takeError());
  return false;
}

/// A permutation of \p n devices seeded by \p text, so a finding replays.
inline llvm::SmallVector<int64_t> permutationFor(llvm::StringRef text,
                                                 int64_t n) {
  llvm::SmallVector<int64_t> sigma(n);
  std::iota(sigma.begin(), sigma.end(), 0);
  std::seed_seq seed(text.begin(), text.end());
  std::mt19937 rng(seed);
  std::shuffle(sigma.begin(), sigma.end(), rng);
  return sigma;
}

/// The inverse permutation of \p sigma.
inline llvm::SmallVector<int64_t> inverseOf(llvm::ArrayRef<int64_t> sigma) {
  llvm::SmallVector<int64_t> inverse(sigma.size());
  for (size_t i = 0; i < sigma.size(); ++i)
    inverse[sigma[i]] = static_cast<int64_t>(i);
  return inverse;
}

} // namespace aoizora::fuzz

#endif // AOIZORA_FUZZ_FUZZSUPPORT_H
