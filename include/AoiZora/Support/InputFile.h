//===- InputFile.h - Bounded reads of user-named files ----------*- C++ -*-===//
//
// Every file a user names (plan file, topology file, HLO dump) is read
// through readInputFile: only regular files (a FIFO, /dev/zero or a directory
// is refused with a message instead of blocking or reading forever) and at
// most a size cap from Limits.h. JSON inputs are also checked for nesting
// depth before llvm::json, which recurses, sees them.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_SUPPORT_INPUTFILE_H
#define AOIZORA_SUPPORT_INPUTFILE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>

namespace aoizora {

/// Reads \p path, which must be a regular file of at most \p maxBytes bytes.
/// Errors read "cannot read <what> '<path>': <reason>".
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
readInputFile(llvm::StringRef path, uint64_t maxBytes, llvm::StringRef what);

/// Fails when the JSON text \p text nests arrays and objects deeper than
/// limits::kMaxNestingDepth (strings are skipped, so brackets inside them do
/// not count). Call before llvm::json::parse.
llvm::Error checkJsonNesting(llvm::StringRef text);

/// readInputFile with limits::kMaxJsonFileBytes, then checkJsonNesting.
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
readJsonFile(llvm::StringRef path, llvm::StringRef what);

} // namespace aoizora

#endif // AOIZORA_SUPPORT_INPUTFILE_H
