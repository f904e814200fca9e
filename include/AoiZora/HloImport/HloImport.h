//===- HloImport.h - Collectives of a compiled HLO module -----*- C++ -*-===//
//
// Extracts the explicit collectives of a compiled (post-SPMD) XLA module
// from its text dump, so that the cost model can price the communication a
// placement has to carry. For every collective instruction the importer
// records its kind, device groups, the bytes one device moves (see
// ImportedCollective::bytesPerDevice), and how many times it runs: the
// product of the known trip counts of the while loops around it, summed
// over every call path from ENTRY.
//
// Nothing here aborts on odd input: what the importer cannot read becomes a
// `line N: ...` warning in the result.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_HLOIMPORT_HLOIMPORT_H
#define AOIZORA_HLOIMPORT_HLOIMPORT_H

#include "AoiZora/Cost/Collective.h"

#include "AoiZora/HloImport/HloModuleText.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace aoizora::hlo {

/// The collective kinds are the cost model's, so an imported collective
/// prices without conversion.
using HloCollectiveKind = aoizora::CollectiveKind;

/// "all-gather", "reduce-scatter", ... (the synchronous HLO opcode).
llvm::StringRef stringifyHloCollectiveKind(HloCollectiveKind kind);

/// What the ids in replica groups / source-target pairs mean. XLA derives
/// it from whether `channel_id` is set and from `use_global_device_ids`
/// (xla/hlo/ir/collective_op_group_mode.h, GetCollectiveOpGroupMode):
///  - no channel_id: CrossReplica (ids are replica ids);
///  - channel_id, op without a use_global_device_ids attribute (all-to-all,
///    collective-permute, collective-broadcast): CrossPartition (partition
///    ids);
///  - channel_id, use_global_device_ids=false: CrossReplicaAndPartition
///    (replica ids; each group spans all partitions of those replicas);
///  - channel_id, use_global_device_ids=true: FlattenedId (global ids =
///    replica_id * num_partitions + partition_id).
/// In a JAX SPMD program (replica_count=1) all modes but CrossReplica name
/// partitions, i.e. logical devices.
enum class CollectiveGroupMode {
  CrossReplica,
  CrossPartition,
  CrossReplicaAndPartition,
  FlattenedId,
};

/// One collective instruction of the module.
struct ImportedCollective {
  HloCollectiveKind kind = HloCollectiveKind::AllGather;
  /// The opcode as written ("all-gather-start", "reduce-scatter", ...).
  std::string opcode;
  /// The instruction name (without `%`) and its computation.
  std::string instructionName;
  std::string computation;
  unsigned line = 0;
  /// Whether this is the `-start` half of an async pair or sits inside a
  /// computation called by `async-start`.
  bool isAsync = false;

  /// Bytes per device, the convention of the cost model's CollectiveSpec:
  ///  - AllGather: the gathered OUTPUT of one device;
  ///  - ReduceScatter: the INPUT of one device (before the scatter);
  ///  - AllReduce, AllToAll, CollectivePermute, CollectiveBroadcast: the
  ///    operand of one device (input and output are the same size).
  /// Variadic (combined) collectives sum their operands or outputs.
  /// -1 when the shapes could not be determined (a warning says why).
  int64_t bytesPerDevice = -1;

  /// The replica groups with iota forms materialised. `replica_groups={}`
  /// (or no attribute) means one group of every id of the group mode's id
  /// space; it is materialised as 0..K-1 (K = replica_count for the replica
  /// modes, num_partitions for CrossPartition, their product for
  /// FlattenedId) and `allDevices` is set.
  std::vector<std::vector<int64_t>> groups;
  bool allDevices = false;
  CollectiveGroupMode groupMode = CollectiveGroupMode::CrossReplica;
  /// collective-permute: (source, target) pairs.
  std::vector<std::pair<int64_t, int64_t>> pairs;
  std::optional<int64_t> channelId;
  bool useGlobalDeviceIds = false;
  /// `dimensions={...}` (all-gather, reduce-scatter, all-to-all).
  std::vector<int64_t> dimensions;

  /// False when an attribute that says which devices take part (groups,
  /// pairs, channel, group mode) could not be read, or the groups are
  /// `{}` and the device count is unknown; a warning says which.
  bool devicesKnown = true;

  /// `ragged-all-to-all`: priced as an all-to-all of its whole input
  /// buffer, an upper bound (the sizes sent are data dependent).
  bool isRagged = false;

  /// How many times the collective runs per execution of ENTRY: 0 when its
  /// computation is unreachable from ENTRY.
  int64_t count = 1;
};

/// An instruction that moves data between devices but that the importer
/// cannot price: send/recv between devices, a custom-call whose target
/// communicates, an opcode that looks like a collective it does not know.
/// It is reported (never silently dropped) and makes any cost built from
/// the dump incomplete.
struct UnpricedCommunication {
  std::string opcode;
  std::string instructionName;
  std::string computation;
  unsigned line = 0;
  /// Why it cannot be priced, for a diagnostic.
  std::string reason;
  /// Executions per run of ENTRY, as for collectives.
  int64_t count = 1;
};

/// Where the device count of an import comes from.
enum class DeviceCountSource {
  /// `num_partitions` / `replica_count` in the module header.
  Header,
  /// HloImportOptions::numDevices (the module the dump accompanies).
  Option,
  /// A mesh-axes replica group list (`mesh['x'=8] {...}`) names its mesh.
  Mesh,
  /// The largest device id the collectives name, plus one: a lower bound.
  CollectiveIds,
  /// Nothing says: collectives over "all devices" cannot be priced.
  Unknown,
};

llvm::StringRef stringifyDeviceCountSource(DeviceCountSource source);

/// What the caller knows about the dump beyond its text.
struct HloImportOptions {
  /// The devices the program runs on, used when the header gives neither
  /// `num_partitions` nor `replica_count` (XLA prints each only when it is
  /// not 1; test modules and hand-written HLO often omit both). A header
  /// count always wins; the caller compares it with its own.
  std::optional<int64_t> numDevices;
};

/// The result of an import.
struct HloImportResult {
  std::string moduleName;
  /// From the module header when it has either (the other is then 1,
  /// XLA's default); otherwise from HloImportOptions::numDevices, a mesh
  /// named by the replica groups, or the collectives' ids, with a warning
  /// that says which (see deviceCountSource). The devices are read as
  /// partitions when some collective has a channel_id, else as replicas.
  int64_t numPartitions = 1;
  int64_t replicaCount = 1;
  DeviceCountSource deviceCountSource = DeviceCountSource::Header;
  /// Communication that cannot be priced, in file order.
  std::vector<UnpricedCommunication> unpriced;
  /// Instructions whose `sharding={...}` the HLO sharding model reads (one
  /// that it cannot read is a warning instead).
  int64_t shardedInstructions = 0;
  /// Collectives in file order.
  std::vector<ImportedCollective> collectives;
  /// `line N: ...` messages: everything skipped, guessed or counted once
  /// for want of a trip count.
  std::vector<std::string> warnings;
  /// The whole parsed module (its own warnings are copied into `warnings`).
  HloModuleText module;
};

/// Imports HLO module text. Fails only when parseHloModuleText fails.
llvm::Expected<HloImportResult>
importHloText(llvm::StringRef text, const HloImportOptions &options = {});

/// Reads \p path and imports it; a read error names the path.
llvm::Expected<HloImportResult>
importHloFile(llvm::StringRef path, const HloImportOptions &options = {});

/// Parses a `replica_groups` value: `{}` (returns an empty list), explicit
/// `{{0,1},{2,3}}`, iota `[G,S]<=[R0,...]T(P0,...)` / `[G,S]<=[N]`
/// (../shared/reference/sharding-syntax.md §2.4), or mesh axes (see
/// parseMeshReplicaGroups). Lists larger than 2^20 ids are refused so that
/// hostile input cannot exhaust memory.
llvm::Expected<std::vector<std::vector<int64_t>>>
parseReplicaGroups(llvm::StringRef text);

/// Replica groups given by mesh axes, and the device count of their mesh.
struct MeshReplicaGroups {
  std::vector<std::vector<int64_t>> groups;
  int64_t numDevices = 0;
};

/// Parses XLA's mesh-axes replica group list (MeshAxesReplicaGroupList in
/// xla/hlo/ir/replica_group.h; Mesh and AxisRef printing in
/// xla/hlo/ir/mesh_and_axis.cc):
///
///   mesh[AXIS=SIZE,...][, device_ids=(IDS)] {REF,...}
///   maximal_mesh[device_id=N] {}
///
/// AXIS is a name, quoted `'x'` by current XLA and bare `x` by older
/// versions; IDS is a list `0,2,1,3` or an iota `[R0,...]T(P0,...)`; REF is
/// an axis name or a sub-axis `NAME:(PRE)SIZE` (the SIZE devices of the
/// axis at stride PRE). A group is a set of devices that differ only in
/// the referenced (sub-)axes, listed with the REFs varying in the order
/// written (the last fastest); `{}` gives groups of one device.
llvm::Expected<MeshReplicaGroups> parseMeshReplicaGroups(llvm::StringRef text);

/// Whether a custom-call target names an operation that moves data between
/// devices (a collective library such as NCCL/RCCL/NVSHMEM, or a collective
/// such as all_reduce, all-gather, alltoall, reduce_scatter, ppermute,
/// psum, by the words its name uses). Such a call cannot be priced.
bool isCommunicatingCustomCallTarget(llvm::StringRef target);

/// Parses `source_target_pairs={{0,1},{1,0}}` values.
llvm::Expected<std::vector<std::pair<int64_t, int64_t>>>
parseSourceTargetPairs(llvm::StringRef text);

/// The known trip count in a while's `backend_config` value (either raw
/// JSON `{...}` or a quoted JSON string), read from
/// `"known_trip_count":{"n":"N"}`: XLA's WhileLoopBackendConfig message
/// (xla/xla_data.proto), set by the while-loop-trip-count-annotator pass;
/// the int64 `n` prints as a JSON string, a JSON number is accepted too.
/// std::nullopt when absent or malformed.
std::optional<int64_t> getKnownTripCount(llvm::StringRef backendConfig);

} // namespace aoizora::hlo

#endif // AOIZORA_HLOIMPORT_HLOIMPORT_H
