// RUN: not aoizora-opt %s --split-input-file --az-place='topology=v5e:2x4' -o /dev/null 2>&1 | FileCheck %s
// RUN: not aoizora-opt %s --split-input-file --az-place='topology=v5e:4x4 exhaustive=true' -o /dev/null 2>&1 | FileCheck %s --check-prefix=BIG
// RUN: not aoizora-opt %s --split-input-file --az-place='topology=v5e:2x4 search-seconds=-1' -o /dev/null 2>&1 | FileCheck %s --check-prefix=SECONDS

// CHECK: error: az-place found no explicit collectives to place
// BIG: error: topology v5e:4x4:wrap=0,0 has 16 devices but the module runs on 8
// SECONDS: error: az-place: search-seconds must be >= 0 (0: no wall-clock bound), got -1
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=8]>, sym_name = "mesh"}> : () -> ()
}) {mhlo.num_partitions = 8 : i32} : () -> ()

// -----

// A module that reads its device id cannot be relabelled (with apply=false
// the plan is still computed: place-apply-false.mlir).
// CHECK: error: cannot relabel devices: 'stablehlo.partition_id' reads the executing device's id
"builtin.module"() ({
  "func.func"() <{function_type = (tensor<1024xf32>) -> tensor<ui32>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<1024xf32>):
    %0 = "stablehlo.partition_id"() : () -> tensor<ui32>
    %1 = "stablehlo.collective_permute"(%arg0) <{source_target_pairs = dense<[[0, 7], [7, 0]]> : tensor<2x2xi64>}> : (tensor<1024xf32>) -> tensor<1024xf32>
    "func.return"(%0) : (tensor<ui32>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 8 : i32} : () -> ()
