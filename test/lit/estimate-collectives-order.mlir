// RUN: aoizora-opt %s --az-estimate-collectives='topology=generic:4 device-order=0,2,1,3' -o /dev/null 2>&1 | FileCheck %s
//
// The module of estimate-collectives.mlir under device-order=0,2,1,3: device
// 1 moves to chip 2 and device 2 to chip 1 (generic:4 is an open line, W =
// 1e10 B/s, 1 us per hop). The gather pairs {0,1},{2,3} now sit two hops
// apart and both cross the middle link 1->2: 2 MiB / 1e10 + 2 us = 211.715 us.
// The permute pairs 0->2, 1->3 become neighbours: 1 MiB / 1e10 + 1 us =
// 105.858 us.

// CHECK: remark: all-gather: 2 groups of 2, 2.00 MiB per device, 211.715 us (max link load 2.00 MiB on chip (1) +x)
// CHECK: remark: collective-permute: 2 pairs, 1.00 MiB per device, 105.858 us (max link load 1.00 MiB on chip (0) +x)
// CHECK: remark: 2 collectives on generic:4:wrap=0: total 317.573 us
"builtin.module"() ({
  "func.func"() <{function_type = (tensor<262144xf32>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<262144xf32>):
    %0 = "stablehlo.all_gather"(%arg0) <{all_gather_dim = 0 : i64, replica_groups = dense<[[0, 1], [2, 3]]> : tensor<2x2xi64>}> : (tensor<262144xf32>) -> tensor<524288xf32>
    %1 = "stablehlo.collective_permute"(%arg0) <{source_target_pairs = dense<[[0, 2], [1, 3]]> : tensor<2x2xi64>}> : (tensor<262144xf32>) -> tensor<262144xf32>
    "func.return"() : () -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 4 : i32} : () -> ()
