//===- HloImportTest.cpp - Collectives, groups, bytes and counts ----------===//
//
// Every collective kind with explicit and iota replica groups, the async
// `-start`/`-done` forms and `async-start` wrappers (counted once, bytes
// from the right tuple element), while loops with and without a known trip
// count (nested, through call and fusion), group modes and the `{}` group,
// and malformed input that must produce line-numbered warnings.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/HloImport/HloImport.h"

#include "TestUtil.h"

#include "gtest/gtest.h"

using namespace aoizora::hlo;
using namespace aoizora::hlo::test;

namespace {

using Groups = std::vector<std::vector<int64_t>>;
using Pairs = std::vector<std::pair<int64_t, int64_t>>;

HloImportResult importOrDie(llvm::StringRef text) {
  llvm::Expected<HloImportResult> result = importHloText(text);
  if (!result) {
    ADD_FAILURE() << llvm::toString(result.takeError());
    return HloImportResult();
  }
  return std::move(*result);
}

Groups groupsOf(llvm::StringRef text) {
  llvm::Expected<Groups> groups = parseReplicaGroups(text);
  if (!groups) {
    ADD_FAILURE() << text.str() << ": " << llvm::toString(groups.takeError());
    return {};
  }
  return *groups;
}

bool rejects(llvm::StringRef text) {
  llvm::Expected<Groups> groups = parseReplicaGroups(text);
  if (groups)
    return false;
  llvm::consumeError(groups.takeError());
  return true;
}

//===----------------------------------------------------------------------===//
// Attribute parsers
//===----------------------------------------------------------------------===//

TEST(ReplicaGroupsTest, IotaWorkedValues) {
  // ../shared/reference/sharding-syntax.md §2.3-§2.4.
  EXPECT_EQ(groupsOf("[2,4]<=[8]"), (Groups{{0, 1, 2, 3}, {4, 5, 6, 7}}));
  EXPECT_EQ(groupsOf("[4,2]<=[2,4]T(1,0)"),
            (Groups{{0, 4}, {1, 5}, {2, 6}, {3, 7}}));
  EXPECT_EQ(groupsOf("[2,4]<=[4,2]T(1,0)"),
            (Groups{{0, 2, 4, 6}, {1, 3, 5, 7}}));
  EXPECT_EQ(groupsOf("[8,1]<=[2,4]T(1,0)"),
            (Groups{{0}, {4}, {1}, {5}, {2}, {6}, {3}, {7}}));
  EXPECT_EQ(groupsOf("[4,2]<=[2,2,2]T(1,0,2)"),
            (Groups{{0, 1}, {4, 5}, {2, 3}, {6, 7}}));
  // XLA's replica_group_test sub-axis cases on a mesh a=8.
  EXPECT_EQ(groupsOf("[4,2]<=[8]"), (Groups{{0, 1}, {2, 3}, {4, 5}, {6, 7}}));
  EXPECT_EQ(groupsOf("[1,8]<=[8]"), (Groups{{0, 1, 2, 3, 4, 5, 6, 7}}));
  // A 3-D transpose: arange(24).reshape(2,3,4).transpose(2,0,1).
  Groups g = groupsOf("[4,6]<=[2,3,4]T(2,0,1)");
  EXPECT_EQ(g[0], (std::vector<int64_t>{0, 4, 8, 12, 16, 20}));
  EXPECT_EQ(g[3], (std::vector<int64_t>{3, 7, 11, 15, 19, 23}));
}

TEST(ReplicaGroupsTest, ExplicitAndEmpty) {
  EXPECT_EQ(groupsOf("{{0,1},{2,3}}"), (Groups{{0, 1}, {2, 3}}));
  EXPECT_EQ(groupsOf(" { {0, 1, 2} } "), (Groups{{0, 1, 2}}));
  EXPECT_EQ(groupsOf("{}"), Groups{});
}

TEST(ReplicaGroupsTest, Rejects) {
  for (const char *text :
       {"[2,4]<=[7]", "[2,4]<=[2,4]T(0,0)", "[2,4]<=[2,4]T(0)",
        "[2,4]<=[2,4]T(0,2)", "[2]<=[2]", "[2,4]", "[2,4]<=", "[0,4]<=[0]",
        "[1048576,1048576]<=[1099511627776]", "[2,4]<=[8]junk", "{{0,1}",
        "{0,1}", "{{a}}", "{{-1}}", "mesh[x]", ""})
    EXPECT_TRUE(rejects(text)) << "accepted '" << text << "'";
}

TEST(ReplicaGroupsTest, SourceTargetPairs) {
  llvm::Expected<Pairs> pairs = parseSourceTargetPairs("{{0,1},{1,0}}");
  ASSERT_TRUE(static_cast<bool>(pairs));
  EXPECT_EQ(*pairs, (Pairs{{0, 1}, {1, 0}}));
  for (const char *bad : {"{{0,1,2}}", "{{0}}", "{0,1}", "{{0,x}}"}) {
    llvm::Expected<Pairs> p = parseSourceTargetPairs(bad);
    EXPECT_FALSE(static_cast<bool>(p)) << bad;
    if (!p)
      llvm::consumeError(p.takeError());
  }
}

TEST(TripCountTest, BackendConfigForms) {
  EXPECT_EQ(getKnownTripCount(R"({"known_trip_count":{"n":"10"}})"), 10);
  EXPECT_EQ(
      getKnownTripCount(
          R"({"known_trip_count":{"n":"25"},"known_init_step":{"init":"0","step":"1"}})"),
      25);
  EXPECT_EQ(getKnownTripCount(R"({"known_trip_count":{"n":7}})"), 7);
  EXPECT_EQ(getKnownTripCount(R"("{\"known_trip_count\":{\"n\":\"4\"}}")"), 4);
  EXPECT_EQ(getKnownTripCount(R"({"known_trip_count":{"n":"0"}})"), 0);
  EXPECT_FALSE(getKnownTripCount(R"({"known_induction_variable":{}})"));
  EXPECT_FALSE(getKnownTripCount(R"({"known_trip_count":{"n":"-3"}})"));
  EXPECT_FALSE(getKnownTripCount(R"({"known_trip_count":{"n":"x"}})"));
  EXPECT_FALSE(getKnownTripCount(R"({"known_trip_count":)"));
  EXPECT_FALSE(getKnownTripCount(""));
}

//===----------------------------------------------------------------------===//
// Whole modules
//===----------------------------------------------------------------------===//

TEST(HloImportTest, EveryKindSynchronous) {
  HloImportResult r = importOrDie(readInput("spmd_collectives.txt"));
  EXPECT_EQ(r.moduleName, "jit_train_step");
  EXPECT_EQ(r.numPartitions, 8);
  EXPECT_EQ(r.replicaCount, 1);
  EXPECT_TRUE(r.warnings.empty()) << joinWarnings(r.warnings);
  ASSERT_EQ(r.collectives.size(), 9u);

  const ImportedCollective *ag = findCollective(r, "all-gather");
  ASSERT_NE(ag, nullptr);
  EXPECT_EQ(ag->kind, HloCollectiveKind::AllGather);
  EXPECT_EQ(ag->bytesPerDevice, 8 * 4096 * 2); // the gathered output
  EXPECT_EQ(ag->groups, (Groups{{0, 1, 2, 3}, {4, 5, 6, 7}}));
  EXPECT_EQ(ag->channelId, 1);
  EXPECT_TRUE(ag->useGlobalDeviceIds);
  EXPECT_EQ(ag->groupMode, CollectiveGroupMode::FlattenedId);
  EXPECT_EQ(ag->dimensions, (std::vector<int64_t>{1}));
  EXPECT_EQ(ag->count, 1);
  EXPECT_EQ(ag->line, 17u);
  EXPECT_EQ(ag->computation, "main.42_spmd");
  EXPECT_FALSE(ag->isAsync);
  EXPECT_FALSE(ag->allDevices);

  const ImportedCollective *ag1 = findCollective(r, "all-gather.1");
  ASSERT_NE(ag1, nullptr);
  EXPECT_EQ(ag1->groups, (Groups{{0, 4}, {1, 5}, {2, 6}, {3, 7}}));
  EXPECT_EQ(ag1->bytesPerDevice, 16 * 1024 * 2);

  const ImportedCollective *ar = findCollective(r, "all-reduce");
  ASSERT_NE(ar, nullptr);
  EXPECT_EQ(ar->kind, HloCollectiveKind::AllReduce);
  EXPECT_EQ(ar->bytesPerDevice, 16 * 256 * 4);
  EXPECT_EQ(ar->groups, (Groups{{0, 1, 2, 3}, {4, 5, 6, 7}}));

  const ImportedCollective *rs = findCollective(r, "reduce-scatter");
  ASSERT_NE(rs, nullptr);
  EXPECT_EQ(rs->kind, HloCollectiveKind::ReduceScatter);
  EXPECT_EQ(rs->bytesPerDevice, 16 * 256 * 4); // the input, not f32[2,256]
  EXPECT_EQ(rs->groups, (Groups{{0, 1, 2, 3, 4, 5, 6, 7}}));
  EXPECT_EQ(rs->dimensions, (std::vector<int64_t>{0}));

  const ImportedCollective *a2a = findCollective(r, "all-to-all");
  ASSERT_NE(a2a, nullptr);
  EXPECT_EQ(a2a->kind, HloCollectiveKind::AllToAll);
  EXPECT_EQ(a2a->bytesPerDevice, 2 * 8 * 64 * 4); // both tuple operands
  EXPECT_EQ(a2a->groups, (Groups{{0, 1}, {4, 5}, {2, 3}, {6, 7}}));
  EXPECT_EQ(a2a->groupMode, CollectiveGroupMode::CrossPartition);
  EXPECT_TRUE(a2a->dimensions.empty());

  const ImportedCollective *a2a1 = findCollective(r, "all-to-all.1");
  ASSERT_NE(a2a1, nullptr);
  EXPECT_EQ(a2a1->bytesPerDevice, 16 * 256 * 4);
  EXPECT_EQ(a2a1->groups, (Groups{{0, 1}, {2, 3}, {4, 5}, {6, 7}}));

  const ImportedCollective *cp = findCollective(r, "collective-permute");
  ASSERT_NE(cp, nullptr);
  EXPECT_EQ(cp->kind, HloCollectiveKind::CollectivePermute);
  EXPECT_EQ(cp->bytesPerDevice, 16 * 256 * 4);
  EXPECT_EQ(
      cp->pairs,
      (Pairs{{0, 0}, {1, 1}, {4, 2}, {5, 3}, {2, 4}, {3, 5}, {6, 6}, {7, 7}}));
  EXPECT_TRUE(cp->groups.empty());
  EXPECT_EQ(cp->groupMode, CollectiveGroupMode::CrossPartition);

  const ImportedCollective *cb = findCollective(r, "collective-broadcast");
  ASSERT_NE(cb, nullptr);
  EXPECT_EQ(cb->kind, HloCollectiveKind::CollectiveBroadcast);
  EXPECT_EQ(cb->bytesPerDevice, 16 * 256 * 4);
  EXPECT_EQ(cb->groups, (Groups{{0, 1, 2, 3, 4, 5, 6, 7}}));

  // No channel_id: cross-replica, `{}` is every replica (here one).
  const ImportedCollective *ar1 = findCollective(r, "all-reduce.1");
  ASSERT_NE(ar1, nullptr);
  EXPECT_EQ(ar1->bytesPerDevice, 16);
  EXPECT_FALSE(ar1->channelId.has_value());
  EXPECT_EQ(ar1->groupMode, CollectiveGroupMode::CrossReplica);
  EXPECT_TRUE(ar1->allDevices);
  EXPECT_EQ(ar1->groups, (Groups{{0}}));
}

TEST(HloImportTest, AsyncFormsCountedOnce) {
  HloImportResult r = importOrDie(readInput("async_collectives.txt"));
  EXPECT_TRUE(r.warnings.empty()) << joinWarnings(r.warnings);
  // Six collectives: three -start forms, two wrapped in async-start, one
  // synchronous; no -done and no async-start/-done is counted.
  ASSERT_EQ(r.collectives.size(), 6u);
  for (const ImportedCollective &c : r.collectives)
    EXPECT_EQ(c.count, 1) << c.instructionName;

  const ImportedCollective *ag = findCollective(r, "all-gather-start");
  ASSERT_NE(ag, nullptr);
  EXPECT_EQ(ag->kind, HloCollectiveKind::AllGather);
  EXPECT_TRUE(ag->isAsync);
  EXPECT_EQ(ag->opcode, "all-gather-start");
  EXPECT_EQ(ag->bytesPerDevice, 8 * 1024 * 2); // tuple element 1
  EXPECT_EQ(ag->groups.size(), 1u);

  const ImportedCollective *ar = findCollective(r, "all-reduce-start");
  ASSERT_NE(ar, nullptr);
  EXPECT_EQ(ar->kind, HloCollectiveKind::AllReduce);
  EXPECT_EQ(ar->bytesPerDevice, 1024 * 4);
  EXPECT_EQ(ar->groups, (Groups{{0, 2, 4, 6}, {1, 3, 5, 7}}));

  const ImportedCollective *cp = findCollective(r, "collective-permute-start");
  ASSERT_NE(cp, nullptr);
  EXPECT_EQ(cp->kind, HloCollectiveKind::CollectivePermute);
  EXPECT_EQ(cp->bytesPerDevice, 64 * 32 * 4);
  EXPECT_EQ(cp->pairs.size(), 8u);
  EXPECT_EQ(cp->pairs.back(), std::make_pair(int64_t(7), int64_t(0)));

  const ImportedCollective *rs = findCollective(r, "reduce-scatter.3");
  ASSERT_NE(rs, nullptr);
  EXPECT_EQ(rs->kind, HloCollectiveKind::ReduceScatter);
  EXPECT_TRUE(rs->isAsync);
  EXPECT_EQ(rs->computation, "async_computation");
  EXPECT_EQ(rs->bytesPerDevice, 64 * 32 * 4); // the input

  const ImportedCollective *a2a = findCollective(r, "all-to-all.4");
  ASSERT_NE(a2a, nullptr);
  EXPECT_TRUE(a2a->isAsync);
  EXPECT_EQ(a2a->groups, (Groups{{0, 2, 4, 6}, {1, 3, 5, 7}}));
  EXPECT_EQ(a2a->bytesPerDevice, 64 * 32 * 4);

  // s4[24,5] packs two elements per byte.
  const ImportedCollective *ag2 = findCollective(r, "all-gather.2");
  ASSERT_NE(ag2, nullptr);
  EXPECT_FALSE(ag2->isAsync);
  EXPECT_EQ(ag2->bytesPerDevice, 60);
}

TEST(HloImportTest, WhileTripCountsMultiply) {
  HloImportResult r = importOrDie(readInput("while_loop.txt"));
  ASSERT_EQ(r.collectives.size(), 5u);
  // Inside the 10-trip body through a fusion and through a call.
  EXPECT_EQ(findCollective(r, "all-reduce.7")->count, 10);
  EXPECT_EQ(findCollective(r, "all-gather.9")->count, 10);
  EXPECT_EQ(findCollective(r, "all-gather.9")->bytesPerDevice, 128 * 64 * 4);
  // The 3-trip loop nested in the 10-trip body.
  EXPECT_EQ(findCollective(r, "collective-permute.2")->count, 30);
  // The loop with no trip count runs its body once, with a warning on the
  // while's line.
  const ImportedCollective *dyn = findCollective(r, "all-reduce.11");
  ASSERT_NE(dyn, nullptr);
  EXPECT_EQ(dyn->count, 1);
  EXPECT_TRUE(dyn->allDevices);
  EXPECT_EQ(dyn->groups, (Groups{{0, 1, 2, 3}}));
  EXPECT_EQ(findCollective(r, "all-reduce.root")->count, 1);
  ASSERT_EQ(r.warnings.size(), 1u) << joinWarnings(r.warnings);
  EXPECT_TRUE(hasWarning(r.warnings, 84, "while 'while.1'"))
      << joinWarnings(r.warnings);
  EXPECT_TRUE(hasWarning(r.warnings, 84, "known_trip_count"));
}

TEST(HloImportTest, ConditionalsCallsAndReducers) {
  const char *text = R"(HloModule m, num_partitions=2

%sum (a: f32[], b: f32[]) -> f32[] {
  %a = f32[] parameter(0)
  %b = f32[] parameter(1)
  %odd = f32[] all-reduce(%a), channel_id=9, replica_groups={{0,1}}, to_apply=%sum
  ROOT %s = f32[] add(%a, %b)
}

%branch0 (x: f32[4]) -> f32[4] {
  %x = f32[4]{0} parameter(0)
  ROOT %ar.b0 = f32[4]{0} all-reduce(%x), channel_id=1, replica_groups={{0,1}}, use_global_device_ids=true, to_apply=%sum
}

%branch1 (y: f32[4]) -> f32[4] {
  %y = f32[4]{0} parameter(0)
  ROOT %cp.b1 = f32[4]{0} collective-permute(%y), channel_id=2, source_target_pairs={{0,1},{1,0}}
}

%twice (z: f32[4]) -> f32[4] {
  %z = f32[4]{0} parameter(0)
  ROOT %ag.t = f32[4]{0} all-gather(%z), channel_id=3, replica_groups={}, dimensions={0}
}

ENTRY %main (p: f32[4], i: s32[]) -> f32[4] {
  %p = f32[4]{0} parameter(0)
  %i = s32[] parameter(1)
  %cond = f32[4]{0} conditional(%i, %p, %p), branch_computations={%branch0, %branch1}
  %call.1 = f32[4]{0} call(%cond), to_apply=%twice
  %call.2 = f32[4]{0} call(%call.1), to_apply=%twice
  %red = f32[] reduce(%call.2, %c), dimensions={0}, to_apply=%sum
  ROOT %out = f32[4]{0} copy(%call.2)
}
)";
  HloImportResult r = importOrDie(text);
  EXPECT_EQ(findCollective(r, "ar.b0")->count, 1);
  EXPECT_EQ(findCollective(r, "cp.b1")->count, 1);
  // Called twice from ENTRY.
  const ImportedCollective *ag = findCollective(r, "ag.t");
  EXPECT_EQ(ag->count, 2);
  // channel_id without use_global_device_ids on an all-gather: replica ids,
  // and `{}` lists the replicas.
  EXPECT_EQ(ag->groupMode, CollectiveGroupMode::CrossReplicaAndPartition);
  EXPECT_EQ(ag->groups, (Groups{{0}}));
  // A reducer's to_apply is not a call site.
  const ImportedCollective *odd = findCollective(r, "odd");
  EXPECT_EQ(odd->count, 0);
  EXPECT_TRUE(hasWarning(r.warnings, 6, "ENTRY never runs"))
      << joinWarnings(r.warnings);
}

TEST(HloImportTest, EmptyGroupsFollowTheGroupMode) {
  const char *text = R"(HloModule m, num_partitions=4, replica_count=2

%sum (a: f32[], b: f32[]) -> f32[] {
  %a = f32[] parameter(0)
  %b = f32[] parameter(1)
  ROOT %s = f32[] add(%a, %b)
}

ENTRY %main (p: f32[4]) -> f32[4] {
  %p = f32[4]{0} parameter(0)
  %r = f32[4]{0} all-reduce(%p), replica_groups={}, to_apply=%sum
  %g = f32[4]{0} all-reduce(%p), channel_id=1, replica_groups={}, use_global_device_ids=true, to_apply=%sum
  %x = f32[4]{0} all-to-all(%p), channel_id=2, replica_groups={}, dimensions={0}
  ROOT %n = f32[4]{0} all-reduce(%p), channel_id=3, to_apply=%sum
}
)";
  HloImportResult r = importOrDie(text);
  EXPECT_TRUE(r.warnings.empty()) << joinWarnings(r.warnings);
  EXPECT_EQ(findCollective(r, "r")->groups, (Groups{{0, 1}}));
  EXPECT_EQ(findCollective(r, "g")->groups, (Groups{{0, 1, 2, 3, 4, 5, 6, 7}}));
  EXPECT_EQ(findCollective(r, "x")->groups, (Groups{{0, 1, 2, 3}}));
  // No replica_groups attribute at all is the same as `{}`.
  const ImportedCollective *n = findCollective(r, "n");
  EXPECT_TRUE(n->allDevices);
  EXPECT_EQ(n->groups, (Groups{{0, 1}}));
}

TEST(HloImportTest, ShardingsAreReadOrReported) {
  // Four parameters of the fixture carry shardings (iota, partial
  // replication, replicated, a tuple) and so does the ROOT tuple; the HLO
  // sharding model reads them all.
  EXPECT_EQ(importOrDie(readInput("spmd_collectives.txt")).shardedInstructions,
            5);
  const char *text = R"(HloModule m, num_partitions=4

ENTRY %main (p: f32[4]) -> f32[4] {
  %p = f32[4]{0} parameter(0), sharding={devices=[4]<=[4]}
  ROOT %q = f32[4]{0} copy(%p), sharding={devices=[3]0,1,2,3}
}
)";
  HloImportResult r = importOrDie(text);
  EXPECT_EQ(r.shardedInstructions, 1);
  EXPECT_TRUE(hasWarning(r.warnings, 5, "sharding of 'q' is not understood"))
      << joinWarnings(r.warnings);
}

TEST(HloImportTest, GarbageBecomesLineNumberedWarnings) {
  HloImportResult r = importOrDie(readInput("garbage_lines.txt"));
  std::string all = joinWarnings(r.warnings);
  EXPECT_TRUE(hasWarning(r.warnings, 9, "outside a computation")) << all;
  EXPECT_TRUE(hasWarning(r.warnings, 14, "unknown element type 'f33'")) << all;
  EXPECT_TRUE(hasWarning(r.warnings, 15, "expected 'name = shape")) << all;
  EXPECT_TRUE(hasWarning(r.warnings, 16, "unbalanced")) << all;
  EXPECT_TRUE(hasWarning(r.warnings, 17, "reshape dims do not multiply"))
      << all;
  EXPECT_TRUE(hasWarning(r.warnings, 18, "source-target pair")) << all;
  EXPECT_TRUE(hasWarning(r.warnings, 19, "use_global_device_ids 'maybe'"))
      << all;
  EXPECT_TRUE(hasWarning(r.warnings, 20, "bytes taken from the result")) << all;
  EXPECT_TRUE(hasWarning(r.warnings, 21, "'snd' cannot be priced")) << all;
  ASSERT_EQ(r.unpriced.size(), 1u);
  EXPECT_EQ(r.unpriced[0].opcode, "send");
  EXPECT_TRUE(hasWarning(r.warnings, 22, "unknown computation 'nowhere'"))
      << all;
  EXPECT_TRUE(hasWarning(r.warnings, 23, "replica groups 'mesh[x]'")) << all;
  EXPECT_TRUE(hasWarning(r.warnings, 24, "unexpected text 'trailing junk'"))
      << all;
  EXPECT_TRUE(hasWarning(r.warnings, 26, "outside a computation")) << all;
  for (const std::string &w : r.warnings)
    EXPECT_TRUE(llvm::StringRef(w).starts_with("line ")) << w;

  // What could be read is still imported.
  EXPECT_EQ(findCollective(r, "ar"), nullptr); // skipped: unbalanced
  const ImportedCollective *ag = findCollective(r, "ag");
  ASSERT_NE(ag, nullptr);
  EXPECT_EQ(ag->bytesPerDevice, 64);
  EXPECT_EQ(ag->groups, (Groups{{0, 1}}));
  const ImportedCollective *ar2 = findCollective(r, "ar.2");
  ASSERT_NE(ar2, nullptr);
  EXPECT_EQ(ar2->bytesPerDevice, 32);
  EXPECT_TRUE(findCollective(r, "ar.1")->groups.empty());
  EXPECT_TRUE(findCollective(r, "cp")->pairs.empty());
}

TEST(HloImportTest, TruncatedFileIsAnError) {
  llvm::Expected<HloImportResult> r = importHloFile(inputPath("truncated.txt"));
  ASSERT_FALSE(static_cast<bool>(r));
  std::string msg = llvm::toString(r.takeError());
  EXPECT_NE(msg.find("truncated.txt: line 12: unexpected end of input"),
            std::string::npos)
      << msg;
}

TEST(HloImportTest, MissingFileIsAnError) {
  llvm::Expected<HloImportResult> r =
      importHloFile(inputPath("does_not_exist.txt"));
  ASSERT_FALSE(static_cast<bool>(r));
  std::string msg = llvm::toString(r.takeError());
  EXPECT_NE(msg.find("does_not_exist.txt"), std::string::npos) << msg;
}

TEST(HloImportTest, FileImportMatchesText) {
  llvm::Expected<HloImportResult> r =
      importHloFile(inputPath("while_loop.txt"));
  ASSERT_TRUE(static_cast<bool>(r)) << llvm::toString(r.takeError());
  EXPECT_EQ(r->moduleName, "jit_scan");
  EXPECT_EQ(r->numPartitions, 4);
  EXPECT_EQ(r->collectives.size(), 5u);
}

TEST(HloImportTest, KindNames) {
  EXPECT_EQ(stringifyHloCollectiveKind(HloCollectiveKind::AllGather),
            "all-gather");
  EXPECT_EQ(stringifyHloCollectiveKind(HloCollectiveKind::ReduceScatter),
            "reduce-scatter");
  EXPECT_EQ(stringifyHloCollectiveKind(HloCollectiveKind::CollectiveBroadcast),
            "collective-broadcast");
}

} // namespace
