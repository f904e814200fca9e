//===- SharedExamplesTest.cpp - Import the shared compiled HLO dumps ------===//
//
// ../shared/examples is the project's read-only folder of real IR. Any file
// in it that is an HLO text dump (it starts with `HloModule`) is imported
// and must parse; when the folder holds no such dump the test is skipped
// with a message rather than passing vacuously.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/HloImport/HloImport.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include "gtest/gtest.h"

using namespace aoizora::hlo;

namespace {

TEST(SharedExamplesTest, ImportCompiledHloDumps) {
  std::string root = std::string(AOIZORA_SHARED_DIR) + "/examples";
  std::vector<std::string> dumps;
  std::error_code ec;
  for (llvm::sys::fs::recursive_directory_iterator it(root, ec), end;
       it != end && !ec; it.increment(ec)) {
    if (it->type() != llvm::sys::fs::file_type::regular_file)
      continue;
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
        llvm::MemoryBuffer::getFile(it->path(), /*IsText=*/true);
    if (buffer && (*buffer)->getBuffer().ltrim().starts_with("HloModule "))
      dumps.push_back(it->path());
  }
  if (dumps.empty())
    GTEST_SKIP() << "no HLO text dump (a file starting with 'HloModule') "
                    "under "
                 << root;
  for (const std::string &path : dumps) {
    llvm::Expected<HloImportResult> result = importHloFile(path);
    ASSERT_TRUE(static_cast<bool>(result))
        << path << ": " << llvm::toString(result.takeError());
    EXPECT_FALSE(result->module.computations.empty()) << path;
  }
}

} // namespace
