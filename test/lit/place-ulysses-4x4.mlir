// RUN: aoizora-opt %s --az-place='topology=v5e:4x4' -o %t.mlir 2>&1 | FileCheck %s
// RUN: aoizora-opt %t.mlir --az-inspect-shardings -o /dev/null
//
// A Ulysses + CFG step on 16 devices (mesh cfg=2, sp=8; logical id
// 8*cfg + sp): two all-to-alls over sp per attention (q/k/v in, output out)
// and the CFG all-gather over pairs. On v5e:4x4 the module order puts the
// sp groups on two 4x2 halves of the grid; whatever the search finds, the
// module order is one of its candidates, so the plan is never slower
// (a ratio of at least 1.00).
// CHECK: remark: placement #1:
// CHECK: remark: baseline module order: {{.*}}; the plan is {{[1-9][0-9]*\.[0-9][0-9]}}x faster on v5e:4x4:wrap=0,0
"builtin.module"() <{sym_name = "ulysses_cfg"}> ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["cfg"=2, "sp"=8]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"cfg"}, {"sp"}, {}]>}], function_type = (tensor<2x32768x5120xbf16>) -> tensor<2x32768x5120xbf16>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<2x32768x5120xbf16>):
    %0 = "sdy.manual_computation"(%arg0) <{in_shardings = #sdy.sharding_per_value<[<@mesh, [{"cfg"}, {"sp"}, {}]>]>, manual_axes = #sdy<manual_axes{"cfg", "sp"}>, out_shardings = #sdy.sharding_per_value<[<@mesh, [{"cfg"}, {"sp"}, {}]>]>}> ({
    ^bb0(%x: tensor<1x4096x5120xbf16>):
      %1 = "stablehlo.all_to_all"(%x) <{channel_handle = #stablehlo.channel_handle<handle = 1, type = 1>, concat_dimension = 1 : i64, replica_groups = dense<[[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14, 15]]> : tensor<2x8xi64>, split_count = 8 : i64, split_dimension = 2 : i64}> : (tensor<1x4096x5120xbf16>) -> tensor<1x32768x640xbf16>
      %2 = "stablehlo.all_to_all"(%1) <{channel_handle = #stablehlo.channel_handle<handle = 2, type = 1>, concat_dimension = 2 : i64, replica_groups = dense<[[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14, 15]]> : tensor<2x8xi64>, split_count = 8 : i64, split_dimension = 1 : i64}> : (tensor<1x32768x640xbf16>) -> tensor<1x4096x5120xbf16>
      %3 = "stablehlo.all_gather"(%2) <{all_gather_dim = 0 : i64, channel_handle = #stablehlo.channel_handle<handle = 3, type = 1>, replica_groups = dense<[[0, 8], [1, 9], [2, 10], [3, 11], [4, 12], [5, 13], [6, 14], [7, 15]]> : tensor<8x2xi64>, use_global_device_ids}> : (tensor<1x4096x5120xbf16>) -> tensor<2x4096x5120xbf16>
      %4 = "stablehlo.slice"(%3) <{limit_indices = array<i64: 1, 4096, 5120>, start_indices = array<i64: 0, 0, 0>, strides = array<i64: 1, 1, 1>}> : (tensor<2x4096x5120xbf16>) -> tensor<1x4096x5120xbf16>
      "sdy.return"(%4) : (tensor<1x4096x5120xbf16>) -> ()
    }) : (tensor<2x32768x5120xbf16>) -> tensor<2x32768x5120xbf16>
    "func.return"(%0) : (tensor<2x32768x5120xbf16>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 16 : i32, mhlo.num_replicas = 1 : i32} : () -> ()
