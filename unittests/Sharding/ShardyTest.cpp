//===- ShardyTest.cpp - Tests for the Shardy mesh/sharding model ----------===//
//
// Parsing, canonical printing and verification of `#sdy.mesh`,
// `#sdy.sharding`, `#sdy.sharding_per_value` and `#sdy<manual_axes>`, checked
// on hand-written cases and on Shardy's own lit tests when the shared
// reference folder is present.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Sharding/Shardy.h"

#include "TestUtil.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <gtest/gtest.h>

using namespace aoizora::sharding;
using namespace aoizora::sharding::test;
using llvm::StringRef;

namespace {

std::string roundTripMesh(StringRef text,
                          MeshPrefix prefix = MeshPrefix::Attribute) {
  llvm::Expected<Mesh> mesh = parseMesh(text);
  if (!mesh)
    return "error: " + llvm::toString(mesh.takeError());
  return printMesh(*mesh, prefix);
}

std::string roundTripSharding(StringRef text, bool withPrefix = true) {
  llvm::Expected<TensorSharding> s = parseTensorSharding(text);
  if (!s)
    return "error: " + llvm::toString(s.takeError());
  return printTensorSharding(*s, withPrefix);
}

std::string verifyMeshText(StringRef text) {
  llvm::Expected<Mesh> mesh = parseMesh(text);
  if (!mesh)
    return "parse error: " + llvm::toString(mesh.takeError());
  return errorText(verifyMesh(*mesh));
}

/// Every attribute starting with \p prefix + '<' in \p line, up to its
/// matching '>' (angle brackets inside string literals ignored).
std::vector<std::string> extractAttrs(StringRef line, StringRef prefix) {
  std::vector<std::string> out;
  std::string open = (prefix + "<").str();
  for (size_t at = line.find(open); at != StringRef::npos;
       at = line.find(open, at + 1)) {
    int depth = 0;
    bool inString = false;
    for (size_t i = at + prefix.size(); i < line.size(); ++i) {
      char c = line[i];
      if (inString) {
        if (c == '\\')
          ++i;
        else if (c == '"')
          inString = false;
      } else if (c == '"') {
        inString = true;
      } else if (c == '<') {
        ++depth;
      } else if (c == '>' && --depth == 0) {
        out.push_back(line.slice(at, i + 1).str());
        break;
      }
    }
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Meshes
//===----------------------------------------------------------------------===//

TEST(ShardyMesh, ParsePrintForms) {
  EXPECT_EQ(roundTripMesh("#sdy.mesh<[]>"), "#sdy.mesh<[]>");
  EXPECT_EQ(roundTripMesh("<[]>", MeshPrefix::None), "<[]>");
  EXPECT_EQ(roundTripMesh("mesh<[\"x\"=2]>", MeshPrefix::Inline),
            "mesh<[\"x\"=2]>");
  EXPECT_EQ(roundTripMesh("<[], device_ids=[3]>"),
            "#sdy.mesh<[], device_ids=[3]>");
  EXPECT_EQ(
      roundTripMesh("<[\"x\"=3, \"y\"=2], device_ids=[5, 4, 3, 2, 1, 0]>"),
      "#sdy.mesh<[\"x\"=3, \"y\"=2], device_ids=[5, 4, 3, 2, 1, 0]>");
  // Whitespace anywhere between tokens; canonical spacing when printed.
  EXPECT_EQ(roundTripMesh("  #sdy.mesh < [ \"x\" = 2 ,\"y\"=4 ] , device_ids "
                          "= [ 1,0,3,2, 5,4,7,6 ] >  "),
            "#sdy.mesh<[\"x\"=2, \"y\"=4], device_ids=[1, 0, 3, 2, 5, 4, 7, "
            "6]>");
  // Iota device ids are dropped, as by Shardy's builder (§1.1).
  EXPECT_EQ(roundTripMesh("<[\"a\"=2, \"b\"=2], device_ids=[0, 1, 2, 3]>",
                          MeshPrefix::None),
            "<[\"a\"=2, \"b\"=2]>");
  EXPECT_EQ(roundTripMesh("<[\"a\"=1], device_ids=[0]>", MeshPrefix::None),
            "<[\"a\"=1]>");
  // A maximal mesh keeps its single id even when it is 0.
  EXPECT_EQ(roundTripMesh("<[], device_ids=[0]>", MeshPrefix::None),
            "<[], device_ids=[0]>");
  // Axis names may hold any characters; `"` is printed as \22 like MLIR.
  EXPECT_EQ(roundTripMesh("#sdy.mesh<[\"<axis 0xfffeaa4e91c0>\"=8]>"),
            "#sdy.mesh<[\"<axis 0xfffeaa4e91c0>\"=8]>");
  llvm::Expected<Mesh> escaped = parseMesh("<[\"a\\22b\"=2, \"c\\\"d\"=1]>");
  ASSERT_TRUE(!!escaped) << errorText(std::move(escaped));
  EXPECT_EQ(escaped->axes[0].name, "a\"b");
  EXPECT_EQ(escaped->axes[1].name, "c\"d");
  EXPECT_EQ(printMesh(*escaped, MeshPrefix::None),
            "<[\"a\\22b\"=2, \"c\\22d\"=1]>");
}

TEST(ShardyMesh, Helpers) {
  Mesh mesh = cantFail(parseMesh("<[\"x\"=2, \"y\"=4], device_ids=[7, 6, 5, "
                                 "4, 3, 2, 1, 0]>"));
  EXPECT_EQ(mesh.numDevices(), 8);
  EXPECT_FALSE(mesh.isMaximal());
  EXPECT_FALSE(mesh.isEmpty());
  EXPECT_EQ(mesh.axisIndex("y"), 1u);
  EXPECT_EQ(mesh.axisSize("y"), 4);
  EXPECT_EQ(mesh.axisIndex("z"), std::nullopt);
  EXPECT_EQ(mesh.deviceIdsOrIota(),
            (llvm::SmallVector<int64_t>{7, 6, 5, 4, 3, 2, 1, 0}));

  Mesh iota = cantFail(parseMesh("<[\"x\"=3]>"));
  EXPECT_EQ(iota.deviceIdsOrIota(), (llvm::SmallVector<int64_t>{0, 1, 2}));

  Mesh maximal = cantFail(parseMesh("<[], device_ids=[5]>"));
  EXPECT_TRUE(maximal.isMaximal());
  EXPECT_FALSE(maximal.isEmpty());
  EXPECT_EQ(maximal.numDevices(), 1);

  Mesh empty = cantFail(parseMesh("<[]>"));
  EXPECT_TRUE(empty.isEmpty());
  EXPECT_FALSE(empty.isMaximal());
  // An axis of size 1 does not make a mesh maximal (§1.1).
  EXPECT_FALSE(cantFail(parseMesh("<[\"a\"=1]>")).isMaximal());
}

TEST(ShardyMesh, VerifierMessages) {
  // Exact messages of shardy's mesh_verification.mlir.
  EXPECT_EQ(verifyMeshText("<[\"a\"=2, \"b\"=0]>"),
            "axis size must be at least 1, got: 0");
  EXPECT_EQ(verifyMeshText("<[\"a\"=2, \"b\"=2, \"a\"=4]>"),
            "duplicate axis name: \"a\"");
  EXPECT_EQ(verifyMeshText("<[], device_ids=[-1]>"),
            "device id must be non-negative, got: -1");
  EXPECT_EQ(verifyMeshText("<[], device_ids=[1, 0]>"),
            "axes is empty and device_ids has more than one element");
  EXPECT_EQ(verifyMeshText("<[\"a\"=2, \"b\"=2], device_ids=[0, 2, 1, 3, 4, "
                           "5]>"),
            "total product of axis sizes must match total number of device "
            "ids, got: 4 != 6");
  EXPECT_EQ(verifyMeshText("<[\"a\"=2], device_ids=[0]>"),
            "total product of axis sizes must match total number of device "
            "ids, got: 2 != 1");
  EXPECT_EQ(verifyMeshText("<[\"a\"=2], device_ids=[1, 1]>"),
            "sorted device ids must be iota(product(axes)), got: 1, 1");
  EXPECT_EQ(verifyMeshText("<[\"a\"=2], device_ids=[2, 1]>"),
            "sorted device ids must be iota(product(axes)), got: 1, 2");
  for (StringRef ok : {"<[]>", "<[], device_ids=[3]>", "<[\"a\"=1]>",
                       "<[\"a\"=2, \"b\"=1], device_ids=[1, 0]>"})
    EXPECT_EQ(verifyMeshText(ok), "") << ok.str();
}

TEST(ShardyMesh, ParseErrors) {
  EXPECT_EQ(errorText(parseMesh("<[\"x\"=2")),
            "expected ']' at column 7 in '<[\"x\"=2'");
  EXPECT_EQ(errorText(parseMesh("<[x=2]>")),
            "expected string literal at column 2 in '<[x=2]>'");
  EXPECT_EQ(errorText(parseMesh("<[\"x\"=two]>")),
            "expected integer at column 6 in '<[\"x\"=two]>'");
  EXPECT_EQ(errorText(parseMesh("<[\"x]>")),
            "expected terminated string literal at column 2 in '<[\"x]>'");
  EXPECT_EQ(errorText(parseMesh("<[\"x\"=2], ids=[1, 0]>")),
            "expected 'device_ids' at column 10 in '<[\"x\"=2], ids=[1, 0]>'");
  EXPECT_EQ(errorText(parseMesh("<[]> trailing")),
            "expected end of input at column 5 in '<[]> trailing'");
}

TEST(ShardyMesh, LitMeshParsePrint) {
  std::optional<std::string> file =
      readSharedFile("examples/shardy_lit/mesh_parse_print.mlir");
  if (!file)
    GTEST_SKIP() << "shared reference folder not found at "
                 << AOIZORA_SHARED_DIR;
  // `// CHECK: sdy.mesh @name = <canonical>` follows each input line.
  llvm::StringMap<std::string> expected;
  std::vector<std::pair<std::string, std::string>> inputs;
  llvm::SmallVector<StringRef> lines;
  StringRef(*file).split(lines, '\n');
  for (StringRef line : lines) {
    size_t at = line.find("sdy.mesh @");
    if (at == StringRef::npos)
      continue;
    auto [name, body] = line.drop_front(at + 10).split(" = ");
    if (line.trim().starts_with("// CHECK:"))
      expected[name] = body.trim().str();
    else if (!line.trim().starts_with("//"))
      inputs.push_back({name.str(), body.trim().str()});
  }
  ASSERT_GE(inputs.size(), 10u);
  for (auto &[name, body] : inputs) {
    ASSERT_TRUE(expected.count(name)) << name;
    EXPECT_EQ(roundTripMesh(body, MeshPrefix::None), expected[name]) << name;
    EXPECT_EQ(verifyMeshText(body), "") << name;
    // The canonical text is a fixed point.
    EXPECT_EQ(roundTripMesh(expected[name], MeshPrefix::None), expected[name]);
  }
}

//===----------------------------------------------------------------------===//
// Tensor shardings
//===----------------------------------------------------------------------===//

TEST(ShardySharding, ParsePrintCanonical) {
  for (StringRef text : {
           "#sdy.sharding<@mesh, [{\"x\"}, {\"y\", ?}]>",
           "#sdy.sharding<@mesh, [{\"x\"}, {\"y\", ?}p1]>",
           "#sdy.sharding<@foo, [{\"a\", ?}, {?}]>",
           "#sdy.sharding<@foo, [{\"a\"}p0, {\"b\"}]>",
           "#sdy.sharding<@foo, [{}, {}], replicated={\"a\", \"b\"}>",
           "#sdy.sharding<@foo, [{}, {}], replicated={\"a\"}, "
           "unreduced={\"b\"}>",
           "#sdy.sharding<@foo, [{}, {}], unreduced=max{\"a\"}>",
           "#sdy.sharding<@foo, [{}, {}], unreduced=min{\"a\"}>",
           "#sdy.sharding<@mesh_xyz, [{\"x\"}, {\"y\":(2)2}], "
           "replicated={\"y\":(1)2}>",
           "#sdy.sharding<@bar, [{\"a\":(1)2, \"b\", \"a\":(2)2}, {}]>",
           "#sdy.sharding<@maximal_mesh, []>",
           "#sdy.sharding<@foo, [], replicated={\"b\"}>",
           "#sdy.sharding<mesh<[\"x\"=2, \"y\"=2]>, [{\"x\"}, {}]>",
           "#sdy.sharding<mesh<[\"x\"=2], device_ids=[1, 0]>, [{\"x\"}, {}]>",
           "#sdy.sharding<mesh<[], device_ids=[3]>, []>",
           "#sdy.sharding<@\"my mesh\", [{\"a\"}]>",
           "#sdy.sharding<@mesh, [{\"z\", ?}p2, {?}p10]>",
       })
    EXPECT_EQ(roundTripSharding(text), text.str());
}

TEST(ShardySharding, ParseNormalises) {
  // The stripped form, extra spaces, `unreduced=sum`, unreduced before
  // replicated, `#sdy.mesh` inline, iota device ids.
  EXPECT_EQ(roundTripSharding("<@mesh, [{\"x\"}, {}]>", false),
            "<@mesh, [{\"x\"}, {}]>");
  EXPECT_EQ(roundTripSharding(" < @mesh ,[ { \"x\" , \"y\" : ( 2 ) 2 , ? } "
                              "p1 ,{ ? } ] > "),
            "#sdy.sharding<@mesh, [{\"x\", \"y\":(2)2, ?}p1, {?}]>");
  EXPECT_EQ(roundTripSharding("<@foo, [{}, {}], unreduced=sum{\"a\"}>"),
            "#sdy.sharding<@foo, [{}, {}], unreduced={\"a\"}>");
  EXPECT_EQ(roundTripSharding("<@foo, [{}, {}], unreduced={\"b\"}, "
                              "replicated={\"a\"}>"),
            "#sdy.sharding<@foo, [{}, {}], replicated={\"a\"}, "
            "unreduced={\"b\"}>");
  EXPECT_EQ(roundTripSharding("<#sdy.mesh<[\"x\"=2], device_ids=[0, 1]>, "
                              "[{\"x\"}]>"),
            "#sdy.sharding<mesh<[\"x\"=2]>, [{\"x\"}]>");
  // Escapes inside axis-name literals are decoded and re-escaped as MLIR
  // prints them.
  EXPECT_EQ(roundTripSharding("#sdy.sharding<@mesh, [{\"a\\\"b\"}]>"),
            "#sdy.sharding<@mesh, [{\"a\\22b\"}]>");
}

TEST(ShardySharding, Model) {
  TensorSharding s = cantFail(
      parseTensorSharding("#sdy.sharding<@mesh, [{\"x\", \"y\":(2)4}, {?}p3], "
                          "replicated={\"z\"}, unreduced=max{\"w\"}>"));
  EXPECT_EQ(s.meshName, "mesh");
  EXPECT_FALSE(s.inlineMesh);
  ASSERT_EQ(s.rank(), 2);
  EXPECT_TRUE(s.dims[0].isClosed);
  EXPECT_EQ(s.dims[0].axes[1].name, "y");
  EXPECT_EQ(s.dims[0].axes[1].subAxis, (SubAxis{2, 4}));
  EXPECT_EQ(s.dims[0].axes[1].str(), "\"y\":(2)4");
  EXPECT_FALSE(s.dims[1].isClosed);
  EXPECT_EQ(s.dims[1].priority, 3);
  EXPECT_EQ(s.replicatedAxes[0].name, "z");
  EXPECT_EQ(s.reduction, ReductionKind::Max);

  Mesh mesh = cantFail(parseMesh("<[\"x\"=2, \"y\"=16]>"));
  EXPECT_EQ(s.dims[0].axes[0].size(mesh), 2);
  EXPECT_EQ(s.dims[0].axes[1].size(mesh), 4);
}

TEST(ShardySharding, PerValueAndManualAxes) {
  auto perValue = parseShardingPerValue(
      "#sdy.sharding_per_value<[<@foo, [{\"a\"}, {}]>, <mesh<[\"a\"=2, "
      "\"b\"=4]>, [{\"a\"}, {}]>]>");
  ASSERT_TRUE(!!perValue) << errorText(std::move(perValue));
  ASSERT_EQ(perValue->size(), 2u);
  EXPECT_EQ(printShardingPerValue(*perValue),
            "#sdy.sharding_per_value<[<@foo, [{\"a\"}, {}]>, <mesh<[\"a\"=2, "
            "\"b\"=4]>, [{\"a\"}, {}]>]>");
  auto empty = parseShardingPerValue("#sdy.sharding_per_value<[]>");
  ASSERT_TRUE(!!empty);
  EXPECT_TRUE(empty->empty());
  EXPECT_EQ(printShardingPerValue(*empty), "#sdy.sharding_per_value<[]>");
  // The bare list of `in_shardings=[...]` and the `<[...]>` body.
  for (StringRef text : {"[<@mesh, [{\"a\"}, {}]>, <@mesh, []>]",
                         "<[<@mesh, [{\"a\"}, {}]>, <@mesh, []>]>"}) {
    auto list = parseShardingPerValue(text);
    ASSERT_TRUE(!!list) << errorText(std::move(list));
    EXPECT_EQ(printShardingPerValue(*list),
              "#sdy.sharding_per_value<[<@mesh, [{\"a\"}, {}]>, <@mesh, "
              "[]>]>");
  }
  EXPECT_NE(errorText(parseShardingPerValue("#sdy.sharding_per_value<>")), "");

  auto manual = parseManualAxes("#sdy<manual_axes{\"a\", \"b\"}>");
  ASSERT_TRUE(!!manual);
  EXPECT_EQ(*manual, (llvm::SmallVector<std::string>{"a", "b"}));
  EXPECT_EQ(printManualAxes(*manual), "#sdy<manual_axes{\"a\", \"b\"}>");
  EXPECT_EQ(cantFail(parseManualAxes(" { \"x\" } ")),
            (llvm::SmallVector<std::string>{"x"}));
  EXPECT_TRUE(cantFail(parseManualAxes("#sdy<manual_axes{}>")).empty());
  EXPECT_EQ(printManualAxes({}), "#sdy<manual_axes{}>");
  EXPECT_EQ(errorText(parseManualAxes("#sdy<manual{\"a\"}>")),
            "expected 'manual_axes' at column 5 in '#sdy<manual{\"a\"}>'");
}

TEST(ShardySharding, ParseErrors) {
  EXPECT_EQ(errorText(parseTensorSharding("#sdy.sharding<@mesh, [{\"x\"]>")),
            "expected '}' at column 26 in '#sdy.sharding<@mesh, [{\"x\"]>'");
  EXPECT_EQ(errorText(parseTensorSharding("<@mesh, [{?, \"x\"}]>")),
            "expected '}' at column 11 in '<@mesh, [{?, \"x\"}]>'");
  EXPECT_EQ(errorText(parseTensorSharding("<@mesh, [{\"x\"}p01]>")),
            "expected priority 'p<N>' without leading zeros at column 14 in "
            "'<@mesh, [{\"x\"}p01]>'");
  EXPECT_EQ(errorText(parseTensorSharding("<mesh, [{}]>")),
            "expected '<' at column 5 in '<mesh, [{}]>'");
  EXPECT_EQ(errorText(parseTensorSharding("<%mesh, [{}]>")),
            "expected '@' mesh symbol or inline 'mesh<...>' at column 1 in "
            "'<%mesh, [{}]>'");
  EXPECT_EQ(errorText(parseTensorSharding("<@mesh, [{}], foo={}>")),
            "expected 'replicated' or 'unreduced' at column 14 in '<@mesh, "
            "[{}], foo={}>'");
  EXPECT_EQ(errorText(parseTensorSharding("<@mesh, [{\"x\":(2}]>")),
            "expected ')' at column 16 in '<@mesh, [{\"x\":(2}]>'");
  EXPECT_EQ(errorText(parseTensorSharding("<@mesh, [{\"a\\q\"}]>")),
            "expected valid escape sequence at column 12 in '<@mesh, "
            "[{\"a\\q\"}]>'");
  EXPECT_EQ(errorText(parseTensorSharding("")),
            "expected '<' at column 0 in ''");
}

TEST(ShardySharding, LitTensorShardingParsePrint) {
  std::optional<std::string> file =
      readSharedFile("examples/shardy_lit/tensor_sharding_parse_print.mlir");
  if (!file)
    GTEST_SKIP() << "shared reference folder not found at "
                 << AOIZORA_SHARED_DIR;
  // CHECK lines hold Shardy's canonical output: each must be a fixed point,
  // and every input attribute must print as one of them.
  llvm::StringSet<> canonical;
  std::vector<std::string> inputs;
  llvm::SmallVector<StringRef> lines;
  StringRef(*file).split(lines, '\n');
  for (StringRef line : lines) {
    bool isCheck = line.trim().starts_with("// CHECK");
    for (StringRef prefix : {"#sdy.sharding", "#sdy.sharding_per_value"})
      for (std::string &attr : extractAttrs(line, prefix)) {
        if (isCheck)
          canonical.insert(attr);
        else
          inputs.push_back(std::move(attr));
      }
  }
  ASSERT_GE(canonical.size(), 20u);
  ASSERT_GE(inputs.size(), 25u);
  auto print = [](StringRef attr) -> std::string {
    if (attr.starts_with("#sdy.sharding_per_value")) {
      auto list = parseShardingPerValue(attr);
      return list ? printShardingPerValue(*list)
                  : "error: " + llvm::toString(list.takeError());
    }
    return roundTripSharding(attr);
  };
  for (const auto &entry : canonical)
    EXPECT_EQ(print(entry.getKey()), entry.getKey().str());
  for (const std::string &attr : inputs)
    EXPECT_TRUE(canonical.contains(print(attr)))
        << attr << " printed as " << print(attr);
}

//===----------------------------------------------------------------------===//
// Tensor sharding verifier
//===----------------------------------------------------------------------===//

struct VerifyCase {
  const char *mesh;
  const char *sharding;
  std::vector<int64_t> shape; // empty: rank-0 tensor
  const char *message;        // "" when valid
};

std::string verifyText(const VerifyCase &c, bool withShape = true) {
  Mesh mesh = cantFail(parseMesh(c.mesh));
  llvm::Expected<TensorSharding> s = parseTensorSharding(c.sharding);
  if (!s)
    return "parse error: " + llvm::toString(s.takeError());
  std::optional<llvm::ArrayRef<int64_t>> shape;
  if (withShape)
    shape = llvm::ArrayRef<int64_t>(c.shape);
  return errorText(verifyTensorSharding(*s, mesh, shape));
}

TEST(ShardySharding, VerifierMessages) {
  // Cases and messages of shardy's tensor_sharding_verification.mlir.
  const int64_t dyn = kDynamicSize;
  const VerifyCase cases[] = {
      {"<[\"a\"=2, \"b\"=2]>",
       "<@mesh, [{}, {\"b\"}], replicated={\"a\"}>",
       {8},
       "sharding doesn't match tensor rank: 2 != 1"},
      {"<[\"a\"=2]>",
       "<@mesh, [{}]>",
       {dyn, dyn},
       "sharding doesn't match tensor rank: 1 != 2"},
      {"<[\"a\"=2]>",
       "<@mesh, [{}p1, {}]>",
       {dyn, dyn},
       "dim 0 is empty and closed but has a priority"},
      {"<[\"a\"=2, \"b\"=4]>",
       "<@mesh, [{\"a\"}, {}p3]>",
       {8, 8},
       "dim 1 is empty and closed but has a priority"},
      {"<[\"a\"=2]>",
       "<@mesh, [{}, {\"c\"}]>",
       {8, 8},
       "unknown axis name: \"c\""},
      {"<[\"a\"=2, \"b\"=2]>",
       "<@mesh, [{}, {\"c\"}]>",
       {8, 8},
       "unknown axis name: \"c\""},
      {"<[\"a\"=2]>",
       "<@mesh, [{}, {}], replicated={\"c\"}>",
       {8, 8},
       "unknown axis name: \"c\""},
      {"<[\"a\"=2]>",
       "<@mesh, [{}, {}], unreduced={\"c\"}>",
       {8, 8},
       "unknown axis name: \"c\""},
      {"<[\"a\"=2]>",
       "<@mesh, [{}, {\"c\":(2)2}], replicated={\"a\"}>",
       {8, 8},
       "unknown axis name: \"c\""},
      {"<[\"a\"=2]>",
       "<@mesh, [{}, {\"a\"}], replicated={\"a\"}>",
       {8, 8},
       "duplicate axis ref: \"a\""},
      {"<[\"a\"=2]>",
       "<@mesh, [{}, {\"a\"}], unreduced={\"a\"}>",
       {8, 8},
       "duplicate axis ref: \"a\""},
      {"<[\"a\"=2]>",
       "<@mesh, [{}, {}], replicated={\"a\"}, "
       "unreduced={\"a\"}>",
       {8, 8},
       "duplicate axis ref: \"a\""},
      {"<[\"a\"=2]>",
       "<@mesh, [{}, {}], replicated={\"a\", \"a\"}>",
       {8, 8},
       "duplicate axis ref: \"a\""},
      {"<[\"a\"=2]>",
       "<@mesh, [{}, {}], unreduced={\"a\", \"a\"}>",
       {8, 8},
       "duplicate axis ref: \"a\""},
      {"<[\"a\"=2]>",
       "<@mesh, [{}, {\"a\", \"a\"}]>",
       {8, 8},
       "duplicate axis ref: \"a\""},
      {"<[\"a\"=2]>",
       "<@mesh, [{\"a\"}, {\"a\"}]>",
       {8, 8},
       "duplicate axis ref: \"a\""},
      {"<[\"c\"=2, \"a\"=2, \"b\"=2]>",
       "<@mesh, [{}, {}], replicated={\"a\", \"b\", \"c\"}>",
       {8, 8},
       "replicated axes are not ordered w.r.t. mesh"},
      {"<[\"c\"=2, \"a\"=2, \"b\"=2]>",
       "<@mesh, [{}, {}], unreduced={\"a\", \"b\", \"c\"}>",
       {8, 8},
       "unreduced axes are not ordered w.r.t. mesh"},
      {"<[\"a\"=8, \"b\"=2]>",
       "<@mesh, [{}, {\"a\":(2)2}], replicated={\"a\":(2)2}>",
       {8, 8},
       "duplicate axis ref: \"a\":(2)2"},
      {"<[\"a\"=8, \"b\"=2]>",
       "<@mesh, [{}, {\"a\"}], replicated={\"a\":(2)2}>",
       {8, 8},
       "both sub-axis and full-axis are used for axis name: \"a\""},
      {"<[\"a\"=8, \"b\"=2]>",
       "<@mesh, [{}, {\"a\"}], unreduced={\"a\":(2)2}>",
       {8, 8},
       "both sub-axis and full-axis are used for axis name: \"a\""},
      {"<[\"a\"=8, \"b\"=2]>",
       "<@mesh, [{}, {}], replicated={\"a\":(4)2, \"a\":(1)2, \"b\"}>",
       {8, 8},
       "replicated axes are not ordered w.r.t. mesh"},
      {"<[\"a\"=8, \"b\"=2]>",
       "<@mesh, [{}, {}], unreduced={\"a\":(4)2, \"a\":(1)2, \"b\"}>",
       {8, 8},
       "unreduced axes are not ordered w.r.t. mesh"},
      {"<[\"a\"=8, \"b\"=2]>",
       "<@mesh, [{}, {\"a\":(2)2, \"a\":(4)4}]>",
       {8, 8},
       "two consecutive sub-axes can be merged: \"a\":(2)2, \"a\":(4)4"},
      {"<[\"a\"=8, \"b\"=2]>",
       "<@mesh, [{}, {}], replicated={\"a\":(2)2, \"a\":(4)4}>",
       {8, 8},
       "two consecutive sub-axes can be merged: \"a\":(2)2, \"a\":(4)4"},
      {"<[\"a\"=8, \"b\"=2]>",
       "<@mesh, [{}, {}], unreduced={\"a\":(2)2, \"a\":(4)4}>",
       {8, 8},
       "two consecutive sub-axes can be merged: \"a\":(2)2, \"a\":(4)4"},
      {"<[\"a\"=8, \"b\"=2]>",
       "<@mesh, [{}, {\"a\":(-1)2}]>",
       {8, 8},
       "sub-axis pre-size must be at least 1: \"a\":(-1)2"},
      {"<[\"a\"=8, \"b\"=2]>",
       "<@mesh, [{}, {\"a\":(2)1}]>",
       {8, 8},
       "sub-axis sizes must be greater than 1: \"a\":(2)1"},
      {"<[\"a\"=8, \"b\"=2]>",
       "<@mesh, [{}, {\"a\":(3)2}]>",
       {6, 6},
       "sub-axis next pre-size 6 doesn't divide the size of the full axis 8: "
       "\"a\":(3)2"},
      {"<[\"a\"=8, \"b\"=2]>",
       "<@mesh, [{}, {\"a\":(2)3}]>",
       {6, 6},
       "sub-axis next pre-size 6 doesn't divide the size of the full axis 8: "
       "\"a\":(2)3"},
      {"<[\"a\"=8, \"b\"=2]>",
       "<@mesh, [{}, {\"a\":(4)4}]>",
       {8, 8},
       "sub-axis next pre-size 16 doesn't divide the size of the full axis "
       "8: \"a\":(4)4"},
      {"<[\"a\"=8, \"b\"=2]>",
       "<@mesh, [{}, {\"a\":(1)8}]>",
       {8, 8},
       "sub-axis size is equal to the full axis size: \"a\":(1)8"},
      {"<[\"a\"=8, \"b\"=4]>",
       "<@mesh, [{\"a\":(2)4}, {\"b\":(2)2}], replicated={\"a\":(1)4}>",
       {8, 8},
       "overlapping sub-axes: \"a\":(1)4, \"a\":(2)4"},
      {"<[\"a\"=8, \"b\"=4]>",
       "<@mesh, [{\"a\":(2)4}, {\"b\":(2)2}], replicated={\"a\":(1)4}>",
       {dyn, dyn},
       "overlapping sub-axes: \"a\":(1)4, \"a\":(2)4"},
      {"<[], device_ids=[0]>",
       "<@maximal_mesh, [{}, {}]>",
       {8, 8},
       "a maximal sharding can only have a sharding with rank 0 and no "
       "replicated or unreduced axes"},
      {"<[], device_ids=[0]>",
       "<@maximal_mesh, [], replicated={\"a\"}>",
       {},
       "a maximal sharding can only have a sharding with rank 0 and no "
       "replicated or unreduced axes"},
      {"<[], device_ids=[0]>",
       "<@maximal_mesh, [], unreduced={\"a\"}>",
       {},
       "a maximal sharding can only have a sharding with rank 0 and no "
       "replicated or unreduced axes"},
      // Dimensions of size 0 must not be sharded (verifiers.cc).
      {"<[\"a\"=2]>",
       "<@mesh, [{\"a\"}, {}]>",
       {0, 8},
       "dim 0 of size 0 is sharded on an axis of size > 1"},
      // Valid shardings.
      {"<[\"a\"=2, \"b\"=1]>", "<@mesh, [{\"b\"}, {}]>", {0, 8}, ""},
      {"<[\"a\"=2]>", "<@mesh, [{}, {\"a\"}]>", {dyn, dyn}, ""},
      {"<[\"a\"=4, \"b\"=2]>",
       "<@mesh, [{\"a\":(1)2, \"b\", \"a\":(2)2}, {}]>",
       {8, 8},
       ""},
      {"<[\"a\"=4, \"b\"=2]>",
       "<@mesh, [{\"a\":(2)2, \"a\":(1)2}, {}]>",
       {8, 8},
       ""},
      {"<[\"a\"=2, \"c\"=2, \"b\"=4, \"d\"=2]>",
       "<@foo, [{}, {}], replicated={\"a\", \"b\"}, unreduced={\"d\"}>",
       {8, 8},
       ""},
      {"<[\"a\"=2]>", "<@mesh, [{\"a\", ?}p0, {?}p2]>", {7, 3}, ""},
      {"<[], device_ids=[0]>", "<@maximal_mesh, []>", {8, 8}, ""},
      {"<[]>", "<@empty, [{}, {}]>", {8, 8}, ""},
  };
  for (const VerifyCase &c : cases)
    EXPECT_EQ(verifyText(c), c.message) << c.sharding;

  // Without a shape only the shape-independent rules apply.
  EXPECT_EQ(verifyText(cases[0], /*withShape=*/false), "");
  EXPECT_EQ(verifyText({"<[\"a\"=2]>", "<@mesh, [{\"a\"}, {\"a\"}]>", {}, ""},
                       /*withShape=*/false),
            "duplicate axis ref: \"a\"");

  // A negative priority cannot be written but can be built.
  TensorSharding negative =
      cantFail(parseTensorSharding("<@mesh, [{\"a\"}p1]>"));
  negative.dims[0].priority = -1;
  EXPECT_EQ(errorText(verifyTensorSharding(
                negative, cantFail(parseMesh("<[\"a\"=2]>")), std::nullopt)),
            "dim 0 has a negative priority");
}

} // namespace
