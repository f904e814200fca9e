// RUN: aoizora-opt %s --split-input-file --verify-diagnostics --az-estimate-collectives='topology=generic:4' -o /dev/null
// RUN: aoizora-opt %s --split-input-file --verify-diagnostics --az-estimate-collectives='topology=generic:4 report-file=-' -o /dev/null | FileCheck %s --check-prefix=JSON

// The generic test chip has W = 1e10 B/s per link and direction and 1 us per
// hop; generic:4 is an open line of 4 chips, device d on chip d.
//
// all_gather over {0,1},{2,3}, 2 MiB gathered per device: each member sends
// its 1 MiB half to its neighbour, so every used link carries 1 MiB:
//   1048576 B / 1e10 B/s + 1 hop * 1 us = 104.858 us + 1 us = 105.858 us.
// collective_permute 0->2 and 1->3, 1 MiB each: both messages cross the link
// 1->2, which carries 2 MiB; the longest route has 2 hops:
//   2097152 B / 1e10 B/s + 2 us = 211.715 us.
// estimate-collectives-order.mlir prices the same module under another
// device order.
// expected-remark@+1 {{2 collectives on generic:4:wrap=0: total 317.573 us (lower bound 106.858 us)}}
"builtin.module"() ({
  "func.func"() <{function_type = (tensor<262144xf32>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<262144xf32>):
    // expected-remark@+1 {{all-gather: 2 groups of 2, 2.00 MiB per device, 105.858 us (max link load 1.00 MiB on chip (0) +x)}}
    %0 = "stablehlo.all_gather"(%arg0) <{all_gather_dim = 0 : i64, replica_groups = dense<[[0, 1], [2, 3]]> : tensor<2x2xi64>}> : (tensor<262144xf32>) -> tensor<524288xf32>
    // expected-remark@+1 {{collective-permute: 2 pairs, 1.00 MiB per device, 211.715 us (max link load 2.00 MiB on chip (1) +x)}}
    %1 = "stablehlo.collective_permute"(%arg0) <{source_target_pairs = dense<[[0, 2], [1, 3]]> : tensor<2x2xi64>}> : (tensor<262144xf32>) -> tensor<262144xf32>
    "func.return"() : () -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 4 : i32} : () -> ()

// JSON: "collectives": [
// JSON: "bytes_per_device": 2097152,
// JSON: "group_size": 2,
// JSON: "kind": "all-gather",
// JSON: "num_groups": 2,
// JSON: "kind": "collective-permute",
// JSON: "max_link_bytes": 2097152,
// JSON: "topology": "generic:4:wrap=0",
