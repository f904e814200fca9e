//===- ShardingSitesTest.cpp - Finding annotations in a module ------------===//

#include "AoiZora/IR/ShardingSites.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace aoizora;

namespace {

class ShardingSitesTest : public ::testing::Test {
protected:
  ShardingSitesTest() {
    context.loadDialect<func::FuncDialect>();
    context.allowUnregisteredDialects();
  }
  OwningOpRef<ModuleOp> parse(StringRef source) {
    return parseSourceString<ModuleOp>(source, &context);
  }
  MLIRContext context;
};

constexpr StringLiteral kModule = R"mlir(
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["a"=2]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"a"}]>, mhlo.frontend_attributes = {xla.sdy.sharding = "#sdy.sharding<@mesh, [{\22a\22}]>"}}], function_type = (tensor<2xf32>) -> tensor<2xf32>, res_attrs = [{mhlo.sharding = "{replicated}"}], sym_name = "main"}> ({
  ^bb0(%arg0: tensor<2xf32>):
    %0 = "sdy.sharding_constraint"(%arg0) <{sharding = #sdy.sharding<@mesh, [{}]>}> : (tensor<2xf32>) -> tensor<2xf32>
    %1 = "stablehlo.all_reduce"(%0) <{replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>}> ({
    ^bb1(%a: tensor<f32>, %b: tensor<f32>):
      "stablehlo.return"(%a) : (tensor<f32>) -> ()
    }) : (tensor<2xf32>) -> tensor<2xf32>
    "func.return"(%1) : (tensor<2xf32>) -> ()
  }) : () -> ()
}) {mhlo.frontend_attributes = {xla.sdy.meshes = "{mesh = #sdy.mesh<[\22a\22=2]>}"}} : () -> ()
)mlir";

TEST_F(ShardingSitesTest, FindsEverySiteInProgramOrder) {
  OwningOpRef<ModuleOp> module = parse(kModule);
  ASSERT_TRUE(module);
  SmallVector<ShardingSite, 0> sites = collectShardingSites(*module);
  SmallVector<SiteKind> kinds;
  for (const ShardingSite &site : sites)
    kinds.push_back(site.kind);
  EXPECT_EQ(kinds, (SmallVector<SiteKind>{
                       SiteKind::SdyMeshDict, SiteKind::SdyMesh,
                       SiteKind::SdySharding, SiteKind::SdySharding,
                       SiteKind::HloSharding, SiteKind::SdySharding,
                       SiteKind::ReplicaGroups}));
  EXPECT_EQ(sites[1].meshName, "mesh");
  EXPECT_EQ(sites[2].describe(), "argument #0 of @main");
  EXPECT_EQ(sites[3].describe(), "argument #0 of @main (xla.sdy.sharding)");
  EXPECT_EQ(sites[4].describe(), "result #0 of @main");
  // Round-trip strings come back unescaped; opaque attributes as printed.
  EXPECT_EQ(sites[3].ref.getText(), "#sdy.sharding<@mesh, [{\"a\"}]>");
  EXPECT_EQ(sites[2].ref.getText(), "#sdy.sharding<@mesh, [{\"a\"}]>");
  EXPECT_EQ(sites[4].ref.getText(), "{replicated}");
  ASSERT_EQ(sites[5].valueTypes.size(), 1u);
}

TEST_F(ShardingSitesTest, SetTextKeepsStringsAsStringsAndParsesTheRest) {
  OwningOpRef<ModuleOp> module = parse(kModule);
  ASSERT_TRUE(module);
  SmallVector<ShardingSite, 0> sites = collectShardingSites(*module);
  ASSERT_TRUE(succeeded(sites[4].ref.setText("{maximal device=1}")));
  EXPECT_EQ(sites[4].ref.getText(), "{maximal device=1}");
  ASSERT_TRUE(succeeded(
      sites[1].ref.setText("#sdy.mesh<[\"a\"=2], device_ids=[1, 0]>")));
  EXPECT_EQ(sites[1].ref.getText(), "#sdy.mesh<[\"a\"=2], device_ids=[1, 0]>");
  ASSERT_TRUE(succeeded(sites[3].ref.setText("#sdy.sharding<@mesh, [{}]>")));
  EXPECT_EQ(sites[3].ref.getText(), "#sdy.sharding<@mesh, [{}]>");
  // The other frontend attribute entries and the sdy.sharding beside it stay.
  EXPECT_EQ(sites[2].ref.getText(), "#sdy.sharding<@mesh, [{\"a\"}]>");
}

TEST_F(ShardingSitesTest, ReadsDeviceGroups) {
  OwningOpRef<ModuleOp> module = parse(kModule);
  ASSERT_TRUE(module);
  SmallVector<ShardingSite, 0> sites = collectShardingSites(*module);
  auto groups = readDeviceGroups(sites.back().ref.get());
  ASSERT_TRUE(succeeded(groups));
  ASSERT_EQ(groups->size(), 1u);
  EXPECT_EQ((*groups)[0], (SmallVector<int64_t>{0, 1}));
  EXPECT_TRUE(failed(readDeviceGroups(sites[4].ref.get())));
}

TEST(SplitAttrDictTextTest, SplitsTopLevelEntries) {
  auto entries = splitAttrDictText(
      R"({mesh = #sdy.mesh<["a"=2, "b"=4]>, other = #sdy.mesh<[], device_ids=[3]>})");
  ASSERT_TRUE(succeeded(entries));
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].first, "mesh");
  EXPECT_EQ((*entries)[0].second, R"(#sdy.mesh<["a"=2, "b"=4]>)");
  EXPECT_EQ((*entries)[1].first, "other");
  EXPECT_EQ((*entries)[1].second, "#sdy.mesh<[], device_ids=[3]>");
  auto empty = splitAttrDictText("{}");
  ASSERT_TRUE(succeeded(empty));
  EXPECT_TRUE(empty->empty());
}

TEST(SplitAttrDictTextTest, RejectsMalformedText) {
  EXPECT_TRUE(failed(splitAttrDictText("mesh = #sdy.mesh<[]>")));
  EXPECT_TRUE(failed(splitAttrDictText("{mesh = #sdy.mesh<[}")));
  EXPECT_TRUE(failed(splitAttrDictText("{mesh #sdy.mesh<[]>}")));
  EXPECT_TRUE(failed(splitAttrDictText("{mesh = \"unterminated}")));
}

} // namespace
