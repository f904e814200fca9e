//===- HloDumpsTest.cpp - hlo-dump entries and dump collectives -----------===//

#include "AoiZora/Plan/HloDumps.h"

#include "TestSupport/TestSlices.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"
#include "gtest/gtest.h"

using namespace aoizora;
using namespace aoizora::plan;

namespace {

std::string errorText(llvm::Error err) {
  return llvm::toString(std::move(err));
}

TEST(HloDumps, EntriesWithAndWithoutSizes) {
  auto dumps = parseDumpEntries({"own.txt", "4x2=other.txt"}, {2, 4}, 8);
  ASSERT_TRUE(bool(dumps)) << errorText(dumps.takeError());
  ASSERT_EQ(dumps->size(), 2u);
  EXPECT_EQ((*dumps)[0].path, "own.txt");
  EXPECT_EQ((*dumps)[0].sizes, (llvm::SmallVector<int64_t>{2, 4}));
  EXPECT_EQ((*dumps)[1].path, "other.txt");
  EXPECT_EQ((*dumps)[1].sizes, (llvm::SmallVector<int64_t>{4, 2}));
  // Not sizes before '=': the whole entry is a path for the module mesh,
  // which "own.txt" already claims.
  auto twice = parseDumpEntries({"own.txt", "a=b.txt"}, {2, 4}, 8);
  ASSERT_FALSE(bool(twice));
  EXPECT_EQ(errorText(twice.takeError()),
            "hlo-dump gives two dumps for one candidate: 'own.txt' and "
            "'a=b.txt'");
}

TEST(HloDumps, BadEntries) {
  auto zero = parseDumpEntries({"0x8=d.txt"}, {2, 4}, 8);
  EXPECT_EQ(errorText(zero.takeError()),
            "hlo-dump '0x8=d.txt': axis size '0' is not a positive size of "
            "at most 8");
  auto product = parseDumpEntries({"2x2=d.txt"}, {2, 4}, 8);
  EXPECT_EQ(errorText(product.takeError()),
            "hlo-dump '2x2=d.txt': a candidate needs 2 axis sizes whose "
            "product is 8");
  auto noFile = parseDumpEntries({"2x4="}, {2, 4}, 8);
  EXPECT_EQ(errorText(noFile.takeError()), "hlo-dump '2x4=' names no file");
}

TEST(HloDumps, FindsTheEntryOfACandidate) {
  std::vector<DumpEntry> dumps{{{2, 4}, "a"}, {{4, 2}, "b"}};
  ASSERT_NE(findDump(dumps, {4, 2}), nullptr);
  EXPECT_EQ(findDump(dumps, {4, 2})->path, "b");
  EXPECT_EQ(findDump(dumps, {8, 1}), nullptr);
}

/// Writes \p text to a temporary file and returns its path.
std::string writeTemp(llvm::StringRef text) {
  llvm::SmallString<128> path;
  int fd = -1;
  if (llvm::sys::fs::createTemporaryFile("plan-dump", "txt", fd, path))
    return "";
  llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
  os << text;
  return path.str().str();
}

constexpr llvm::StringLiteral kDump =
    "HloModule m, num_partitions=8, replica_count=1\n"
    "%add (x: f32[], y: f32[]) -> f32[] {\n"
    "  %x = f32[] parameter(0)\n"
    "  %y = f32[] parameter(1)\n"
    "  ROOT %s = f32[] add(%x, %y)\n"
    "}\n"
    "ENTRY %main (p: f32[16,256]) -> f32[16,256] {\n"
    "  %p = f32[16,256]{1,0} parameter(0)\n"
    "  %one = f32[16,256]{1,0} all-reduce(%p), replica_groups={}, "
    "to_apply=%add\n"
    "  ROOT %ar = f32[16,256]{1,0} all-reduce(%one), channel_id=1, "
    "replica_groups={{0,1,2,3},{4,5,6,7}}, use_global_device_ids=true, "
    "to_apply=%add\n"
    "}\n";

TEST(HloDumps, LoadsTheCollectivesThatMoveData) {
  std::string path = writeTemp(kDump);
  ASSERT_FALSE(path.empty());
  Slice slice = test::parseTestSlice("v5e:2x4");
  std::vector<std::string> warnings;
  auto step = loadDumpCollectives(path, slice, 8, /*allowEmpty=*/false,
                                  [&](MessageKind, const llvm::Twine &message) {
                                    warnings.push_back(message.str());
                                  });
  ASSERT_TRUE(bool(step)) << errorText(step.takeError());
  // The cross-replica all-reduce with one replica moves nothing.
  ASSERT_EQ(step->step.size(), 1u);
  EXPECT_EQ(step->unpriced, 0u);
  ASSERT_EQ(step->priced.size(), 1u);
  const llvm::json::Object *listed = step->priced[0].getAsObject();
  ASSERT_NE(listed, nullptr);
  EXPECT_EQ(listed->getInteger("bytes_per_device"), 16 * 256 * 4);
  EXPECT_EQ(listed->getInteger("group_size"), 4);
  EXPECT_EQ(listed->getInteger("groups"), 2);
  const WeightedCollective &ar = step->step[0];
  EXPECT_EQ(ar.spec.kind, CollectiveKind::AllReduce);
  EXPECT_DOUBLE_EQ(ar.spec.bytes, 16 * 256 * 4);
  EXPECT_DOUBLE_EQ(ar.count, 1);
  ASSERT_EQ(ar.spec.groups.size(), 2u);
  EXPECT_EQ(ar.spec.groups[1], (llvm::SmallVector<unsigned, 16>{4, 5, 6, 7}));
  EXPECT_TRUE(warnings.empty());

  auto mismatch = loadDumpCollectives(path, slice, 16, /*allowEmpty=*/false,
                                      [](MessageKind, const llvm::Twine &) {});
  EXPECT_EQ(errorText(mismatch.takeError()),
            "HLO dump '" + path +
                "' runs on 8 devices (num_partitions x replica_count) but the "
                "module on 16");
  llvm::sys::fs::remove(path);
}

TEST(HloDumps, NoPriceableCollectiveIsAnErrorUnlessAllowed) {
  // Only a send between devices: nothing to price, which must not read as
  // 0 s of communication.
  std::string path = writeTemp(
      "HloModule m, num_partitions=8\n"
      "ENTRY %e (p: f32[16]) -> f32[16] {\n"
      "  %p = f32[16]{0} parameter(0)\n"
      "  %t = token[] after-all()\n"
      "  %s = (f32[16]{0}, u32[], token[]) send(f32[16]{0} %p, token[] %t), "
      "channel_id=1\n"
      "  ROOT %r = f32[16]{0} copy(f32[16]{0} %p)\n"
      "}\n");
  ASSERT_FALSE(path.empty());
  Slice slice = test::parseTestSlice("v5e:2x4");
  std::vector<std::string> warnings;
  auto sink = [&](MessageKind, const llvm::Twine &message) {
    warnings.push_back(message.str());
  };
  auto refused = loadDumpCollectives(path, slice, 8, /*allowEmpty=*/false, sink);
  ASSERT_FALSE(bool(refused));
  EXPECT_NE(errorText(refused.takeError())
                .find("has no collective that az-place can price (1 "
                      "communicating instruction(s) cannot be priced"),
            std::string::npos);
  auto allowed = loadDumpCollectives(path, slice, 8, /*allowEmpty=*/true, sink);
  ASSERT_TRUE(bool(allowed)) << errorText(allowed.takeError());
  EXPECT_TRUE(allowed->step.empty());
  EXPECT_EQ(allowed->unpriced, 1u);
  ASSERT_FALSE(warnings.empty());
  EXPECT_NE(warnings.back().find("priced at 0 s"), std::string::npos);
  llvm::sys::fs::remove(path);
}

TEST(HloDumps, MissingFileIsAnError) {
  Slice slice = test::parseTestSlice("v5e:2x4");
  auto step = loadDumpCollectives("/nonexistent/dump.txt", slice, 8,
                                  /*allowEmpty=*/false,
                                  [](MessageKind, const llvm::Twine &) {});
  ASSERT_FALSE(bool(step));
  EXPECT_NE(errorText(step.takeError())
                .find("cannot import HLO dump '/nonexistent/dump.txt'"),
            std::string::npos);
}

} // namespace
