// How az-place reads the device ids of a dump's groups (XLA's group modes;
// docs/hlo-import.md): with a channel and no use_global_device_ids, an
// all-reduce's groups hold replica ids and each spans every partition, so
// {{0}} with one replica is an all-reduce over all 8 devices, priced the
// same as the flattened-id group {{0,...,7}}. Without a channel the groups
// are replicas of one partition: with one replica nothing moves.
// RUN: aoizora-opt %s --az-place='topology=v5e:2x4 apply=false hlo-dump=%S/Inputs/group-modes.txt' -o /dev/null > %t.modes 2>&1
// RUN: aoizora-opt %s --az-place='topology=v5e:2x4 apply=false hlo-dump=%S/Inputs/group-modes-flat.txt' -o /dev/null > %t.flat 2>&1
// RUN: cat %t.modes %t.flat | FileCheck %s
// A group that cannot be read, or a replica id past replica_count, is an
// error rather than a guess.
// RUN: not aoizora-opt %s --az-place='topology=v5e:2x4 hlo-dump=%S/Inputs/group-modes-malformed.txt' -o /dev/null 2>&1 | FileCheck %s --check-prefix=MALFORMED
// RUN: not aoizora-opt %s --az-place='topology=v5e:2x4 hlo-dump=%S/Inputs/group-modes-range.txt' -o /dev/null 2>&1 | FileCheck %s --check-prefix=RANGE

// CHECK: remark: baseline module order: [[TIME:[0-9.]+ us]] (max link load [[LOAD:.*]]);
// CHECK: remark: baseline module order: [[TIME]] (max link load [[LOAD]]);

// MALFORMED: warning: HLO dump '{{.*}}group-modes-malformed.txt': line 11: collective 'across':
// MALFORMED: error: HLO dump '{{.*}}group-modes-malformed.txt' line 11: 'across' has device groups that could not be read (see the warning), so it cannot be priced
// RANGE: error: HLO dump '{{.*}}group-modes-range.txt' line 11: 'across' names id 1 outside its 1 ids
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=2, "y"=4]>, sym_name = "mesh"}> : () -> ()
}) {mhlo.num_partitions = 8 : i32, mhlo.num_replicas = 1 : i32} : () -> ()
