//===- SharedExamplesTest.cpp - Import the shared real HLO modules --------===//
//
// ../shared/examples/hlo holds HLO modules copied verbatim from openxla/xla's
// tests (see its README). Each one must import with the collective, groups,
// bytes per device and count worked out by hand below from the module text;
// the tests skip with a message when ../shared is absent. Any other file
// under ../shared/examples that is HLO text must at least import.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/HloImport/HloImport.h"

#include "TestUtil.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

using namespace aoizora;
using namespace aoizora::hlo;
using namespace aoizora::hlo::test;

namespace {

using Groups = std::vector<std::vector<int64_t>>;
using Pairs = std::vector<std::pair<int64_t, int64_t>>;

std::string hloDir() {
  return std::string(AOIZORA_SHARED_DIR) + "/examples/hlo";
}

/// Imports ../shared/examples/hlo/\p name; skips the calling test when the
/// folder is absent.
#define IMPORT_SHARED(var, name, ...)                                          \
  if (!llvm::sys::fs::is_directory(hloDir()))                                  \
    GTEST_SKIP() << "../shared/examples/hlo is absent (" << hloDir() << ")";  \
  llvm::Expected<HloImportResult> var##OrErr =                                 \
      importHloFile(hloDir() + "/" + name, ##__VA_ARGS__);                     \
  ASSERT_TRUE(static_cast<bool>(var##OrErr))                                   \
      << llvm::toString(var##OrErr.takeError());                               \
  HloImportResult &var = *var##OrErr;

/// The one collective of \p r (these test modules hold one each).
const ImportedCollective &only(const HloImportResult &r) {
  EXPECT_EQ(r.collectives.size(), 1u) << joinWarnings(r.warnings);
  EXPECT_TRUE(r.unpriced.empty()) << joinWarnings(r.warnings);
  static ImportedCollective none;
  return r.collectives.empty() ? none : r.collectives.front();
}

TEST(SharedHloTest, AllReduceExplicitSubgroups) {
  IMPORT_SHARED(r, "xla_hlo_parser_test_L1993.hlo");
  EXPECT_EQ(r.replicaCount, 4);
  EXPECT_EQ(r.deviceCountSource, DeviceCountSource::Header);
  const ImportedCollective &c = only(r);
  EXPECT_EQ(c.kind, CollectiveKind::AllReduce);
  EXPECT_EQ(c.groupMode, CollectiveGroupMode::CrossReplica);
  EXPECT_EQ(c.groups, (Groups{{0, 1}, {2, 3}}));
  EXPECT_EQ(c.bytesPerDevice, 128 * 32 * 4); // f32[128,32]
  EXPECT_EQ(c.count, 1);
}

TEST(SharedHloTest, AllReduceIotaSubgroups) {
  IMPORT_SHARED(r, "xla_hlo_parser_test_L2012.hlo");
  EXPECT_EQ(r.replicaCount, 20);
  const ImportedCollective &c = only(r);
  EXPECT_EQ(c.kind, CollectiveKind::AllReduce);
  // [2,10]<=[20]: two runs of ten.
  EXPECT_EQ(c.groups, (Groups{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
                              {10, 11, 12, 13, 14, 15, 16, 17, 18, 19}}));
  EXPECT_EQ(c.bytesPerDevice, 128 * 32 * 4);
}

TEST(SharedHloTest, ReduceScatterWithoutDeviceCount) {
  // The header has no count: the ids {0,1} say at least two replicas, and
  // a warning says the count was derived.
  IMPORT_SHARED(r, "xla_hlo_parser_test_L2087.hlo");
  EXPECT_EQ(r.deviceCountSource, DeviceCountSource::CollectiveIds);
  EXPECT_EQ(r.replicaCount, 2);
  EXPECT_EQ(r.numPartitions, 1);
  EXPECT_TRUE(hasWarning(r.warnings, 1, "2 devices from the largest device id"))
      << joinWarnings(r.warnings);
  const ImportedCollective &c = only(r);
  EXPECT_EQ(c.kind, CollectiveKind::ReduceScatter);
  EXPECT_EQ(c.groups, (Groups{{0, 1}}));
  EXPECT_EQ(c.bytesPerDevice, 8 * 4); // the f32[8] input
}

TEST(SharedHloTest, ReduceScatterWithModuleDeviceCount) {
  // The module the dump accompanies says 4 devices: that wins over ids.
  IMPORT_SHARED(r, "xla_hlo_parser_test_L2087.hlo", HloImportOptions{4});
  EXPECT_EQ(r.deviceCountSource, DeviceCountSource::Option);
  EXPECT_EQ(r.replicaCount, 4);
  EXPECT_EQ(only(r).groups, (Groups{{0, 1}}));
}

TEST(SharedHloTest, AllGatherIotaTransposed) {
  IMPORT_SHARED(r, "xla_hlo_parser_test_L2142.hlo");
  EXPECT_EQ(r.replicaCount, 30);
  const ImportedCollective &c = only(r);
  EXPECT_EQ(c.kind, CollectiveKind::AllGather);
  // [3,10]<=[6,5]T(1,0): arange(30) as 6x5, transposed to 5x6 (row i is
  // i, i+5, ..., i+25), read in runs of ten.
  EXPECT_EQ(c.groups, (Groups{{0, 5, 10, 15, 20, 25, 1, 6, 11, 16},
                              {21, 26, 2, 7, 12, 17, 22, 27, 3, 8},
                              {13, 18, 23, 28, 4, 9, 14, 19, 24, 29}}));
  EXPECT_EQ(c.dimensions, (std::vector<int64_t>{1}));
  EXPECT_EQ(c.bytesPerDevice, 128 * 320 * 4); // the gathered f32[128,320]
}

TEST(SharedHloTest, AllToAllIotaTransposed) {
  IMPORT_SHARED(r, "xla_hlo_parser_test_L2181.hlo");
  EXPECT_EQ(r.replicaCount, 32);
  const ImportedCollective &c = only(r);
  EXPECT_EQ(c.kind, CollectiveKind::AllToAll);
  // [4,8]<=[4,8]T(1,0): 8x4 rows j, j+8, j+16, j+24, in runs of eight.
  EXPECT_EQ(c.groups, (Groups{{0, 8, 16, 24, 1, 9, 17, 25},
                              {2, 10, 18, 26, 3, 11, 19, 27},
                              {4, 12, 20, 28, 5, 13, 21, 29},
                              {6, 14, 22, 30, 7, 15, 23, 31}}));
  EXPECT_EQ(c.bytesPerDevice, 128 * 32 * 4);
}

TEST(SharedHloTest, RaggedAllToAllIsAnUpperBoundAllToAll) {
  IMPORT_SHARED(r, "xla_hlo_parser_test_L2194.hlo");
  const ImportedCollective &c = only(r);
  EXPECT_EQ(c.kind, CollectiveKind::AllToAll);
  EXPECT_TRUE(c.isRagged);
  EXPECT_EQ(c.opcode, "ragged-all-to-all");
  EXPECT_EQ(c.groups, (Groups{{0, 1, 2, 3, 4, 5, 6, 7}}));
  // The bf16[1024,256] input buffer only; not the output or the s32 sizes.
  EXPECT_EQ(c.bytesPerDevice, 1024 * 256 * 2);
  EXPECT_TRUE(hasWarning(r.warnings, c.line, "upper bound"))
      << joinWarnings(r.warnings);
}

TEST(SharedHloTest, CollectiveBroadcast) {
  IMPORT_SHARED(r, "xla_hlo_parser_test_L2247.hlo");
  const ImportedCollective &c = only(r);
  EXPECT_EQ(c.kind, CollectiveKind::CollectiveBroadcast);
  EXPECT_EQ(c.groups, (Groups{{1, 0}, {2, 3}}));
  EXPECT_EQ(c.bytesPerDevice, 128 * 32 * 4);
}

TEST(SharedHloTest, CollectivePermuteInPlace) {
  IMPORT_SHARED(r, "xla_hlo_parser_test_L2273.hlo");
  const ImportedCollective &c = only(r);
  EXPECT_EQ(c.kind, CollectiveKind::CollectivePermute);
  EXPECT_EQ(c.pairs, (Pairs{{0, 1}, {1, 2}, {2, 3}}));
  // slice_sizes={{128,32}} of the f32[128,32] input: all of it.
  EXPECT_EQ(c.bytesPerDevice, 128 * 32 * 4);
}

TEST(SharedHloTest, CollectivePermuteInPlaceMoreSlicesThanBuffers) {
  IMPORT_SHARED(r, "xla_hlo_parser_test_L2316.hlo");
  const ImportedCollective &c = only(r);
  EXPECT_EQ(c.pairs, (Pairs{{0, 1}, {1, 2}, {2, 3}, {3, 0},
                            {0, 3}, {3, 2}, {2, 1}, {1, 0}}));
  // Four slice sizes for a tuple of two u32[2,8,128] buffers: the whole
  // input, an upper bound, with a warning.
  EXPECT_EQ(c.bytesPerDevice, 2 * (2 * 8 * 128 * 4));
  EXPECT_TRUE(hasWarning(r.warnings, c.line, "upper bound"))
      << joinWarnings(r.warnings);
}

TEST(SharedHloTest, CollectivePermuteTupleInPlace) {
  IMPORT_SHARED(r, "xla_hlo_parser_test_L2347.hlo");
  const ImportedCollective &c = only(r);
  EXPECT_EQ(c.pairs, (Pairs{{0, 1}, {1, 2}, {2, 3}}));
  // Two f32 slices of 64x32, one per tuple element.
  EXPECT_EQ(c.bytesPerDevice, 2 * (64 * 32 * 4));
}

TEST(SharedHloTest, CollectivePermuteStartInPlace) {
  IMPORT_SHARED(r, "xla_hlo_parser_test_L2386.hlo");
  const ImportedCollective &c = only(r);
  EXPECT_EQ(c.opcode, "collective-permute-start");
  EXPECT_TRUE(c.isAsync);
  EXPECT_EQ(c.pairs, (Pairs{{0, 1}, {1, 2}, {2, 3}}));
  EXPECT_EQ(c.bytesPerDevice, 64 * 32 * 4); // slice {64,32} of f32
  EXPECT_EQ(c.count, 1);
}

TEST(SharedHloTest, AsyncReduceScatterSugared) {
  IMPORT_SHARED(r, "xla_hlo_instruction_test_async_rs_sugar.hlo",
                HloImportOptions{2});
  const ImportedCollective &c = only(r);
  EXPECT_EQ(c.kind, CollectiveKind::ReduceScatter);
  EXPECT_EQ(c.opcode, "reduce-scatter-start");
  EXPECT_TRUE(c.isAsync);
  // replica_groups={} over the 2 devices of the accompanying module.
  EXPECT_TRUE(c.allDevices);
  EXPECT_EQ(c.groups, (Groups{{0, 1}}));
  EXPECT_EQ(c.bytesPerDevice, 20 * 4); // the f32[20] input
  EXPECT_EQ(c.count, 1);
  // The -update and -done halves are neither collectives nor unpriced.
  EXPECT_FALSE(hasWarning(r.warnings, 12, "cannot be priced"));
}

TEST(SharedHloTest, AsyncReduceScatterWrapped) {
  IMPORT_SHARED(r, "xla_hlo_instruction_test_async_rs_nosugar.hlo",
                HloImportOptions{2});
  const ImportedCollective &c = only(r);
  EXPECT_EQ(c.kind, CollectiveKind::ReduceScatter);
  EXPECT_EQ(c.computation, "AsyncOp");
  EXPECT_TRUE(c.isAsync);
  EXPECT_EQ(c.groups, (Groups{{0, 1}}));
  EXPECT_EQ(c.bytesPerDevice, 20 * 4);
  EXPECT_EQ(c.count, 1);
  // `}, execution_thread="parallel_thread"` closes the computations.
  const HloComputation *async = r.module.findComputation("AsyncOp");
  ASSERT_NE(async, nullptr);
  EXPECT_EQ(async->executionThread, "parallel_thread");
  EXPECT_EQ(r.module.getEntry().executionThread, "main");
}

TEST(SharedHloTest, AsyncReduceScatterWithoutAnyDeviceCount) {
  // replica_groups={} and nothing says how many devices: the collective is
  // kept, its devices marked unknown, with a warning; never one device.
  IMPORT_SHARED(r, "xla_hlo_instruction_test_async_rs_nosugar.hlo");
  EXPECT_EQ(r.deviceCountSource, DeviceCountSource::Unknown);
  const ImportedCollective &c = only(r);
  EXPECT_FALSE(c.devicesKnown);
  EXPECT_TRUE(hasWarning(r.warnings, c.line, "device count is unknown"))
      << joinWarnings(r.warnings);
}

TEST(SharedHloTest, EveryHloTextUnderExamplesImports) {
  std::string root = std::string(AOIZORA_SHARED_DIR) + "/examples";
  if (!llvm::sys::fs::is_directory(root))
    GTEST_SKIP() << "../shared/examples is absent (" << root << ")";
  unsigned dumps = 0;
  std::error_code ec;
  for (llvm::sys::fs::recursive_directory_iterator it(root, ec), end;
       it != end && !ec; it.increment(ec)) {
    if (it->type() != llvm::sys::fs::file_type::regular_file)
      continue;
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
        llvm::MemoryBuffer::getFile(it->path(), /*IsText=*/true);
    if (!buffer || !(*buffer)->getBuffer().ltrim().starts_with("HloModule "))
      continue;
    ++dumps;
    llvm::Expected<HloImportResult> result = importHloFile(it->path());
    ASSERT_TRUE(static_cast<bool>(result))
        << it->path() << ": " << llvm::toString(result.takeError());
    EXPECT_FALSE(result->collectives.empty()) << it->path();
  }
  EXPECT_GE(dumps, 13u) << "the README lists 13 HLO modules under " << root;
}

} // namespace
