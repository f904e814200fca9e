//===- CollectiveFormsTest.cpp - Every async form, mesh groups, no silence ===//
//
// The sugared `<op>-start` of every collective kind, the `async-start`
// wrapper inside a counted loop, computation trailers, mesh-axes replica
// groups (several axes, sub-axes, explicit and iota device ids), the device
// count when the header has none, and communication that cannot be priced.
// Every expected value is worked out by hand in the comments.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/HloImport/HloImport.h"

#include "TestUtil.h"

#include "gtest/gtest.h"

using namespace aoizora;
using namespace aoizora::hlo;
using namespace aoizora::hlo::test;

namespace {

using Groups = std::vector<std::vector<int64_t>>;
using Pairs = std::vector<std::pair<int64_t, int64_t>>;

HloImportResult importOrFail(llvm::StringRef text,
                             const HloImportOptions &options = {}) {
  llvm::Expected<HloImportResult> result = importHloText(text, options);
  if (!result) {
    ADD_FAILURE() << llvm::toString(result.takeError());
    return HloImportResult();
  }
  return std::move(*result);
}

Groups meshGroups(llvm::StringRef text, int64_t expectedDevices = -1) {
  llvm::Expected<MeshReplicaGroups> groups = parseMeshReplicaGroups(text);
  if (!groups) {
    ADD_FAILURE() << text.str() << ": " << llvm::toString(groups.takeError());
    return {};
  }
  if (expectedDevices >= 0) {
    EXPECT_EQ(groups->numDevices, expectedDevices) << text.str();
  }
  return groups->groups;
}

std::string meshError(llvm::StringRef text) {
  llvm::Expected<MeshReplicaGroups> groups = parseMeshReplicaGroups(text);
  if (groups) {
    ADD_FAILURE() << text.str() << " was accepted";
    return "";
  }
  return llvm::toString(groups.takeError());
}

//===----------------------------------------------------------------------===//
// Mesh-axes replica groups
//===----------------------------------------------------------------------===//

TEST(MeshGroupsTest, WholeAndSingleAxes) {
  EXPECT_EQ(meshGroups("mesh['x'=8] {'x'}", 8),
            (Groups{{0, 1, 2, 3, 4, 5, 6, 7}}));
  // Mesh 2x4, device (x,y) = 4x+y. Grouping by y keeps x fixed.
  EXPECT_EQ(meshGroups("mesh['x'=2,'y'=4] {'y'}", 8),
            (Groups{{0, 1, 2, 3}, {4, 5, 6, 7}}));
  // Grouping by x keeps y fixed.
  EXPECT_EQ(meshGroups("mesh['x'=2,'y'=4] {'x'}"),
            (Groups{{0, 4}, {1, 5}, {2, 6}, {3, 7}}));
  // JAX prints size-1 axes too: mesh['axis_0'=4,'axis_1'=1] {'axis_0'}.
  EXPECT_EQ(meshGroups("mesh['axis_0'=4,'axis_1'=1] {'axis_0'}", 4),
            (Groups{{0, 1, 2, 3}}));
  // Older XLA prints bare names.
  EXPECT_EQ(meshGroups("mesh[x=2,y=4] {y}"),
            (Groups{{0, 1, 2, 3}, {4, 5, 6, 7}}));
}

TEST(MeshGroupsTest, SeveralAxesInTheOrderWritten) {
  EXPECT_EQ(meshGroups("mesh['x'=2,'y'=4] {'x','y'}"),
            (Groups{{0, 1, 2, 3, 4, 5, 6, 7}}));
  // y written first varies slowest: (y,x) = (0,0),(0,1),(1,0),...
  EXPECT_EQ(meshGroups("mesh['x'=2,'y'=4] {'y','x'}"),
            (Groups{{0, 4, 1, 5, 2, 6, 3, 7}}));
  // Three axes 2x2x2, device 4a+2b+c; grouping a and c keeps b fixed.
  EXPECT_EQ(meshGroups("mesh['a'=2,'b'=2,'c'=2] {'a','c'}"),
            (Groups{{0, 1, 4, 5}, {2, 3, 6, 7}}));
}

TEST(MeshGroupsTest, SubAxes) {
  // x=8 split major-first: x:(1)2 is the top bit (stride 4).
  EXPECT_EQ(meshGroups("mesh['x'=8] {'x':(1)2}"),
            (Groups{{0, 4}, {1, 5}, {2, 6}, {3, 7}}));
  // x:(2)2 is the middle bit (stride 2).
  EXPECT_EQ(meshGroups("mesh['x'=8] {'x':(2)2}"),
            (Groups{{0, 2}, {1, 3}, {4, 6}, {5, 7}}));
  // x:(4)2 is the bottom bit.
  EXPECT_EQ(meshGroups("mesh['x'=8] {'x':(4)2}"),
            (Groups{{0, 1}, {2, 3}, {4, 5}, {6, 7}}));
  // Top and bottom bits together: the middle bit b is fixed.
  EXPECT_EQ(meshGroups("mesh['x'=8] {'x':(1)2,'x':(4)2}"),
            (Groups{{0, 1, 4, 5}, {2, 3, 6, 7}}));
  // A sub-axis next to a whole axis: mesh 2x4, y:(2)2 is y's low bit.
  EXPECT_EQ(meshGroups("mesh['x'=2,'y'=4] {'x','y':(2)2}"),
            (Groups{{0, 1, 4, 5}, {2, 3, 6, 7}}));
}

TEST(MeshGroupsTest, DeviceIds) {
  // Mesh positions (x,y) hold [[0,2],[1,3]]; grouping by x keeps y fixed.
  EXPECT_EQ(meshGroups("mesh['x'=2,'y'=2], device_ids=(0,2,1,3) {'x'}", 4),
            (Groups{{0, 1}, {2, 3}}));
  // Iota ids: arange(8).reshape(4,2).T = 0,2,4,6,1,3,5,7 over a 2x4 mesh.
  EXPECT_EQ(meshGroups("mesh['x'=2,'y'=4], device_ids=([4,2]T(1,0)) {'y'}"),
            (Groups{{0, 2, 4, 6}, {1, 3, 5, 7}}));
}

TEST(MeshGroupsTest, NoAxesAndMaximal) {
  // No axes: groups of one device, which move nothing.
  EXPECT_EQ(meshGroups("mesh['x'=4] {}", 4), (Groups{{0}, {1}, {2}, {3}}));
  EXPECT_EQ(meshGroups("maximal_mesh[device_id=3] {}", 0), (Groups{{3}}));
}

TEST(MeshGroupsTest, ThroughParseReplicaGroups) {
  llvm::Expected<Groups> groups =
      parseReplicaGroups("  mesh['x'=2,'y'=4] {'y'} ");
  ASSERT_TRUE(static_cast<bool>(groups)) << llvm::toString(groups.takeError());
  EXPECT_EQ(*groups, (Groups{{0, 1, 2, 3}, {4, 5, 6, 7}}));
}

TEST(MeshGroupsTest, Rejects) {
  EXPECT_NE(meshError("mesh['x'=4] {'z'}").find("'z' is not in the mesh"),
            std::string::npos);
  EXPECT_NE(meshError("mesh['x'=4] {'x':(3)2}").find("does not divide"),
            std::string::npos);
  EXPECT_NE(meshError("mesh['x'=4] {'x':(1)4}").find("does not divide"),
            std::string::npos);
  EXPECT_NE(meshError("mesh['x'=4] {'x','x':(1)2}").find("overlapping"),
            std::string::npos);
  EXPECT_NE(meshError("mesh['x'=8] {'x':(1)4,'x':(2)2}").find("overlap"),
            std::string::npos);
  EXPECT_NE(meshError("mesh['x'=2,'x'=2] {'x'}").find("declared twice"),
            std::string::npos);
  EXPECT_NE(meshError("mesh['x'=4], device_ids=(0,0,1,2) {'x'}")
                .find("not a permutation"),
            std::string::npos);
  EXPECT_NE(meshError("mesh['x'=4], device_ids=(0,1) {'x'}").find("2 ids"),
            std::string::npos);
  EXPECT_NE(meshError("mesh['x'=0] {'x'}").find("axis size"),
            std::string::npos);
  EXPECT_NE(meshError("mesh['x'=4] {'x'} junk").find("unexpected"),
            std::string::npos);
  EXPECT_NE(meshError("mesh['x=4] {'x'}").find("name=size"),
            std::string::npos);
  EXPECT_NE(meshError("mesh['x'=1048576,'y'=2] {'x'}").find("too large"),
            std::string::npos);
}

//===----------------------------------------------------------------------===//
// Every async form
//===----------------------------------------------------------------------===//

TEST(CollectiveFormsTest, EveryAsyncKind) {
  HloImportResult r = importOrFail(readInput("async_every_kind.txt"));
  EXPECT_TRUE(r.unpriced.empty());
  EXPECT_EQ(r.numPartitions, 8);
  ASSERT_EQ(r.collectives.size(), 8u) << joinWarnings(r.warnings);

  const ImportedCollective *a2a = findCollective(r, "all-to-all-start");
  ASSERT_NE(a2a, nullptr);
  EXPECT_EQ(a2a->kind, CollectiveKind::AllToAll);
  EXPECT_TRUE(a2a->isAsync);
  EXPECT_EQ(a2a->groupMode, CollectiveGroupMode::CrossPartition);
  EXPECT_EQ(a2a->groups, (Groups{{0, 1, 2, 3}, {4, 5, 6, 7}}));
  EXPECT_EQ(a2a->bytesPerDevice, 64 * 32 * 4);
  EXPECT_EQ(a2a->count, 1);

  // Sugared async reduce-scatter over mesh axes {'x','y'}: every device;
  // the bytes are the f32[1024] input; -update and -done are not counted.
  const ImportedCollective *rs = findCollective(r, "reduce-scatter-start");
  ASSERT_NE(rs, nullptr);
  EXPECT_EQ(rs->kind, CollectiveKind::ReduceScatter);
  EXPECT_EQ(rs->groupMode, CollectiveGroupMode::FlattenedId);
  EXPECT_EQ(rs->groups, (Groups{{0, 1, 2, 3, 4, 5, 6, 7}}));
  EXPECT_EQ(rs->bytesPerDevice, 1024 * 4);

  // Mesh with iota device ids 0,2,4,6,1,3,5,7 grouped by y.
  const ImportedCollective *ar = findCollective(r, "all-reduce-start");
  ASSERT_NE(ar, nullptr);
  EXPECT_EQ(ar->groups, (Groups{{0, 2, 4, 6}, {1, 3, 5, 7}}));
  EXPECT_EQ(ar->bytesPerDevice, 1024 * 4);

  // x:(2)4 of x=8: factors [2,4,1], the 4 varies: {0..3},{4..7}. Bytes:
  // the gathered bf16[64,8] (tuple element 1).
  const ImportedCollective *ag = findCollective(r, "all-gather-start");
  ASSERT_NE(ag, nullptr);
  EXPECT_EQ(ag->groups, (Groups{{0, 1, 2, 3}, {4, 5, 6, 7}}));
  EXPECT_EQ(ag->bytesPerDevice, 64 * 8 * 2);

  // Ragged: the bf16[32,8] input buffer, not the output or the sizes.
  const ImportedCollective *ragged =
      findCollective(r, "ragged-all-to-all-start");
  ASSERT_NE(ragged, nullptr);
  EXPECT_EQ(ragged->kind, CollectiveKind::AllToAll);
  EXPECT_TRUE(ragged->isRagged);
  EXPECT_TRUE(ragged->isAsync);
  EXPECT_EQ(ragged->bytesPerDevice, 32 * 8 * 2);
  EXPECT_TRUE(hasWarning(r.warnings, ragged->line, "upper bound"));

  const ImportedCollective *cb = findCollective(r, "collective-broadcast-start");
  ASSERT_NE(cb, nullptr);
  EXPECT_EQ(cb->kind, CollectiveKind::CollectiveBroadcast);
  EXPECT_EQ(cb->bytesPerDevice, 8 * 4);

  // Combined permute: both operands, f32[8] + f32[16].
  const ImportedCollective *cp =
      findCollective(r, "collective-permute.combined");
  ASSERT_NE(cp, nullptr);
  EXPECT_EQ(cp->pairs, (Pairs{{0, 1}, {1, 0}}));
  EXPECT_EQ(cp->bytesPerDevice, (8 + 16) * 4);

  // The async-start wrapper runs in a while body with known_trip_count 3.
  const ImportedCollective *wrapped = findCollective(r, "a2a.wrapped");
  ASSERT_NE(wrapped, nullptr);
  EXPECT_TRUE(wrapped->isAsync);
  EXPECT_EQ(wrapped->count, 3);
  EXPECT_EQ(wrapped->groups, (Groups{{0, 1, 2, 3}, {4, 5, 6, 7}}));
  EXPECT_EQ(wrapped->bytesPerDevice, 64 * 32 * 4);

  // Trailers name the thread; none of this is a warning.
  EXPECT_EQ(r.module.findComputation("wrapped_all_to_all")->executionThread,
            "parallel_thread");
  for (const std::string &w : r.warnings)
    EXPECT_TRUE(llvm::StringRef(w).contains("upper bound")) << w;
}

TEST(CollectiveFormsTest, UnpricedCommunicationIsReported) {
  HloImportResult r = importOrFail(readInput("unpriced_communication.txt"));
  EXPECT_TRUE(r.collectives.empty());
  // send and recv between devices, the NCCL custom-call, and an opcode
  // that looks like a collective; not the host send, not the -done
  // halves, not the Sharding custom-call.
  ASSERT_EQ(r.unpriced.size(), 4u) << joinWarnings(r.warnings);
  EXPECT_EQ(r.unpriced[0].instructionName, "send");
  EXPECT_EQ(r.unpriced[0].line, 6u);
  EXPECT_EQ(r.unpriced[1].instructionName, "recv");
  EXPECT_EQ(r.unpriced[2].instructionName, "nccl");
  EXPECT_NE(r.unpriced[2].reason.find("__nccl_all_reduce_kernel"),
            std::string::npos);
  EXPECT_EQ(r.unpriced[3].instructionName, "fancy");
  EXPECT_NE(r.unpriced[3].reason.find("does not know"), std::string::npos);
  for (const UnpricedCommunication &u : r.unpriced) {
    EXPECT_EQ(u.count, 1);
    EXPECT_TRUE(hasWarning(r.warnings, u.line, "cannot be priced")) << u.line;
  }
}

//===----------------------------------------------------------------------===//
// Device count without a header count
//===----------------------------------------------------------------------===//

constexpr const char *kNoCount = R"(HloModule no_count

ENTRY %main (p: f32[8]) -> f32[8] {
  %p = f32[8]{0} parameter(0)
  ROOT %ar = f32[8]{0} all-reduce(f32[8]{0} %p), channel_id=1, replica_groups=GROUPS, use_global_device_ids=true, to_apply=%add
}
)";

std::string withGroups(llvm::StringRef groups) {
  std::string text = kNoCount;
  text.replace(text.find("GROUPS"), 6, groups.str());
  return text;
}

TEST(DeviceCountTest, HeaderWins) {
  HloImportResult r = importOrFail(
      "HloModule m, num_partitions=4\nENTRY %e (p: f32[8]) -> f32[8] {\n"
      "  %p = f32[8]{0} parameter(0)\n"
      "  ROOT %ar = f32[8]{0} all-reduce(f32[8]{0} %p), channel_id=1, "
      "replica_groups={}, use_global_device_ids=true\n}\n",
      HloImportOptions{16});
  EXPECT_EQ(r.deviceCountSource, DeviceCountSource::Header);
  EXPECT_EQ(r.numPartitions, 4);
  ASSERT_EQ(r.collectives.size(), 1u);
  EXPECT_EQ(r.collectives[0].groups, (Groups{{0, 1, 2, 3}}));
}

TEST(DeviceCountTest, FromOptionAsPartitions) {
  HloImportResult r = importOrFail(withGroups("{}"), HloImportOptions{8});
  EXPECT_EQ(r.deviceCountSource, DeviceCountSource::Option);
  // The collective has a channel: the devices are partitions.
  EXPECT_EQ(r.numPartitions, 8);
  EXPECT_EQ(r.replicaCount, 1);
  EXPECT_TRUE(hasWarning(r.warnings, 1, "8 devices from the module"))
      << joinWarnings(r.warnings);
  ASSERT_EQ(r.collectives.size(), 1u);
  EXPECT_EQ(r.collectives[0].groups.front().size(), 8u);
}

TEST(DeviceCountTest, FromMesh) {
  HloImportResult r = importOrFail(withGroups("mesh['x'=2,'y'=8] {'x'}"));
  EXPECT_EQ(r.deviceCountSource, DeviceCountSource::Mesh);
  EXPECT_EQ(r.numPartitions, 16);
  EXPECT_TRUE(hasWarning(r.warnings, 1, "16 devices from the mesh"));
}

TEST(DeviceCountTest, FromIds) {
  HloImportResult r = importOrFail(withGroups("{{0,5},{1,4}}"));
  EXPECT_EQ(r.deviceCountSource, DeviceCountSource::CollectiveIds);
  EXPECT_EQ(r.numPartitions, 6);
}

TEST(DeviceCountTest, UnknownIsNeverOne) {
  HloImportResult r = importOrFail(withGroups("{}"));
  EXPECT_EQ(r.deviceCountSource, DeviceCountSource::Unknown);
  ASSERT_EQ(r.collectives.size(), 1u);
  EXPECT_FALSE(r.collectives[0].devicesKnown);
  EXPECT_TRUE(hasWarning(r.warnings, 1, "nothing else says how many"));
  EXPECT_TRUE(hasWarning(r.warnings, 5, "device count is unknown"));
}

TEST(DeviceCountTest, MeshGroupsWithAHeaderCount) {
  HloImportResult r = importOrFail(
      "HloModule m, num_partitions=8\nENTRY %e (p: f32[8]) -> f32[8] {\n"
      "  %p = f32[8]{0} parameter(0)\n"
      "  ROOT %ag = f32[64]{0} all-gather(f32[8]{0} %p), channel_id=1, "
      "replica_groups=mesh['x'=2,'y'=2], device_ids=(0,2,1,3) {'x'}, "
      "dimensions={0}, use_global_device_ids=true\n}\n");
  ASSERT_EQ(r.collectives.size(), 1u) << joinWarnings(r.warnings);
  EXPECT_TRUE(r.warnings.empty()) << joinWarnings(r.warnings);
  EXPECT_EQ(r.collectives[0].groups, (Groups{{0, 1}, {2, 3}}));
}

} // namespace
