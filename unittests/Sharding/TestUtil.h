//===- TestUtil.h - Helpers shared by the sharding unit tests ---*- C++ -*-===//
//
// Turns llvm::Error / llvm::Expected results into strings that gtest can
// compare, and reads the optional files of the shared reference folder.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_UNITTESTS_SHARDING_TESTUTIL_H
#define AOIZORA_UNITTESTS_SHARDING_TESTUTIL_H

#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <optional>
#include <string>

namespace aoizora::sharding::test {

/// The message of \p err, or "" on success.
inline std::string errorText(llvm::Error err) {
  return err ? llvm::toString(std::move(err)) : std::string();
}

/// The error message of \p value, or "" if it holds a value.
template <typename T> std::string errorText(llvm::Expected<T> value) {
  return value ? std::string() : llvm::toString(value.takeError());
}

/// Contents of `AOIZORA_SHARED_DIR/<relPath>`, if the file exists.
inline std::optional<std::string> readSharedFile(llvm::StringRef relPath) {
  auto buffer = llvm::MemoryBuffer::getFile(std::string(AOIZORA_SHARED_DIR) +
                                            "/" + relPath.str());
  if (!buffer)
    return std::nullopt;
  return (*buffer)->getBuffer().str();
}

} // namespace aoizora::sharding::test

#endif // AOIZORA_UNITTESTS_SHARDING_TESTUTIL_H
