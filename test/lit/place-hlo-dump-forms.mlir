// Every async form XLA prints, imported from a hand-written dump (the
// importer's fixture async_every_kind.txt): sugared <op>-start/-done of
// every kind, an async-start wrapper with calls= inside a while loop of 3
// trips, execution_thread trailers, and mesh-axes replica groups with
// several axes, a sub-axis and iota device_ids. Each priced collective is
// listed in the plan with its line, kind, bytes per device, groups and
// count, worked out by hand from the dump.
// RUN: aoizora-opt %s --az-place='topology=v5e:2x4 apply=false emit-remarks=false plan-file=%t.json hlo-dump=%aoizora_src/unittests/HloImport/Inputs/async_every_kind.txt' -o /dev/null 2>&1 | FileCheck %s --check-prefix=WARN
// RUN: FileCheck %s < %t.json

// WARN: warning: HLO dump '{{.*}}async_every_kind.txt': line 45: collective 'ragged-all-to-all-start': ragged-all-to-all is priced as an all-to-all of its whole input buffer (512 bytes), an upper bound
// WARN-NOT: warning

// CHECK: "cost": "complete",
// CHECK: "dump_collectives": [
// the async-start wrapper's all-to-all in a loop of 3 trips, mesh {'y'}: 2 groups of 4, f32[64,32].
// CHECK: "bytes_per_device": 8192,
// CHECK-NEXT: "count": 3,
// CHECK-NEXT: "group_size": 4,
// CHECK-NEXT: "groups": 2,
// CHECK-NEXT: "instruction": "a2a.wrapped",
// CHECK-NEXT: "kind": "all-to-all",
// CHECK-NEXT: "line": 11,
// CHECK-NEXT: "opcode": "all-to-all"
// sugared async all-to-all, [2,4]<=[8], f32[64,32] = 8192 B.
// CHECK: "bytes_per_device": 8192,
// CHECK-NEXT: "count": 1,
// CHECK-NEXT: "group_size": 4,
// CHECK-NEXT: "groups": 2,
// CHECK-NEXT: "instruction": "all-to-all-start",
// CHECK-NEXT: "kind": "all-to-all",
// CHECK-NEXT: "line": 36,
// CHECK-NEXT: "opcode": "all-to-all-start"
// sugared async reduce-scatter over mesh {'x','y'}: one group of 8, the f32[1024] input.
// CHECK: "bytes_per_device": 4096,
// CHECK-NEXT: "count": 1,
// CHECK-NEXT: "group_size": 8,
// CHECK-NEXT: "groups": 1,
// CHECK-NEXT: "instruction": "reduce-scatter-start",
// CHECK-NEXT: "kind": "reduce-scatter",
// CHECK-NEXT: "line": 38,
// CHECK-NEXT: "opcode": "reduce-scatter-start"
// mesh with iota device_ids grouped by 'y': 2 groups of 4, f32[1024].
// CHECK: "bytes_per_device": 4096,
// CHECK-NEXT: "count": 1,
// CHECK-NEXT: "group_size": 4,
// CHECK-NEXT: "groups": 2,
// CHECK-NEXT: "instruction": "all-reduce-start",
// CHECK-NEXT: "kind": "all-reduce",
// CHECK-NEXT: "line": 41,
// CHECK-NEXT: "opcode": "all-reduce-start"
// sub-axis x:(2)4 of x=8: 2 groups of 4, the gathered bf16[64,8].
// CHECK: "bytes_per_device": 1024,
// CHECK-NEXT: "count": 1,
// CHECK-NEXT: "group_size": 4,
// CHECK-NEXT: "groups": 2,
// CHECK-NEXT: "instruction": "all-gather-start",
// CHECK-NEXT: "kind": "all-gather",
// CHECK-NEXT: "line": 43,
// CHECK-NEXT: "opcode": "all-gather-start"
// ragged: the bf16[32,8] input buffer, an upper bound.
// CHECK: "bytes_per_device": 512,
// CHECK-NEXT: "count": 1,
// CHECK-NEXT: "group_size": 4,
// CHECK-NEXT: "groups": 2,
// CHECK-NEXT: "instruction": "ragged-all-to-all-start",
// CHECK-NEXT: "kind": "all-to-all",
// CHECK-NEXT: "line": 45,
// CHECK-NEXT: "opcode": "ragged-all-to-all-start"
// async broadcast of f32[8].
// CHECK: "bytes_per_device": 32,
// CHECK-NEXT: "count": 1,
// CHECK-NEXT: "group_size": 8,
// CHECK-NEXT: "groups": 1,
// CHECK-NEXT: "instruction": "collective-broadcast-start",
// CHECK-NEXT: "kind": "collective-broadcast",
// CHECK-NEXT: "line": 47,
// CHECK-NEXT: "opcode": "collective-broadcast-start"
// combined permute of f32[8] and f32[16], 2 pairs.
// CHECK: "bytes_per_device": 96,
// CHECK-NEXT: "count": 1,
// CHECK-NEXT: "group_size": 2,
// CHECK-NEXT: "groups": 2,
// CHECK-NEXT: "instruction": "collective-permute.combined",
// CHECK-NEXT: "kind": "collective-permute",
// CHECK-NEXT: "line": 49,
// CHECK-NEXT: "opcode": "collective-permute"
// CHECK: "unpriced_communication": 0
"builtin.module"() <{sym_name = "jit_every_async_kind"}> ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=2, "y"=4]>, sym_name = "mesh"}> : () -> ()
}) {mhlo.num_partitions = 8 : i32, mhlo.num_replicas = 1 : i32} : () -> ()

