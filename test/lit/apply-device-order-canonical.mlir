// RUN: aoizora-opt %s --split-input-file --az-apply-device-order='order=1,0,3,2' | FileCheck %s
//
// An HLO string whose relabelled device array is an iota transpose is
// printed in the canonical iota form, also when it was written as an
// explicit list. This is the one case where applying the inverse order does
// not restore the input text: {devices=[2,1,2]0,2,1,3 ...} and
// {devices=[2,1,2]<=[2,2]T(1,0) ...} relabel to the same sharding, so no
// rule could return both (docs/architecture.md, "Device relabelling").

// CHECK-LABEL: func.func @main
// CHECK-SAME: mhlo.sharding = "{devices=[2,1,2]<=[2,2]T(1,0) last_tile_dim_replicate}"
// CHECK-SAME: mhlo.sharding = "{devices=[2,2]<=[4]}"
// An explicit list whose relabelled array is no iota transpose stays a
// list, with each replication group sorted as XLA keeps it.
// CHECK-SAME: mhlo.sharding = "{devices=[2,1,2]0,3,1,2 last_tile_dim_replicate}"
"builtin.module"() ({
  "func.func"() <{arg_attrs = [{mhlo.sharding = "{devices=[2,1,2]1,3,0,2 last_tile_dim_replicate}"}, {mhlo.sharding = "{devices=[2,2]1,0,3,2}"}, {mhlo.sharding = "{devices=[2,1,2]1,2,0,3 last_tile_dim_replicate}"}], function_type = (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<4x4xf32>, %arg1: tensor<4x4xf32>, %arg2: tensor<4x4xf32>):
    "func.return"() : () -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 4 : i32} : () -> ()
