//===- TestSlices.h - Slices for unit tests -------------------*- C++ -*-===//
//
// One way for every unit test to build a slice from its spec text.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_UNITTESTS_TESTSUPPORT_TESTSLICES_H
#define AOIZORA_UNITTESTS_TESTSUPPORT_TESTSLICES_H

#include "AoiZora/Topology/Slice.h"

#include "llvm/Support/ErrorHandling.h"

namespace aoizora::test {

/// The slice of \p spec ("v5e:4x4", "generic:4x8:wrap=1,1", ...). A spec
/// that does not parse is a bug in the test: it stops the test binary with
/// the parser's message rather than continue on an invalid slice.
inline Slice parseTestSlice(llvm::StringRef spec) {
  llvm::Expected<Slice> slice = Slice::parse(spec);
  if (!slice)
    llvm::report_fatal_error(llvm::Twine("test slice '") + spec +
                             "': " + llvm::toString(slice.takeError()));
  return std::move(*slice);
}

} // namespace aoizora::test

#endif // AOIZORA_UNITTESTS_TESTSUPPORT_TESTSLICES_H
