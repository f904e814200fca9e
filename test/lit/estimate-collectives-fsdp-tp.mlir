// RUN: aoizora-opt %s --az-estimate-collectives='topology=v5e:2x4' -o /dev/null 2>&1 | FileCheck %s --check-prefix=DEFAULT
// RUN: aoizora-opt %s --az-estimate-collectives='topology=v5e:2x4 device-order=0,2,4,6,1,3,5,7' -o /dev/null 2>&1 | FileCheck %s --check-prefix=ALIGNED
//
// Mirrors ttmlir/e2e_fsdp_tp_shardy.mlir in ../shared/examples: a JAX
// shard_map FSDP + tensor-parallel MLP on mesh x=2, y=4 with explicit
// collectives (generic form, use_global_device_ids). Logical device
// d = 4*x + y.
//
// v5e:2x4 is an open 2x4 mesh; by default device d sits on chip
// (d mod 2, d div 2), and a link carries W = 4.5e10 B/s per direction with
// 1 us per hop. The calibrated defaults add F = 2.7 us per collective and
// run links at 0.95 W = 4.275e10 B/s (docs/cost-model.md, Calibration).
//
// all_gather over x ({0,4},{1,5},{2,6},{3,7}), 98x128xf32 -> 196x128xf32:
// 100352 B gathered per device, 50176 B sent each way per pair.
//  * Default order: {0,4} sits on chips (0,0),(0,2) and {2,6} on (0,1),(0,3),
//    two hops apart along y; both pairs cross the link (0,1)->(0,2), which
//    carries 2 * 50176 = 100352 B (98.00 KiB):
//    2.7 + 100352 / 4.275e10 + 2 hops * 1 us = 2.7 + 2.347 + 2 = 7.047 us.
//  * device-order=0,2,4,6,1,3,5,7 puts device 4x+y on chip (x, y): each pair
//    becomes x-neighbours, 50176 B per link (49.00 KiB):
//    2.7 + 50176 / 4.275e10 + 1 us = 2.7 + 1.174 + 1 = 4.874 us.
// DEFAULT: all-gather: 4 groups of 2, 98.00 KiB per device, 7.047 us (max link load 98.00 KiB on chip (0,1) +y)
// ALIGNED: all-gather: 4 groups of 2, 98.00 KiB per device, 4.874 us (max link load 49.00 KiB on chip (0,0) +x)
//
// reduce_scatter over y ({0,1,2,3},{4,5,6,7}), 16x128xf32 = 8192 B input.
// Aligned, each group is an open line of 4 chips along y. An open line runs
// the line algorithm: N-1 = 3 steps of one hop, and the busiest link carries
// (N-1)/N * B = 6144 B (docs/cost-model.md):
//   2.7 + 6144 / 4.275e10 + 3 * 1 us = 2.7 + 0.144 + 3 = 5.844 us.
// (With messages this small, latency dominates: the default order, where the
// y group forms a 2x2 block priced in two phases, is faster here.)
// DEFAULT: reduce-scatter: 2 groups of 4
// ALIGNED: reduce-scatter: 2 groups of 4, 8.00 KiB per device, 5.844 us (max link load 6.00 KiB on chip (0,1) -y)
// DEFAULT: all-reduce: 2 groups of 4
// DEFAULT: 3 collectives on v5e:2x4:wrap=0,0: total
// ALIGNED: 3 collectives on v5e:2x4:wrap=0,0: total
"builtin.module"() <{sym_name = "jit_loss_fsdp_tp"}> ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=2, "y"=4]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{function_type = (tensor<784x128xf32>, tensor<32x784xf32>) -> tensor<32x128xf32>, sym_name = "main", sym_visibility = "public"}> ({
  ^bb0(%arg0: tensor<784x128xf32>, %arg1: tensor<32x784xf32>):
    %0 = "sdy.manual_computation"(%arg0, %arg1) <{in_shardings = #sdy.sharding_per_value<[<@mesh, [{"y", "x"}, {}]>, <@mesh, [{"x"}, {"y"}]>]>, manual_axes = #sdy<manual_axes{"x", "y"}>, out_shardings = #sdy.sharding_per_value<[<@mesh, [{"x"}, {"y"}]>]>}> ({
    ^bb0(%w: tensor<98x128xf32>, %x: tensor<16x196xf32>):
      %1 = "stablehlo.all_gather"(%w) <{all_gather_dim = 0 : i64, channel_handle = #stablehlo.channel_handle<handle = 1, type = 1>, replica_groups = dense<[[0, 4], [1, 5], [2, 6], [3, 7]]> : tensor<4x2xi64>, use_global_device_ids}> : (tensor<98x128xf32>) -> tensor<196x128xf32>
      %2 = "stablehlo.dot_general"(%x, %1) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [0]>}> : (tensor<16x196xf32>, tensor<196x128xf32>) -> tensor<16x128xf32>
      %3 = "stablehlo.reduce_scatter"(%2) <{channel_handle = #stablehlo.channel_handle<handle = 3, type = 1>, replica_groups = dense<[[0, 1, 2, 3], [4, 5, 6, 7]]> : tensor<2x4xi64>, scatter_dimension = 1 : i64, use_global_device_ids}> ({
      ^bb1(%a: tensor<f32>, %b: tensor<f32>):
        %s = "stablehlo.add"(%a, %b) : (tensor<f32>, tensor<f32>) -> tensor<f32>
        "stablehlo.return"(%s) : (tensor<f32>) -> ()
      }) : (tensor<16x128xf32>) -> tensor<16x32xf32>
      %4 = "stablehlo.all_reduce"(%3) <{channel_handle = #stablehlo.channel_handle<handle = 19, type = 1>, replica_groups = dense<[[0, 1, 2, 3], [4, 5, 6, 7]]> : tensor<2x4xi64>, use_global_device_ids}> ({
      ^bb1(%a: tensor<f32>, %b: tensor<f32>):
        %s = "stablehlo.add"(%a, %b) : (tensor<f32>, tensor<f32>) -> tensor<f32>
        "stablehlo.return"(%s) : (tensor<f32>) -> ()
      }) : (tensor<16x32xf32>) -> tensor<16x32xf32>
      "sdy.return"(%4) : (tensor<16x32xf32>) -> ()
    }) : (tensor<784x128xf32>, tensor<32x784xf32>) -> tensor<32x128xf32>
    "func.return"(%0) : (tensor<32x128xf32>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 8 : i32, mhlo.num_replicas = 1 : i32} : () -> ()
