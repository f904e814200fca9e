//===- ConversionTest.cpp - Tests for Shardy->HLO and tile maps -----------===//
//
// Hand-written conversion cases beyond the pairs table (JAX's documented
// example, unreduced and manual subgroups, size-1 axes, device ids) and the
// tile-map semantics used to compare shardings by meaning.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Sharding/Conversion.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

using namespace aoizora::sharding;
using namespace aoizora::sharding::test;
using llvm::SmallVector;
using llvm::StringRef;

namespace {

std::string convert(StringRef meshText, StringRef shardingText,
                    llvm::ArrayRef<std::string> manualAxes = {}) {
  Mesh mesh = cantFail(parseMesh(meshText));
  TensorSharding sharding = cantFail(parseTensorSharding(shardingText));
  llvm::Expected<HloSharding> hlo = toHloSharding(sharding, mesh, manualAxes);
  if (!hlo)
    return "error: " + llvm::toString(hlo.takeError());
  return printHloSharding(*hlo);
}

HloSharding parse(StringRef text) { return cantFail(parseHloSharding(text)); }

bool equal(StringRef a, StringRef b, int64_t numDevices, int64_t rank) {
  return cantFail(semanticallyEqual(parse(a), parse(b), numDevices, rank));
}

const char *kMeshAbcd = "<[\"a\"=2, \"b\"=2, \"c\"=2, \"d\"=2]>";

TEST(ToHloSharding, JaxDocumentedExample) {
  // named_sharding.py: mesh a,b,c,d=2 and P(None, ('d','b'), 'c') give
  // dims [1,4,2,1,2], reshape [2,2,2,2], perm [3,1,2,0], REPLICATED; the
  // printed iota is its canonical form.
  EXPECT_EQ(convert(kMeshAbcd, "<@m, [{}, {\"d\", \"b\"}, {\"c\"}, {}]>"),
            "{devices=[1,4,2,1,2]<=[2,4,2]T(2,1,0) last_tile_dim_replicate}");
}

TEST(ToHloSharding, SubgroupKindsAndOrder) {
  const char *xy = "<[\"x\"=2, \"y\"=2]>";
  EXPECT_EQ(convert(xy, "<@m, [{\"x\"}], unreduced={\"y\"}>"),
            "{devices=[2,2]<=[4] last_tile_dims={unreduced}}");
  EXPECT_EQ(convert(xy, "<@m, [{}], unreduced=max{\"x\"}>"),
            "{devices=[1,2,2]<=[4] last_tile_dims={unreduced, replicated}}");
  EXPECT_EQ(convert(xy, "<@m, [{}], unreduced={\"x\", \"y\"}>"), "{unreduced}");
  // XLA orders subgroups manual, unreduced, replicated.
  EXPECT_EQ(convert("<[\"a\"=2, \"b\"=2, \"c\"=2]>",
                    "<@m, [{}], unreduced={\"b\"}>", {"c"}),
            "{devices=[1,2,2,2]<=[2,2,2]T(2,1,0) last_tile_dims={manual, "
            "unreduced, replicated}}");
  EXPECT_EQ(convert(xy, "<@m, [{\"y\"}]>", {"x"}),
            "{devices=[2,2]<=[2,2]T(1,0) last_tile_dims={manual}}");
  EXPECT_EQ(convert(xy, "<@m, [{}, {}]>", {"x", "y"}), "{manual}");
  // Explicitly and implicitly replicated axes are one replication group.
  EXPECT_EQ(convert(kMeshAbcd, "<@m, [{\"b\"}], replicated={\"c\"}>"),
            convert(kMeshAbcd, "<@m, [{\"b\"}]>"));
}

TEST(ToHloSharding, TrivialAndSpecialMeshes) {
  // Size-1 axes are dropped before computing, as JAX does.
  EXPECT_EQ(convert("<[\"a\"=1, \"b\"=2]>", "<@m, [{\"a\"}, {\"b\"}]>"),
            "{devices=[1,2]<=[2]}");
  EXPECT_EQ(convert("<[\"a\"=1]>", "<@m, [{\"a\"}]>"), "{replicated}");
  EXPECT_EQ(convert("<[]>", "<@m, [{}, {}]>"), "{replicated}");
  EXPECT_EQ(convert("<[], device_ids=[5]>", "<@m, []>"), "{maximal device=5}");
  // Open dims and priorities do not matter.
  EXPECT_EQ(convert(kMeshAbcd, "<@m, [{\"a\", ?}p1, {?}p0]>"),
            convert(kMeshAbcd, "<@m, [{\"a\"}, {}]>"));
  // Sub-axes split an axis into [pre, size, rest].
  EXPECT_EQ(convert("<[\"x\"=8]>", "<@m, [{\"x\":(1)2}], "
                                   "replicated={\"x\":(2)4}>"),
            "{devices=[2,4]<=[8] last_tile_dim_replicate}");
  EXPECT_EQ(convert("<[\"x\"=8]>", "<@m, [{\"x\":(4)2}, {\"x\":(1)2}]>"),
            "{devices=[2,2,2]<=[4,2]T(1,0) last_tile_dim_replicate}");
}

TEST(ToHloSharding, DeviceIdsGiveSortedExplicitLists) {
  const char *mesh = "<[\"x\"=2, \"y\"=2], device_ids=[3, 2, 1, 0]>";
  // ids.reshape(2,2).transpose(1,0) = [3,1,2,0]; groups sorted.
  EXPECT_EQ(convert(mesh, "<@m, [{\"y\"}, {}]>"),
            "{devices=[2,1,2]1,3,0,2 last_tile_dim_replicate}");
  EXPECT_EQ(convert(mesh, "<@m, [{\"x\", \"y\"}]>"), "{devices=[4]3,2,1,0}");
  EXPECT_EQ(convert(mesh, "<@m, [{}]>"), "{replicated}");
  // An inline mesh converts like a named one.
  Mesh inlineMesh = cantFail(parseMesh(mesh));
  TensorSharding s = cantFail(
      parseTensorSharding("<mesh<[\"x\"=2, \"y\"=2], device_ids=[3, 2, 1, "
                          "0]>, [{\"y\"}, {}]>"));
  EXPECT_EQ(printHloSharding(cantFail(toHloSharding(s, *s.inlineMesh))),
            convert(mesh, "<@m, [{\"y\"}, {}]>"));
  EXPECT_EQ(*s.inlineMesh, inlineMesh);
}

TEST(ToHloSharding, Errors) {
  const char *xy = "<[\"x\"=2, \"y\"=2]>";
  EXPECT_EQ(convert(xy, "<@m, [{\"z\"}]>"), "error: unknown axis name: \"z\"");
  EXPECT_EQ(convert(xy, "<@m, [{}]>", {"w"}),
            "error: unknown manual axis name: \"w\"");
  EXPECT_EQ(convert(xy, "<@m, [{\"x\"}]>", {"x"}),
            "error: manual axis \"x\" is also sharded");
  EXPECT_EQ(convert(xy, "<@m, [{\"x\"}, {\"x\"}]>"),
            "error: axis \"x\" is used twice");
  EXPECT_EQ(convert(xy, "<@m, [{\"x\"}], unreduced={\"x\"}>"),
            "error: axis \"x\" is used twice");
  EXPECT_EQ(convert("<[\"x\"=8]>", "<@m, [{\"x\":(3)2}]>"),
            "error: sub-axis \"x\":(3)2 does not fit the axis of size 8");
  EXPECT_EQ(convert("<[\"x\"=8]>", "<@m, [{\"x\":(1)4}, {\"x\":(2)4}]>"),
            "error: axis \"x\":(2)4 is used twice");
  EXPECT_EQ(convert("<[\"x\"=6]>", "<@m, [{\"x\":(1)2}, {\"x\":(1)3}]>"),
            "error: overlapping sub-axes of axis \"x\"");
}

//===----------------------------------------------------------------------===//
// Tile maps and semantic equality
//===----------------------------------------------------------------------===//

TEST(TileMap, Tiled) {
  TileMap map = cantFail(
      tileMapOf(parse("{devices=[2,1,2]<=[4] last_tile_dim_replicate}"), 4, 2));
  EXPECT_EQ(map.kind, TileMap::Kind::Data);
  EXPECT_EQ(map.tileCounts, (SmallVector<int64_t>{2, 1}));
  ASSERT_EQ(map.deviceTiles.size(), 4u);
  EXPECT_EQ(map.deviceTiles[0], (SmallVector<int64_t>{0, 0}));
  EXPECT_EQ(map.deviceTiles[1], (SmallVector<int64_t>{0, 0}));
  EXPECT_EQ(map.deviceTiles[2], (SmallVector<int64_t>{1, 0}));
  EXPECT_EQ(map.deviceTiles[3], (SmallVector<int64_t>{1, 0}));
  EXPECT_EQ(countDistinctTiles(map), 2);

  TileMap t = cantFail(tileMapOf(parse("{devices=[2,4]<=[4,2]T(1,0)}"), 8, 2));
  EXPECT_EQ(t.deviceTiles[2], (SmallVector<int64_t>{0, 1}));
  EXPECT_EQ(t.deviceTiles[1], (SmallVector<int64_t>{1, 0}));
  EXPECT_EQ(countDistinctTiles(t), 8);
}

TEST(TileMap, SpecialForms) {
  TileMap replicated = cantFail(tileMapOf(parse("{replicated}"), 4, 2));
  EXPECT_EQ(replicated.tileCounts, (SmallVector<int64_t>{1, 1}));
  EXPECT_EQ(countDistinctTiles(replicated), 1);
  for (const auto &tile : replicated.deviceTiles)
    EXPECT_EQ(tile, (SmallVector<int64_t>{0, 0}));

  // Only the maximal device holds the tensor.
  TileMap maximal = cantFail(tileMapOf(parse("{maximal device=2}"), 4, 1));
  EXPECT_EQ(maximal.deviceTiles[2], (SmallVector<int64_t>{0}));
  EXPECT_FALSE(maximal.deviceTiles[0]);
  EXPECT_FALSE(maximal.deviceTiles[3]);
  EXPECT_EQ(countDistinctTiles(maximal), 1);

  TileMap manual = cantFail(tileMapOf(parse("{manual}"), 4, 2));
  EXPECT_EQ(manual.kind, TileMap::Kind::Manual);
  EXPECT_EQ(countDistinctTiles(manual), 4);

  TileMap partialManual = cantFail(
      tileMapOf(parse("{devices=[2,1,2]<=[4] last_tile_dims={manual}}"), 4, 2));
  EXPECT_EQ(partialManual.kind, TileMap::Kind::Manual);
  EXPECT_EQ(partialManual.extraCoords,
            (SmallVector<SubgroupKind>{SubgroupKind::Manual}));
  EXPECT_EQ(partialManual.deviceTiles[3], (SmallVector<int64_t>{1, 0, 1}));

  TileMap unknown = cantFail(tileMapOf(parse("{unknown}"), 4, 2));
  EXPECT_EQ(unknown.kind, TileMap::Kind::Unknown);
  EXPECT_EQ(countDistinctTiles(unknown), 0);

  EXPECT_EQ(cantFail(tileMapOf(parse("{unreduced}"), 2, 1)).kind,
            TileMap::Kind::Unreduced);
}

TEST(TileMap, Errors) {
  EXPECT_EQ(errorText(tileMapOf(parse("{devices=[2,2]<=[4]}"), 4, 1)),
            "sharding tiles 2 dims but the tensor has rank 1");
  EXPECT_EQ(errorText(tileMapOf(parse("{devices=[2,2]<=[4]}"), 2, 2)),
            "device 2 is outside 2 devices");
  EXPECT_EQ(errorText(tileMapOf(parse("{maximal device=4}"), 4, 0)),
            "maximal device 4 is outside 4 devices");
  EXPECT_EQ(errorText(tileMapOf(parse("{{replicated}}"), 4, 0)),
            "a tuple sharding has one tile map per element");
}

TEST(TileMap, SemanticEquality) {
  EXPECT_TRUE(equal("{replicated}",
                    "{devices=[1,1,8]<=[8] last_tile_dim_replicate}", 8, 2));
  EXPECT_TRUE(equal("{devices=[2,4]<=[4,2]T(1,0)}",
                    "{devices=[2,4]0,2,4,6,1,3,5,7}", 8, 2));
  EXPECT_FALSE(
      equal("{devices=[2,4]<=[4,2]T(1,0)}", "{devices=[2,4]<=[8]}", 8, 2));
  EXPECT_TRUE(equal("{devices=[2,2]1,0,3,2 last_tile_dim_replicate}",
                    "{devices=[2,2]<=[4] last_tile_dim_replicate}", 4, 1));
  EXPECT_TRUE(equal("{devices=[2,1]<=[2] metadata={op_name=\"x\"}}",
                    "{devices=[2,1]0,1 shard_as 3}", 2, 2));
  EXPECT_TRUE(equal("{devices=[2,2]<=[4] last_tile_dims={replicated}}",
                    "{devices=[2,2]<=[4] last_tile_dim_replicate}", 4, 1));
  EXPECT_TRUE(equal("{manual}",
                    "{devices=[1,1,8]<=[8] last_tile_dims={manual}}", 8, 2));
  EXPECT_FALSE(equal("{manual}", "{replicated}", 8, 2));
  EXPECT_FALSE(equal("{maximal device=0}", "{replicated}", 8, 2));
  EXPECT_FALSE(equal("{maximal device=0}", "{maximal device=1}", 8, 2));
  EXPECT_FALSE(equal("{devices=[2,1]0,1}", "{devices=[1,2]0,1}", 2, 2));
  // Tuples compare elementwise, each with the rank its tiled side implies.
  EXPECT_TRUE(equal("{{replicated}, {devices=[2]0,1}}",
                    "{{devices=[1,2]<=[2] last_tile_dim_replicate}, "
                    "{devices=[2]<=[2]}}",
                    2, 0));
  EXPECT_FALSE(equal("{{replicated}}", "{{replicated}, {replicated}}", 2, 0));
  EXPECT_FALSE(equal("{{replicated}}", "{replicated}", 2, 0));
  EXPECT_EQ(errorText(semanticallyEqual(parse("{devices=[2]0,1}"),
                                        parse("{replicated}"), 2, 3)),
            "sharding tiles 1 dims but the tensor has rank 3");
}

TEST(TileMap, FromShardy) {
  Mesh mesh = cantFail(parseMesh("<[\"x\"=2, \"y\"=4]>"));
  TensorSharding s = cantFail(parseTensorSharding("<@m, [{\"y\"}, {}]>"));
  TileMap map = cantFail(tileMapOf(s, mesh, 8));
  EXPECT_EQ(map, cantFail(tileMapOf(parse("{devices=[4,1,2]<=[2,4]T(1,0) "
                                          "last_tile_dim_replicate}"),
                                    8, 2)));
  EXPECT_EQ(countDistinctTiles(map), 4);
  EXPECT_EQ(map.deviceTiles[4], (SmallVector<int64_t>{0, 0}));
  EXPECT_EQ(map.deviceTiles[5], (SmallVector<int64_t>{1, 0}));
  TileMap manual = cantFail(tileMapOf(s, mesh, 8, {"x"}));
  EXPECT_EQ(manual.kind, TileMap::Kind::Manual);
  EXPECT_EQ(countDistinctTiles(manual), 8);
}

} // namespace

//===----------------------------------------------------------------------===//
// HLO sharding -> axes
//===----------------------------------------------------------------------===//

namespace {

TEST(ToShardyShardingTest, PrimeFactorMeshesInEveryOrder) {
  std::vector<Mesh> meshes = primeFactorMeshes(12);
  ASSERT_EQ(meshes.size(), 3u); // [2,2,3], [2,3,2], [3,2,2]
  EXPECT_EQ(printMesh(meshes[0]),
            R"(#sdy.mesh<["_axis_0"=2, "_axis_1"=2, "_axis_2"=3]>)");
  EXPECT_EQ(printMesh(meshes[2]),
            R"(#sdy.mesh<["_axis_0"=3, "_axis_1"=2, "_axis_2"=2]>)");
  EXPECT_TRUE(primeFactorMeshes(1).empty());
  EXPECT_EQ(primeFactorMeshes(8).size(), 1u);
}

/// Reads \p hlo on \p mesh and checks it converts back to the same sharding.
void expectAxes(llvm::StringRef hlo, const Mesh &mesh, int64_t rank,
                llvm::StringRef sdy) {
  SCOPED_TRACE(hlo.str());
  llvm::Expected<HloSharding> parsed = parseHloSharding(hlo);
  ASSERT_TRUE(static_cast<bool>(parsed)) << llvm::toString(parsed.takeError());
  llvm::Expected<TensorSharding> axes = toShardySharding(*parsed, mesh, rank);
  ASSERT_TRUE(static_cast<bool>(axes)) << llvm::toString(axes.takeError());
  EXPECT_EQ(printTensorSharding(*axes), sdy);
  // Round trip: the axes describe exactly the same tiles.
  llvm::Expected<HloSharding> back = toHloSharding(*axes, mesh);
  ASSERT_TRUE(static_cast<bool>(back)) << llvm::toString(back.takeError());
  llvm::Expected<bool> same =
      semanticallyEqual(*parsed, *back, mesh.numDevices(), rank);
  ASSERT_TRUE(static_cast<bool>(same)) << llvm::toString(same.takeError());
  EXPECT_TRUE(*same) << printHloSharding(*back);
}

TEST(ToShardyShardingTest, IotaAndExplicitTilingsBecomeAxes) {
  Mesh mesh = primeFactorMeshes(8).front(); // _axis_0..2 of size 2
  const char *m = R"(mesh<["_axis_0"=2, "_axis_1"=2, "_axis_2"=2]>)";
  // Device d = 4*a0 + 2*a1 + a2. [2,4]<=[8]: dim 0 is a0, dim 1 is a1 a2.
  expectAxes("{devices=[2,4]<=[8]}", mesh, 2,
             (llvm::Twine("#sdy.sharding<") + m +
              R"(, [{"_axis_0"}, {"_axis_1", "_axis_2"}]>)")
                 .str());
  // [4,2]<=[2,4]T(1,0) holds [[0,4],[1,5],[2,6],[3,7]]: dim 0 is a1 a2 and
  // dim 1 is a0.
  expectAxes("{devices=[4,2]<=[2,4]T(1,0)}", mesh, 2,
             (llvm::Twine("#sdy.sharding<") + m +
              R"(, [{"_axis_1", "_axis_2"}, {"_axis_0"}]>)")
                 .str());
  // Partial replication over the last subgroup: a2 is replicated.
  expectAxes("{devices=[4,1,2]<=[8] last_tile_dim_replicate}", mesh, 2,
             (llvm::Twine("#sdy.sharding<") + m +
              R"(, [{"_axis_0", "_axis_1"}, {}]>)")
                 .str());
  // The same tiles written as an explicit list.
  expectAxes("{devices=[2,4]0,1,2,3,4,5,6,7}", mesh, 2,
             (llvm::Twine("#sdy.sharding<") + m +
              R"(, [{"_axis_0"}, {"_axis_1", "_axis_2"}]>)")
                 .str());
  expectAxes("{replicated}", mesh, 2,
             (llvm::Twine("#sdy.sharding<") + m + ", [{}, {}]>").str());
}

TEST(ToShardyShardingTest, RejectsWhatNoAxisSplitExpresses) {
  Mesh mesh = primeFactorMeshes(4).front();
  auto fails = [&](llvm::StringRef hlo, int64_t rank) {
    llvm::Expected<HloSharding> parsed = parseHloSharding(hlo);
    EXPECT_TRUE(static_cast<bool>(parsed));
    if (!parsed) {
      llvm::consumeError(parsed.takeError());
      return;
    }
    llvm::Expected<TensorSharding> axes = toShardySharding(*parsed, mesh, rank);
    EXPECT_FALSE(static_cast<bool>(axes)) << hlo.str();
    if (!axes)
      llvm::consumeError(axes.takeError());
  };
  fails("{devices=[4]0,3,1,2}", 1);        // no axis-aligned order
  fails("{devices=[2,2]0,3,1,2}", 2);      // an axis moves two dimensions
  fails("{maximal device=1}", 1);
  fails("{manual}", 1);
  fails("{devices=[2,2]<=[4]}", 1);        // wrong rank
  fails("{devices=[8]<=[8]}", 1);          // another device count
}

TEST(ToShardyShardingTest, FactorOrderMattersForNonPowersOfTwo) {
  // 12 devices tiled [3,4]: device d = 4*x + y. Only the mesh whose
  // factors run 3, 2, 2 makes x one axis.
  llvm::Expected<HloSharding> parsed = parseHloSharding("{devices=[3,4]<=[12]}");
  ASSERT_TRUE(static_cast<bool>(parsed));
  unsigned expressible = 0;
  for (const Mesh &mesh : primeFactorMeshes(12)) {
    llvm::Expected<TensorSharding> axes = toShardySharding(*parsed, mesh, 2);
    if (axes)
      ++expressible;
    else
      llvm::consumeError(axes.takeError());
  }
  EXPECT_EQ(expressible, 1u);
}

} // namespace
