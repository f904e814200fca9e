//===- TestUtil.h - Helpers shared by the HloImport tests -------*- C++ -*-===//
//
// Reads fixture dumps from Inputs/ (located through the
// AOIZORA_HLOIMPORT_INPUTS compile definition) and looks collectives up by
// instruction name.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_UNITTESTS_HLOIMPORT_TESTUTIL_H
#define AOIZORA_UNITTESTS_HLOIMPORT_TESTUTIL_H

#include "AoiZora/HloImport/HloImport.h"

#include "llvm/Support/MemoryBuffer.h"

#include "gtest/gtest.h"

#include <string>

namespace aoizora::hlo::test {

/// The text of Inputs/\p name; fails the test (and returns "") if missing.
inline std::string readInput(llvm::StringRef name) {
  std::string path = (llvm::Twine(AOIZORA_HLOIMPORT_INPUTS) + "/" + name).str();
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer) {
    ADD_FAILURE() << "cannot read " << path;
    return "";
  }
  return (*buffer)->getBuffer().str();
}

inline std::string inputPath(llvm::StringRef name) {
  return (llvm::Twine(AOIZORA_HLOIMPORT_INPUTS) + "/" + name).str();
}

/// The collective named \p name, or nullptr.
inline const ImportedCollective *findCollective(const HloImportResult &result,
                                                llvm::StringRef name) {
  for (const ImportedCollective &c : result.collectives)
    if (c.instructionName == name)
      return &c;
  return nullptr;
}

/// Whether some warning starts with `line <line>:` and contains \p needle.
inline bool hasWarning(const std::vector<std::string> &warnings,
                       unsigned line, llvm::StringRef needle) {
  std::string prefix = "line " + std::to_string(line) + ": ";
  for (const std::string &w : warnings)
    if (llvm::StringRef(w).starts_with(prefix) &&
        llvm::StringRef(w).contains(needle))
      return true;
  return false;
}

/// All warnings, one per line, for failure messages.
inline std::string joinWarnings(const std::vector<std::string> &warnings) {
  std::string out;
  for (const std::string &w : warnings)
    out += w + "\n";
  return out;
}

} // namespace aoizora::hlo::test

#endif // AOIZORA_UNITTESTS_HLOIMPORT_TESTUTIL_H
