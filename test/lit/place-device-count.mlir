// The device count of a module without a mesh: pmap-style programs carry
// only mhlo.num_replicas, and a module with no count at all runs on at
// least as many devices as its collectives name.
// RUN: aoizora-opt %s --split-input-file --az-place='topology=v5e:2x4 apply=false' -o /dev/null 2>&1 | FileCheck %s
// RUN: aoizora-opt %s --split-input-file --az-inspect-shardings='report-file=-' -o /dev/null | FileCheck %s --check-prefix=JSON
// A count that disagrees with the topology names where it came from.
// RUN: not aoizora-opt %s --split-input-file --az-place='topology=v5e:2x2' -o /dev/null 2>&1 | FileCheck %s --check-prefix=MISMATCH

// CHECK-LABEL: remark: placement #1:
// JSON: "device_count": 8
// JSON: "num_replicas": 8
// MISMATCH: error: topology v5e:2x2:wrap=0,0 has 4 devices but the module runs on 8 (from its meshes, mhlo.num_partitions x mhlo.num_replicas, or the device ids of its collectives)
"builtin.module"() <{sym_name = "pmap_step"}> ({
  "func.func"() <{function_type = (tensor<1024xf32>) -> tensor<1024xf32>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<1024xf32>):
    %0 = "stablehlo.all_reduce"(%arg0) <{replica_groups = dense<[[0, 1, 2, 3, 4, 5, 6, 7]]> : tensor<1x8xi64>}> : (tensor<1024xf32>) -> tensor<1024xf32>
    "func.return"(%0) : (tensor<1024xf32>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 8 : i32} : () -> ()

// -----

// CHECK-LABEL: remark: placement #1:
// JSON: "device_count": 8
// JSON: "device_count_from": "collective device ids"
"builtin.module"() <{sym_name = "ring_without_counts"}> ({
  "func.func"() <{function_type = (tensor<1024xf32>) -> tensor<1024xf32>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<1024xf32>):
    %0 = "stablehlo.collective_permute"(%arg0) <{source_target_pairs = dense<[[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [5, 6], [6, 7], [7, 0]]> : tensor<8x2xi64>}> : (tensor<1024xf32>) -> tensor<1024xf32>
    "func.return"(%0) : (tensor<1024xf32>) -> ()
  }) : () -> ()
}) : () -> ()
