//===- LimitsTest.cpp - Hostile sharding text ends in an error ------------===//
//
// Sizes that overflow, device counts beyond limits::kMaxDevices and nesting
// beyond limits::kMaxNestingDepth are errors that say so, never a wrapped
// count, a huge allocation or a stack overflow.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Support/Limits.h"
#include "AoiZora/Sharding/Conversion.h"
#include "AoiZora/Sharding/HloSharding.h"
#include "AoiZora/Sharding/Shardy.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

using namespace aoizora::sharding;
using namespace aoizora::sharding::test;

namespace {

bool contains(const std::string &text, llvm::StringRef part) {
  return text.find(part.str()) != std::string::npos;
}

TEST(Limits, MeshDeviceCountOverflowIsAnError) {
  // 2^32 x 2^32 wrapped to "(0 devices)" before.
  std::string err =
      errorText(parseMesh(R"(#sdy.mesh<["a"=4294967296, "b"=4294967296]>)"));
  EXPECT_TRUE(contains(err, "mesh axis sizes multiply to more than 2^20"))
      << err;
  // 64 axes of 2 wrapped to 0.
  std::string axes;
  for (int i = 0; i < 64; ++i)
    axes += (i ? ", \"a" : "\"a") + std::to_string(i) + "\"=2";
  err = errorText(parseMesh("#sdy.mesh<[" + axes + "]>"));
  EXPECT_TRUE(contains(err, "more than 2^20")) << err;
  // The limit itself is accepted.
  EXPECT_EQ(errorText(parseMesh(R"(#sdy.mesh<["a"=1024, "b"=1024]>)")), "");
  EXPECT_EQ(parseMesh(R"(<["a"=1024, "b"=1024]>)")->numDevices(),
            aoizora::limits::kMaxDevices);
}

TEST(Limits, SubAxisPreSizeOverflowIsAnError) {
  Mesh mesh = *parseMesh(R"(#sdy.mesh<["x"=8]>)");
  auto sharding = parseTensorSharding(
      R"(#sdy.sharding<@mesh, [{"x":(4611686018427387904)4}]>)");
  ASSERT_TRUE(!!sharding);
  std::string err = errorText(verifyTensorSharding(*sharding, mesh));
  EXPECT_TRUE(contains(err, "overflows 64-bit arithmetic")) << err;
}

TEST(Limits, TileAssignmentOverflowIsAnError) {
  std::string err =
      errorText(parseHloSharding("{devices=[4294967296,4294967296]<=[1]}"));
  EXPECT_TRUE(contains(err, "tile assignment dims multiply to more than"))
      << err;
  err = errorText(
      parseHloSharding("{devices=[2]<=[4294967296,4294967296]T(1,0)}"));
  EXPECT_TRUE(contains(err, "more than 2^20")) << err;
  // A V1 list longer than the dims stops at the first extra device.
  err = errorText(parseHloSharding("{devices=[2]0,1,2,3,4,5}"));
  EXPECT_TRUE(
      contains(err, "tile assignment has 3 devices but its dims need 2"))
      << err;
}

TEST(Limits, TupleNestingIsBounded) {
  int depth = 100000; // Recursing this deep would overflow the stack.
  std::string text(depth, '{');
  text += "replicated";
  text += std::string(depth, '}');
  std::string err = errorText(parseHloSharding(text));
  EXPECT_TRUE(contains(err, "tuple shardings nest deeper than 256")) << err;
  // A few levels are fine.
  EXPECT_EQ(errorText(parseHloSharding("{{{{replicated}}}}")), "");
}

TEST(Limits, TileMapRefusesHugeDeviceCounts) {
  std::string err = errorText(
      tileMapOf(HloSharding::replicated(), int64_t(1) << 40, /*rank=*/1));
  EXPECT_TRUE(contains(err, "exceeds the limit")) << err;
}

} // namespace

namespace {

// Fuzz finding (aoizora-fuzz-hlo-sharding): a tuple whose elements use
// different device counts, relabelled by a permutation of all of them, moved
// the 4-device element onto ids 1..4, printed as text that no longer parses.
TEST(Limits, RelabelOutsideTheTileIdsIsAnError) {
  HloSharding tuple = *parseHloSharding(
      "{{maximal device=4}, {devices=[2,2]0,1,2,3 shard_as 1}}");
  std::string err = errorText(relabelDevices(tuple, {4, 3, 2, 1, 0}));
  EXPECT_TRUE(contains(err, "outside 0..3, which a tile assignment cannot "
                            "express"))
      << err;
  // A permutation that keeps the element on 0..3 is fine and parses back.
  llvm::Expected<HloSharding> ok = relabelDevices(tuple, {1, 0, 3, 2, 4});
  ASSERT_TRUE(!!ok);
  EXPECT_EQ(errorText(parseHloSharding(printHloSharding(*ok))), "");
}

} // namespace
