//===- HloShardingTest.cpp - Tests for HLO sharding strings ---------------===//
//
// Parsing and printing of every HLO sharding form, the iota algebra
// (canonical form, materialisation, iota detection checked against brute
// force), and device relabelling with its round-trip property.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Sharding/HloSharding.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <set>

using namespace aoizora::sharding;
using namespace aoizora::sharding::test;
using llvm::SmallVector;
using llvm::StringRef;

namespace {

std::string roundTrip(StringRef text) {
  llvm::Expected<HloSharding> s = parseHloSharding(text);
  if (!s)
    return "error: " + llvm::toString(s.takeError());
  return printHloSharding(*s);
}

HloSharding parse(StringRef text) { return cantFail(parseHloSharding(text)); }

TileAssignment iotaTiles(SmallVector<int64_t> dims, SmallVector<int64_t> r,
                         SmallVector<int64_t> p) {
  TileAssignment t;
  t.dims = std::move(dims);
  t.iota = IotaSpec{std::move(r), std::move(p)};
  return t;
}

SmallVector<int64_t> inverse(llvm::ArrayRef<int64_t> sigma) {
  SmallVector<int64_t> inv(sigma.size());
  for (size_t i = 0; i < sigma.size(); ++i)
    inv[sigma[i]] = static_cast<int64_t>(i);
  return inv;
}

std::string relabelText(StringRef text, llvm::ArrayRef<int64_t> sigma) {
  llvm::Expected<HloSharding> r = relabelDevices(parse(text), sigma);
  if (!r)
    return "error: " + llvm::toString(r.takeError());
  return printHloSharding(*r);
}

//===----------------------------------------------------------------------===//
// Parse and print
//===----------------------------------------------------------------------===//

TEST(HloShardingText, CanonicalFormsRoundTrip) {
  for (StringRef text : {
           "{replicated}",
           "{manual}",
           "{unknown}",
           "{unreduced}",
           "{maximal device=3}",
           "{devices=[2,4]0,1,2,3,4,5,6,7}",
           "{devices=[2,4]0,4,1,5,2,6,3,7}",
           "{devices=[2,4]<=[8]}",
           "{devices=[1]<=[1]}",
           "{devices=[4,2]<=[2,4]T(1,0)}",
           "{devices=[6,35]<=[7,10,3]T(2,1,0)}",
           "{devices=[1,4,2]<=[2,4]T(1,0) last_tile_dim_replicate}",
           "{devices=[1,2,4]0,1,2,3,4,5,6,7 last_tile_dim_replicate}",
           "{devices=[1,1,4,4]<=[16] last_tile_dims={manual, replicated}}",
           "{devices=[4,1,8]<=[8,4]T(1,0) last_tile_dims={manual}}",
           "{devices=[2,2]<=[4] last_tile_dims={unreduced}}",
           "{devices=[2,2]<=[4] last_tile_dims={maximal}}",
           "{{replicated}, {devices=[2,1]0,1}}",
           "{}",
           "{{}}",
           "{{maximal device=0}}",
           "{replicated shard_as 1}",
           "{devices=[2,1]0,1 shard_like 2}",
           "{devices=[2,1]<=[2] last_tile_dim_replicate shard_as 0 "
           "metadata={op_name=\"a{b}\" source_file=\"x.py\"}}",
           "{maximal device=1 metadata={op_name=\"x\"}}",
           "{manual metadata={{op_name=\"a\"}, {op_name=\"b\"}}}",
       })
    EXPECT_EQ(roundTrip(text), text.str());
}

TEST(HloShardingText, TupleIndexComments) {
  std::string seven =
      "{{replicated}, {manual}, {maximal device=0}, {maximal device=1}, "
      "{devices=[2]0,1}, /*index=5*/{unknown}, {replicated}}";
  EXPECT_EQ(roundTrip(seven), seven);
  // Comments and whitespace anywhere are tolerated and re-created on print.
  EXPECT_EQ(roundTrip("{ {replicated},{manual} ,{maximal device=0},"
                      "{maximal device=1},{devices=[2]0,1},{unknown},"
                      "/*index=6*/ {replicated} }"),
            seven);
  HloSharding tuple = parse(seven);
  ASSERT_EQ(tuple.kind, HloSharding::Kind::Tuple);
  ASSERT_EQ(tuple.elements.size(), 7u);
  EXPECT_EQ(tuple.elements[4].tiles.devices, (SmallVector<int64_t>{0, 1}));
  std::vector<HloSharding> many(11, HloSharding::replicated());
  EXPECT_EQ(printHloSharding(HloSharding::tuple(many)),
            "{{replicated}, {replicated}, {replicated}, {replicated}, "
            "{replicated}, /*index=5*/{replicated}, {replicated}, "
            "{replicated}, {replicated}, {replicated}, "
            "/*index=10*/{replicated}}");
}

TEST(HloShardingText, PrintsLikeXla) {
  // Iota canonicalised (§2.3).
  EXPECT_EQ(roundTrip("{devices=[4,2]<=[2,1,4]T(2,0,1)}"),
            "{devices=[4,2]<=[2,4]T(1,0)}");
  EXPECT_EQ(roundTrip("{devices=[8]<=[2,4]T(0,1)}"), "{devices=[8]<=[8]}");
  EXPECT_EQ(roundTrip("{devices=[60]<=[3,4,5]T(1,2,0)}"),
            "{devices=[60]<=[3,20]T(1,0)}");
  // Replication groups of explicit lists sorted, like PartialTile.
  EXPECT_EQ(roundTrip("{devices=[2,2]1,0,3,2 last_tile_dim_replicate}"),
            "{devices=[2,2]0,1,2,3 last_tile_dim_replicate}");
  EXPECT_EQ(roundTrip("{devices=[2,1,2]3,1,2,0 last_tile_dims={replicated}}"),
            "{devices=[2,1,2]1,3,0,2 last_tile_dims={replicated}}");
  // Whitespace tolerated; print order is devices, subgroups, group, metadata.
  EXPECT_EQ(roundTrip("{ metadata={op_name=\"m\"} shard_like 3 "
                      "last_tile_dim_replicate devices = [ 2 , 2 ] <= [ 4 ] }"),
            "{devices=[2,2]<=[4] last_tile_dim_replicate shard_like 3 "
            "metadata={op_name=\"m\"}}");
}

TEST(HloShardingText, Model) {
  HloSharding s =
      parse("{devices=[1,1,4,4]<=[16] last_tile_dims={manual, replicated}}");
  EXPECT_EQ(s.kind, HloSharding::Kind::Tiled);
  EXPECT_EQ(s.numSubgroupDims(), 2);
  EXPECT_EQ(s.dataRank(), 2);
  EXPECT_TRUE(s.lastDimIsReplication());
  EXPECT_TRUE(s.tiles.isIota());
  HloSharding p = parse("{devices=[4,1,2]<=[8] last_tile_dim_replicate}");
  EXPECT_EQ(p.dataRank(), 2);
  EXPECT_TRUE(p.lastDimIsReplication());
  HloSharding m = parse("{maximal device=7}");
  EXPECT_EQ(m.kind, HloSharding::Kind::Maximal);
  EXPECT_EQ(m.maximalDevice, 7);
  EXPECT_EQ(parse("{devices=[2]0,1 shard_as 4}").shardGroup,
            (ShardGroup{true, 4}));
  EXPECT_EQ(parse("{devices=[2]0,1 shard_like 4}").shardGroup,
            (ShardGroup{false, 4}));
  EXPECT_EQ(HloSharding::tiled(iotaTiles({2, 4}, {8}, {0}), false),
            parse("{devices=[2,4]<=[8]}"));
  EXPECT_EQ(printHloSharding(HloSharding::maximal(2)), "{maximal device=2}");
  EXPECT_EQ(printHloSharding(HloSharding::manual()), "{manual}");
}

TEST(HloShardingText, ParseErrors) {
  EXPECT_EQ(errorText(parseHloSharding("")), "expected '{' at column 0 in ''");
  EXPECT_EQ(errorText(parseHloSharding("{foo}")),
            "expected sharding attribute at column 1 in '{foo}'");
  EXPECT_EQ(errorText(parseHloSharding("{devices=[2]0,1")),
            "expected '}' at column 15 in '{devices=[2]0,1'");
  EXPECT_EQ(errorText(parseHloSharding("{devices=[2,2]<=[2,2]}")),
            "expected 'T(...)' after 2 or more reshape dims at column 21 in "
            "'{devices=[2,2]<=[2,2]}'");
  EXPECT_EQ(errorText(parseHloSharding("{devices=[4]<=[2,2]T(0,2)}")),
            "iota transpose must be a permutation of the reshape dims at "
            "column 1 in '{devices=[4]<=[2,2]T(0,2)}'");
  EXPECT_EQ(errorText(parseHloSharding("{devices=[4]<=[8]}")),
            "iota has 8 devices but the tile dims need 4 at column 1 in "
            "'{devices=[4]<=[8]}'");
  EXPECT_EQ(errorText(parseHloSharding("{devices=[2,2]0,1,2}")),
            "tile assignment has 3 devices but its dims need 4 at column 1 "
            "in '{devices=[2,2]0,1,2}'");
  EXPECT_EQ(errorText(parseHloSharding("{devices=[2]0,0}")),
            "tile assignment devices must be a permutation of 0..1 at column "
            "1 in '{devices=[2]0,0}'");
  EXPECT_EQ(errorText(parseHloSharding("{devices=[1]0}")),
            "non-maximal shardings must have more than one device at column "
            "1 in '{devices=[1]0}'");
  EXPECT_EQ(errorText(parseHloSharding("{devices=[0]<=[1]}")),
            "tile assignment dims must be positive at column 1 in "
            "'{devices=[0]<=[1]}'");
  EXPECT_EQ(errorText(parseHloSharding("{maximal}")),
            "maximal sharding needs exactly one device at column 1 in "
            "'{maximal}'");
  EXPECT_EQ(errorText(parseHloSharding("{replicated devices=[2]0,1}")),
            "only tiled shardings can have 'devices=' at column 1 in "
            "'{replicated devices=[2]0,1}'");
  EXPECT_EQ(errorText(parseHloSharding("{replicated manual}")),
            "only one sharding type is allowed at column 12 in "
            "'{replicated manual}'");
  // Found by aoizora-fuzz-hlo-sharding: a second devices= used to mix into
  // the first tile assignment and print text that did not parse again.
  EXPECT_EQ(errorText(parseHloSharding(
                "{devices=[1]<=[1]devices=[1,2,4]0,2,4,6,1,3,5,7}")),
            "'devices=' given twice at column 17 in "
            "'{devices=[1]<=[1]devices=[1,2,4]0,2,4,6,1,3,5,7}'");
  EXPECT_EQ(errorText(parseHloSharding("{maximal device=1 device=2}")),
            "'device=' given twice at column 18 in "
            "'{maximal device=1 device=2}'");
  EXPECT_EQ(errorText(parseHloSharding(
                "{devices=[2,1]0,1 last_tile_dims={replicated} "
                "last_tile_dims={manual}}")),
            "'last_tile_dims=' given twice at column 46 in '{devices=[2,1]0,1 "
            "last_tile_dims={replicated} last_tile_dims={manual}}'");
  EXPECT_EQ(errorText(parseHloSharding("{manual metadata={} metadata={}}")),
            "'metadata=' given twice at column 20 in "
            "'{manual metadata={} metadata={}}'");
  EXPECT_EQ(errorText(parseHloSharding("{replicated device=1}")),
            "only maximal shardings have 'device=' at column 1 in "
            "'{replicated device=1}'");
  EXPECT_EQ(errorText(parseHloSharding("{last_tile_dim_replicate}")),
            "expected a sharding type or 'devices=' at column 1 in "
            "'{last_tile_dim_replicate}'");
  EXPECT_EQ(errorText(parseHloSharding("{devices=[2]0,1 last_tile_dims={x}}")),
            "expected subgroup type at column 32 in '{devices=[2]0,1 "
            "last_tile_dims={x}}'");
  EXPECT_EQ(errorText(parseHloSharding("{devices=[2]0,1 last_tile_dims="
                                       "{manual, replicated}}")),
            "more subgroup dims than tile dims at column 1 in "
            "'{devices=[2]0,1 last_tile_dims={manual, replicated}}'");
  EXPECT_EQ(errorText(parseHloSharding("{{replicated}, {manual}")),
            "expected '}' at column 23 in '{{replicated}, {manual}'");
  EXPECT_EQ(errorText(parseHloSharding("{replicated} extra")),
            "expected end of input at column 13 in '{replicated} extra'");
  EXPECT_EQ(errorText(parseHloSharding("{manual metadata={op_name=\"x}}")),
            "expected '}' closing the metadata at column 17 in '{manual "
            "metadata={op_name=\"x}}'");
}

//===----------------------------------------------------------------------===//
// Iota algebra
//===----------------------------------------------------------------------===//

TEST(Iota, Canonicalize) {
  EXPECT_EQ(canonicalizeIota({{3, 4, 5}, {1, 2, 0}}),
            (IotaSpec{{3, 20}, {1, 0}}));
  EXPECT_EQ(canonicalizeIota({{3, 4, 5}, {0, 1, 2}}), (IotaSpec{{60}, {0}}));
  EXPECT_EQ(canonicalizeIota({{2, 1, 4}, {2, 0, 1}}),
            (IotaSpec{{2, 4}, {1, 0}}));
  EXPECT_EQ(canonicalizeIota({{7, 2, 5, 3}, {3, 1, 2, 0}}),
            (IotaSpec{{7, 10, 3}, {2, 1, 0}}));
  EXPECT_EQ(canonicalizeIota({{1, 1}, {1, 0}}), (IotaSpec{{1}, {0}}));
  EXPECT_EQ(canonicalizeIota({{2, 2, 2}, {1, 0, 2}}),
            (IotaSpec{{2, 2, 2}, {1, 0, 2}}));
}

TEST(Iota, WorkedValues) {
  // The table of §2.3, recomputed from the numpy definition.
  struct Case {
    TileAssignment tiles;
    SmallVector<int64_t> devices;
  } cases[] = {
      {iotaTiles({2, 4}, {8}, {0}), {0, 1, 2, 3, 4, 5, 6, 7}},
      {iotaTiles({4, 2}, {2, 4}, {1, 0}), {0, 4, 1, 5, 2, 6, 3, 7}},
      {iotaTiles({2, 4}, {4, 2}, {1, 0}), {0, 2, 4, 6, 1, 3, 5, 7}},
      {iotaTiles({8, 1}, {2, 4}, {1, 0}), {0, 4, 1, 5, 2, 6, 3, 7}},
      {iotaTiles({4, 2}, {2, 2, 2}, {1, 0, 2}), {0, 1, 4, 5, 2, 3, 6, 7}},
      {iotaTiles({1, 4, 2}, {2, 4}, {1, 0}), {0, 4, 1, 5, 2, 6, 3, 7}},
  };
  for (const Case &c : cases) {
    EXPECT_EQ(c.tiles.materialize(), c.devices);
    for (int64_t i = 0; i < c.tiles.numElements(); ++i)
      EXPECT_EQ(c.tiles.deviceAt(i), c.devices[i]);
    // The array is recognised as iota again, in canonical form.
    std::optional<IotaSpec> found = findIotaForm(c.tiles.dims, c.devices);
    ASSERT_TRUE(found);
    EXPECT_EQ(*found, canonicalizeIota(*c.tiles.iota));
  }
  TileAssignment explicitTiles;
  explicitTiles.dims = {2, 2};
  explicitTiles.devices = {3, 1, 2, 0};
  EXPECT_EQ(explicitTiles.deviceAt(2), 2);
  EXPECT_EQ(explicitTiles.materialize(), explicitTiles.devices);
}

TEST(Iota, FindIotaFormExamples) {
  EXPECT_EQ(findIotaForm({2, 4}, {0, 4, 1, 5, 2, 6, 3, 7}),
            (IotaSpec{{2, 4}, {1, 0}}));
  EXPECT_EQ(findIotaForm({8}, {0, 1, 2, 3, 4, 5, 6, 7}), (IotaSpec{{8}, {0}}));
  EXPECT_EQ(findIotaForm({1}, {0}), (IotaSpec{{1}, {0}}));
  EXPECT_EQ(findIotaForm({2, 2, 2}, {0, 2, 1, 3, 4, 6, 5, 7}),
            (IotaSpec{{2, 2, 2}, {0, 2, 1}}));
  EXPECT_EQ(findIotaForm({6, 35}, parse("{devices=[6,35]<=[7,10,3]T(2,1,0)}")
                                      .tiles.materialize()),
            (IotaSpec{{7, 10, 3}, {2, 1, 0}}));
  // Negatives.
  EXPECT_EQ(findIotaForm({2}, {1, 0}), std::nullopt);
  EXPECT_EQ(findIotaForm({4}, {0, 1, 3, 2}), std::nullopt);
  EXPECT_EQ(findIotaForm({6}, {0, 2, 1, 3, 4, 5}), std::nullopt);
  EXPECT_EQ(findIotaForm({2, 2}, {0, 3, 1, 2}), std::nullopt);
  EXPECT_EQ(findIotaForm({2, 4}, {0, 2, 4, 6, 1, 3, 5, 8}), std::nullopt);
  EXPECT_EQ(findIotaForm({2, 2}, {0, 1, 2}), std::nullopt);
  EXPECT_EQ(findIotaForm({3}, {0, 0, 0}), std::nullopt);
}

/// All device arrays of size \p n that some (R, P) produces.
std::set<SmallVector<int64_t>> allIotaArrays(int64_t n) {
  std::set<SmallVector<int64_t>> out;
  std::vector<SmallVector<int64_t>> factorizations;
  std::function<void(int64_t, SmallVector<int64_t>)> split =
      [&](int64_t rest, SmallVector<int64_t> prefix) {
        if (rest == 1) {
          factorizations.push_back(prefix);
          return;
        }
        for (int64_t f = 2; f <= rest; ++f)
          if (rest % f == 0) {
            SmallVector<int64_t> next = prefix;
            next.push_back(f);
            split(rest / f, next);
          }
      };
  split(n, {});
  for (const SmallVector<int64_t> &r : factorizations) {
    SmallVector<int64_t> perm(r.size());
    std::iota(perm.begin(), perm.end(), 0);
    do
      out.insert(iotaTiles({n}, r, perm).materialize());
    while (std::next_permutation(perm.begin(), perm.end()));
  }
  return out;
}

TEST(Iota, FindIotaFormMatchesBruteForce) {
  // Every permutation of 6 and 8 devices: recognised exactly when some
  // (R, P) produces it, with a canonical spec that reproduces the array.
  for (int64_t n : {6, 8}) {
    std::set<SmallVector<int64_t>> iotas = allIotaArrays(n);
    SmallVector<int64_t> devices(n);
    std::iota(devices.begin(), devices.end(), 0);
    int64_t found = 0;
    do {
      std::optional<IotaSpec> spec = findIotaForm({n}, devices);
      ASSERT_EQ(spec.has_value(), iotas.count(devices) == 1);
      if (!spec)
        continue;
      ++found;
      EXPECT_EQ(*spec, canonicalizeIota(*spec));
      EXPECT_EQ(iotaTiles({n}, spec->reshapeDims, spec->perm).materialize(),
                devices);
    } while (std::next_permutation(devices.begin(), devices.end()));
    EXPECT_EQ(found, static_cast<int64_t>(iotas.size()));
  }
}

TEST(Iota, FindIotaFormLargeRandom) {
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    // Random factorisation of 4096 (or 3 * 1024 * ...), random transpose.
    SmallVector<int64_t> r;
    int64_t n = 1;
    while (n < 2048) {
      int64_t f = std::uniform_int_distribution<int64_t>(1, 4)(rng);
      r.push_back(f);
      n *= f;
    }
    SmallVector<int64_t> perm(r.size());
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    TileAssignment t = iotaTiles({n}, r, perm);
    SmallVector<int64_t> devices = t.materialize();
    std::optional<IotaSpec> spec = findIotaForm({n}, devices);
    ASSERT_TRUE(spec);
    EXPECT_EQ(*spec, canonicalizeIota(*t.iota));
    // Swapping two devices breaks it.
    std::swap(devices[1], devices[n - 1]);
    EXPECT_FALSE(findIotaForm({n}, devices));
  }
}

//===----------------------------------------------------------------------===//
// Device relabelling
//===----------------------------------------------------------------------===//

TEST(Relabel, NonTiledForms) {
  SmallVector<int64_t> sigma = {3, 2, 1, 0};
  EXPECT_EQ(relabelText("{replicated}", sigma), "{replicated}");
  EXPECT_EQ(relabelText("{manual}", sigma), "{manual}");
  EXPECT_EQ(relabelText("{unknown}", sigma), "{unknown}");
  EXPECT_EQ(relabelText("{unreduced}", sigma), "{unreduced}");
  EXPECT_EQ(relabelText("{maximal device=1 metadata={op_name=\"x\"}}", sigma),
            "{maximal device=2 metadata={op_name=\"x\"}}");
  EXPECT_EQ(relabelText("{{maximal device=0}, {replicated}, "
                        "{devices=[4]<=[4]}}",
                        sigma),
            "{{maximal device=3}, {replicated}, {devices=[4]3,2,1,0}}");
  EXPECT_EQ(relabelText("{}", sigma), "{}");
}

TEST(Relabel, OutputForm) {
  // The mesh order (0,2,4,6,1,3,5,7) turns the identity iota into another
  // iota.
  SmallVector<int64_t> sigma = {0, 2, 4, 6, 1, 3, 5, 7};
  EXPECT_EQ(relabelText("{devices=[2,4]<=[8]}", sigma),
            "{devices=[2,4]<=[4,2]T(1,0)}");
  EXPECT_EQ(relabelText("{devices=[2,4]<=[4,2]T(1,0)}", inverse(sigma)),
            "{devices=[2,4]<=[8]}");
  // Not expressible as iota: explicit list.
  SmallVector<int64_t> swap01 = {1, 0, 2, 3, 4, 5, 6, 7};
  EXPECT_EQ(relabelText("{devices=[2,4]<=[8]}", swap01),
            "{devices=[2,4]1,0,2,3,4,5,6,7}");
  // An explicit input whose new array is iota comes out as iota.
  EXPECT_EQ(relabelText("{devices=[2,4]1,0,2,3,4,5,6,7}", swap01),
            "{devices=[2,4]<=[8]}");
  // Unchanged arrays keep their exact text, even non-canonical spellings.
  SmallVector<int64_t> identity = {0, 1, 2, 3, 4, 5, 6, 7};
  for (StringRef text :
       {"{devices=[2,4]<=[2,1,4]T(0,1,2)}", "{devices=[2,4]0,1,2,3,4,5,6,7}",
        "{devices=[2,4]3,1,2,0,4,5,6,7 shard_as 2}"})
    EXPECT_EQ(cantFail(relabelDevices(parse(text), identity)), parse(text));
  // Swapping devices inside one replication group changes nothing.
  EXPECT_EQ(relabelText("{devices=[2,1,4]<=[8] last_tile_dim_replicate}",
                        {1, 0, 3, 2, 5, 4, 7, 6}),
            "{devices=[2,1,4]<=[8] last_tile_dim_replicate}");
  // Groups of the relabelled explicit list are sorted.
  EXPECT_EQ(relabelText("{devices=[2,1,4]<=[8] last_tile_dim_replicate}",
                        {4, 0, 1, 2, 3, 5, 6, 7}),
            "{devices=[2,1,4]0,1,2,4,3,5,6,7 last_tile_dim_replicate}");
  // Subgroups, shard groups and metadata are kept.
  EXPECT_EQ(relabelText("{devices=[1,1,4,4]<=[16] last_tile_dims={manual, "
                        "replicated} metadata={op_name=\"q\"}}",
                        {0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15}),
            "{devices=[1,1,4,4]<=[4,4]T(1,0) last_tile_dims={manual, "
            "replicated} metadata={op_name=\"q\"}}");
}

TEST(Relabel, RoundTripRestoresText) {
  // sigma then sigma^-1 restores every canonical text except an explicit
  // list that is iota-expressible (see the comment on relabelDevices).
  std::mt19937 rng(7);
  for (StringRef text : {
           "{devices=[2,4]<=[8]}",
           "{devices=[4,2]<=[2,4]T(1,0)}",
           "{devices=[1,4,2]<=[2,4]T(1,0) last_tile_dim_replicate}",
           "{devices=[2,2,2]<=[4,2]T(1,0) last_tile_dims={manual}}",
           "{devices=[2,4]0,4,1,5,2,7,3,6}",
           "{devices=[1,2,4]0,1,2,5,3,4,6,7 last_tile_dim_replicate}",
           "{devices=[4,1,2]0,5,1,4,2,7,3,6 last_tile_dim_replicate}",
           "{{devices=[8]<=[8]}, {maximal device=5}, {devices=[8]7,6,5,4,3,"
           "2,1,0}}",
           "{devices=[2,4]1,0,2,3,4,5,6,7 shard_as 1 metadata={op_name=\"a\"}}",
       }) {
    for (int round = 0; round < 50; ++round) {
      SmallVector<int64_t> sigma(8);
      std::iota(sigma.begin(), sigma.end(), 0);
      std::shuffle(sigma.begin(), sigma.end(), rng);
      llvm::Expected<HloSharding> there = relabelDevices(parse(text), sigma);
      ASSERT_TRUE(!!there) << errorText(std::move(there));
      llvm::Expected<HloSharding> back = relabelDevices(*there, inverse(sigma));
      ASSERT_TRUE(!!back) << errorText(std::move(back));
      EXPECT_EQ(printHloSharding(*back), text.str());
    }
  }
  // The one case no rule can restore: this explicit list is the array of
  // `{devices=[2,4]<=[8]}`, and both spellings relabel to the same sharding.
  SmallVector<int64_t> sigma = {1, 0, 2, 3, 4, 5, 6, 7};
  StringRef explicitIota = "{devices=[2,4]0,1,2,3,4,5,6,7}";
  HloSharding there = cantFail(relabelDevices(parse(explicitIota), sigma));
  EXPECT_EQ(printHloSharding(there), "{devices=[2,4]1,0,2,3,4,5,6,7}");
  EXPECT_EQ(printHloSharding(cantFail(relabelDevices(there, sigma))),
            "{devices=[2,4]<=[8]}");
}

TEST(Relabel, Errors) {
  EXPECT_EQ(relabelText("{devices=[2]0,1}", {0, 0}),
            "error: device order must be a permutation of 0..1");
  EXPECT_EQ(relabelText("{devices=[4]<=[4]}", {1, 0}),
            "error: device 2 is outside the device order of 2 devices");
  EXPECT_EQ(relabelText("{maximal device=5}", {1, 0}),
            "error: device 5 is outside the device order of 2 devices");
  EXPECT_EQ(errorText(verifyPermutation({2, 0, 1})), "");
  EXPECT_NE(errorText(verifyPermutation({2, 0, 3})), "");
}

TEST(Relabel, Meshes) {
  auto relabel = [](StringRef text, llvm::ArrayRef<int64_t> sigma) {
    llvm::Expected<Mesh> m = relabelMesh(cantFail(parseMesh(text)), sigma);
    return m ? printMesh(*m, MeshPrefix::None)
             : "error: " + llvm::toString(m.takeError());
  };
  EXPECT_EQ(relabel("<[\"x\"=2, \"y\"=2]>", {0, 2, 1, 3}),
            "<[\"x\"=2, \"y\"=2], device_ids=[0, 2, 1, 3]>");
  EXPECT_EQ(
      relabel("<[\"x\"=2, \"y\"=2], device_ids=[0, 2, 1, 3]>", {0, 2, 1, 3}),
      "<[\"x\"=2, \"y\"=2]>");
  EXPECT_EQ(relabel("<[\"x\"=3, \"y\"=2], device_ids=[5, 4, 3, 2, 1, 0]>",
                    {1, 0, 3, 2, 5, 4}),
            "<[\"x\"=3, \"y\"=2], device_ids=[4, 5, 2, 3, 0, 1]>");
  EXPECT_EQ(relabel("<[], device_ids=[3]>", {3, 2, 1, 0}),
            "<[], device_ids=[0]>");
  EXPECT_EQ(relabel("<[]>", {1, 0}), "<[]>");
  EXPECT_EQ(relabel("<[\"x\"=4]>", {1, 0}),
            "error: device 2 is outside the device order of 2 devices");
}

TEST(Relabel, Groups) {
  SmallVector<SmallVector<int64_t>> groups = {{0, 4}, {1, 5}, {2, 6}, {3, 7}};
  auto mapped = relabelGroups(groups, {0, 2, 4, 6, 1, 3, 5, 7});
  ASSERT_TRUE(!!mapped);
  EXPECT_EQ(*mapped, (SmallVector<SmallVector<int64_t>>{
                         {0, 1}, {2, 3}, {4, 5}, {6, 7}}));
  EXPECT_TRUE(cantFail(relabelGroups({}, {0})).empty());
  EXPECT_EQ(errorText(relabelGroups(groups, {1, 0})),
            "device 4 is outside the device order of 2 devices");
}

} // namespace
