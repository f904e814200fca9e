// A dump whose header has no device count (XLA prints num_partitions and
// replica_count only when they are not 1; test modules omit them) takes the
// count of the module it accompanies, never one device, and says so.
// RUN: aoizora-opt %s --az-place='topology=v5e:2x2 apply=false emit-remarks=false plan-file=%t.json hlo-dump=%S/Inputs/hlo/no-count-mesh.txt' -o /dev/null 2>&1 | FileCheck %s
// RUN: FileCheck %s --check-prefix=PLAN < %t.json

// CHECK: warning: HLO dump '{{.*}}no-count-mesh.txt': line 1: the header gives neither num_partitions nor replica_count; 4 devices from the module it accompanies, read as partitions (collectives have channel_id)
// The mesh x=2,y=2 grouped by 'y': 2 groups of 2; the gathered f32[512].
// PLAN: "bytes_per_device": 2048,
// PLAN-NEXT: "count": 1,
// PLAN-NEXT: "group_size": 2,
// PLAN-NEXT: "groups": 2,
"builtin.module"() <{sym_name = "jit_no_count"}> ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=2, "y"=2]>, sym_name = "mesh"}> : () -> ()
}) {mhlo.num_partitions = 4 : i32, mhlo.num_replicas = 1 : i32} : () -> ()
