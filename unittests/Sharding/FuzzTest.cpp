//===- FuzzTest.cpp - Mutated sharding text never crashes the parsers -----===//
//
// Seeds of every notation are mutated (characters deleted, duplicated,
// replaced by syntax characters) with a fixed seed. Every parser must return
// a value or an error, never crash; whatever parses must print to text that
// parses again to the same value, and must survive relabelling.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Sharding/Conversion.h"
#include "AoiZora/Sharding/HloSharding.h"
#include "AoiZora/Sharding/Shardy.h"

#include "gtest/gtest.h"

#include <numeric>
#include <random>

using namespace aoizora::sharding;

namespace {

constexpr const char *kSeeds[] = {
    R"(#sdy.mesh<["x"=2, "y"=4], device_ids=[0, 2, 4, 6, 1, 3, 5, 7]>)",
    R"(#sdy.mesh<[], device_ids=[3]>)",
    R"(#sdy.sharding<@mesh, [{"x"}, {"y", ?}p1], replicated={"z":(1)2}>)",
    R"(#sdy.sharding<mesh<["a"=2, "b"=4]>, [{"a", "b":(2)2}, {}], unreduced=max{"b":(1)2}>)",
    R"(#sdy.sharding_per_value<[<@mesh, [{"a"}, {}]>, <@mesh, []>]>)",
    R"(#sdy<manual_axes{"a", "b"}>)",
    R"({devices=[2,4]<=[4,2]T(1,0) last_tile_dim_replicate})",
    R"({devices=[1,2,4]0,2,4,6,1,3,5,7 last_tile_dims={manual, replicated}})",
    R"({{replicated}, {maximal device=3}, {devices=[4]<=[4]}, {manual}, {unknown}, /*index=5*/{devices=[2,2]0,1,2,3 shard_as 1}})",
    R"({devices=[4,2]<=[2,2,2]T(1,0,2) metadata={op_name="x"}})",
};

constexpr char kSyntax[] = "{}[]<>(),=\"?:#@ Tp0123456789";

std::string mutate(std::string text, std::mt19937 &rng) {
  std::uniform_int_distribution<int> edits(1, 4);
  for (int e = edits(rng); e > 0 && !text.empty(); --e) {
    std::uniform_int_distribution<size_t> pos(0, text.size() - 1);
    size_t at = pos(rng);
    switch (rng() % 3) {
    case 0:
      text.erase(at, 1 + rng() % 3);
      break;
    case 1:
      text.insert(at, text.substr(at, 1 + rng() % 4));
      break;
    default:
      text[at] = kSyntax[rng() % (sizeof(kSyntax) - 1)];
      break;
    }
  }
  return text;
}

/// A random permutation of n devices.
llvm::SmallVector<int64_t> randomSigma(int64_t n, std::mt19937 &rng) {
  llvm::SmallVector<int64_t> sigma(n);
  std::iota(sigma.begin(), sigma.end(), 0);
  std::shuffle(sigma.begin(), sigma.end(), rng);
  return sigma;
}

TEST(FuzzTest, MutatedTextNeverCrashesAndWhatParsesRoundTrips) {
  std::mt19937 rng(20261124);
  unsigned parsed = 0;
  for (const char *seed : kSeeds) {
    for (int i = 0; i < 3000; ++i) {
      std::string text = i == 0 ? seed : mutate(seed, rng);
      SCOPED_TRACE(text);
      if (llvm::Expected<Mesh> mesh = parseMesh(text)) {
        ++parsed;
        llvm::Expected<Mesh> again = parseMesh(printMesh(*mesh));
        ASSERT_TRUE(static_cast<bool>(again)) << llvm::toString(again.takeError());
        if (!verifyMesh(*mesh)) {
          // Shardy's printer drops iota device_ids, so compare those too.
          EXPECT_EQ(again->deviceIdsOrIota(), mesh->deviceIdsOrIota());
          llvm::Expected<Mesh> relabelled =
              relabelMesh(*mesh, randomSigma(mesh->numDevices(), rng));
          if (!relabelled)
            llvm::consumeError(relabelled.takeError());
        }
      } else {
        llvm::consumeError(mesh.takeError());
      }
      if (llvm::Expected<TensorSharding> sharding = parseTensorSharding(text)) {
        ++parsed;
        llvm::Expected<TensorSharding> again =
            parseTensorSharding(printTensorSharding(*sharding));
        ASSERT_TRUE(static_cast<bool>(again)) << llvm::toString(again.takeError());
        EXPECT_EQ(printTensorSharding(*again), printTensorSharding(*sharding));
      } else {
        llvm::consumeError(sharding.takeError());
      }
      if (auto shardings = parseShardingPerValue(text)) {
        ++parsed;
        auto again = parseShardingPerValue(printShardingPerValue(*shardings));
        ASSERT_TRUE(static_cast<bool>(again)) << llvm::toString(again.takeError());
      } else {
        llvm::consumeError(shardings.takeError());
      }
      if (auto axes = parseManualAxes(text))
        ++parsed;
      else
        llvm::consumeError(axes.takeError());
      if (llvm::Expected<HloSharding> hlo = parseHloSharding(text)) {
        ++parsed;
        std::string printed = printHloSharding(*hlo);
        llvm::Expected<HloSharding> again = parseHloSharding(printed);
        ASSERT_TRUE(static_cast<bool>(again)) << llvm::toString(again.takeError());
        EXPECT_EQ(printHloSharding(*again), printed);
        int64_t devices =
            hlo->kind == HloSharding::Kind::Tiled ? hlo->tiles.numElements() : 8;
        llvm::Expected<HloSharding> relabelled =
            relabelDevices(*hlo, randomSigma(std::max<int64_t>(devices, 8), rng));
        if (!relabelled)
          llvm::consumeError(relabelled.takeError());
        llvm::Expected<TileMap> map =
            tileMapOf(*hlo, std::max<int64_t>(devices, 8),
                      hlo->kind == HloSharding::Kind::Tiled ? hlo->dataRank() : 2);
        if (!map)
          llvm::consumeError(map.takeError());
      } else {
        llvm::consumeError(hlo.takeError());
      }
    }
  }
  // The mutations must leave a fair share parseable, or this tests nothing.
  EXPECT_GT(parsed, 500u);
}

} // namespace
