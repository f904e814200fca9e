// With apply=false the module is left as it is and the plan is only
// reported, which is how a module that reads its own device id is planned:
// the plan is then applied through the jax.sharding.Mesh device order.
// RUN: aoizora-opt %s --az-place='topology=v5e:2x4 apply=false plan-file=%t.json' 2>&1 | FileCheck %s
// RUN: FileCheck %s --check-prefix=PLAN < %t.json
// CHECK: remark: placement #1
// CHECK: source_target_pairs = dense<{{\[}}[0, 7], [7, 0]]>
// Devices 0 and 7 sit at opposite corners of the open 2x4 mesh by default
// (4 hops); the plan keeps logical 0 on device 0 (chip (0,0)) and gives
// logical 7 a neighbouring chip's device: 1 at (1,0) or 2 at (0,1).
// PLAN: "device_order": [
// PLAN-NEXT: 0,
// PLAN-COUNT-6: {{^ *[0-9],$}}
// PLAN-NEXT: {{^ *(1|2)$}}
"builtin.module"() ({
  "func.func"() <{function_type = (tensor<1024xf32>) -> tensor<ui32>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<1024xf32>):
    %0 = "stablehlo.partition_id"() : () -> tensor<ui32>
    %1 = "stablehlo.collective_permute"(%arg0) <{source_target_pairs = dense<[[0, 7], [7, 0]]> : tensor<2x2xi64>}> : (tensor<1024xf32>) -> tensor<1024xf32>
    "func.return"(%0) : (tensor<ui32>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 8 : i32} : () -> ()
