//===- InputFileTest.cpp - Bounded reads of user-named files --------------===//

#include "AoiZora/Support/InputFile.h"
#include "AoiZora/Support/Limits.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <string>
#include <sys/stat.h>
#include <unistd.h>

using namespace aoizora;

namespace {

std::string errorOf(llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> b) {
  if (b)
    return "";
  return toString(b.takeError());
}

std::string tempPath(llvm::StringRef name) {
  llvm::SmallString<128> dir;
  llvm::sys::fs::createUniqueDirectory("aoizora-input", dir);
  return (dir + "/" + name).str();
}

TEST(InputFile, ReadsARegularFile) {
  std::string path = tempPath("plan.json");
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    ASSERT_FALSE(ec);
    os << "{\"device_order\": [1, 0]}";
  }
  auto buffer = readJsonFile(path, "plan file");
  ASSERT_TRUE(!!buffer) << toString(buffer.takeError());
  EXPECT_EQ((*buffer)->getBuffer(), "{\"device_order\": [1, 0]}");
}

TEST(InputFile, RefusesDevicesDirectoriesAndFifos) {
  // /dev/zero would be read forever.
  EXPECT_EQ(errorOf(readInputFile("/dev/zero", 100, "plan file")),
            "cannot read plan file '/dev/zero': it is a character device, "
            "only regular files are read");
  std::string dir = tempPath("");
  EXPECT_NE(errorOf(readInputFile(dir, 100, "HLO file")).find("a directory"),
            std::string::npos);
  // Opening a FIFO without a writer would block: it must be refused
  // before it is opened.
  std::string fifo = tempPath("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_NE(errorOf(readInputFile(fifo, 100, "topology file")).find("a FIFO"),
            std::string::npos);
}

TEST(InputFile, RefusesFilesOverTheCap) {
  std::string path = tempPath("big");
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    os << std::string(200, 'x');
  }
  EXPECT_EQ(errorOf(readInputFile(path, 100, "HLO file")),
            "cannot read HLO file '" + path +
                "': it has 200 bytes, more than the limit of 100");
  EXPECT_EQ(errorOf(readInputFile("/nonexistent/x", 100, "HLO file"))
                .rfind("cannot read HLO file '/nonexistent/x': ", 0),
            0u);
}

TEST(InputFile, JsonNestingLimit) {
  std::string deep(limits::kMaxNestingDepth + 1, '[');
  llvm::Error err = checkJsonNesting(deep);
  ASSERT_TRUE(!!err);
  EXPECT_NE(toString(std::move(err)).find("JSON nests deeper than 256"),
            std::string::npos);
  std::string ok(limits::kMaxNestingDepth, '[');
  EXPECT_FALSE(!!checkJsonNesting(ok));
  // Brackets inside strings do not count.
  EXPECT_FALSE(!!checkJsonNesting("[\"" + deep + "\"]"));
}

} // namespace
