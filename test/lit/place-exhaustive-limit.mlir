// RUN: not aoizora-opt %s --az-place='topology=v5e:4x4 exhaustive=true' -o /dev/null 2>&1 | FileCheck %s
// CHECK: error: exhaustive search is limited to 8 devices (8! = 40320 placements); this module has 16
"builtin.module"() ({
  "func.func"() <{function_type = (tensor<1024xf32>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<1024xf32>):
    %0 = "stablehlo.collective_permute"(%arg0) <{source_target_pairs = dense<[[0, 15]]> : tensor<1x2xi64>}> : (tensor<1024xf32>) -> tensor<1024xf32>
    "func.return"() : () -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 16 : i32} : () -> ()
