//===- Report.h - How the plan library reports ------------------*- C++ -*-===//
//
// The plan library has no MLIR dependency, so it reports through a sink the
// caller provides (az-place turns each message into a diagnostic on the
// module) and formats times and sizes the same way for every report.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_PLAN_REPORT_H
#define AOIZORA_PLAN_REPORT_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

#include <string>

namespace aoizora {

/// "1.50 MiB", "640 B".
std::string formatBytes(double bytes);
/// "12.345 us", "1.200 ms".
std::string formatSeconds(double seconds);

namespace plan {

/// What a message is, for the caller that turns it into a diagnostic.
enum class MessageKind { Remark, Warning };

/// Receives the library's remarks and warnings in the order they arise.
/// Errors are returned as llvm::Error instead.
using MessageSink = llvm::function_ref<void(MessageKind, const llvm::Twine &)>;

/// An error whose message is \p message (what the caller reports verbatim).
inline llvm::Error planError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message.str());
}

} // namespace plan
} // namespace aoizora

#endif // AOIZORA_PLAN_REPORT_H
