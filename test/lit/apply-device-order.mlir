// RUN: aoizora-opt %s --split-input-file --az-apply-device-order='order=0,2,1,3' | FileCheck %s
//
// Applying a permutation and then its inverse gives back the input exactly.
// RUN: aoizora-opt %s --split-input-file -o %t.orig.mlir
// RUN: aoizora-opt %s --split-input-file --pass-pipeline='builtin.module(az-apply-device-order{order=3,0,1,2},az-apply-device-order{order=1,2,3,0})' -o %t.back.mlir
// RUN: diff %t.orig.mlir %t.back.mlir

// The device that had id i gets id order[i]: an iota mesh gains device_ids,
// HLO strings and collective groups are relabelled the same way, and
// shardings that refer to the mesh by name are untouched.
// CHECK-LABEL: module @shardy_and_collectives
// CHECK: "sdy.mesh"() <{mesh = #sdy.mesh<["a"=2, "b"=2], device_ids=[0, 2, 1, 3]>, sym_name = "mesh"}>
// CHECK: mhlo.sharding = "{devices=[2,2]<=[2,2]T(1,0)}"
// CHECK-SAME: sdy.sharding = #sdy.sharding<@mesh, [{"a"}, {"b"}]>
// CHECK: replica_groups = dense<{{\[}}[0, 2], [1, 3]]>
// CHECK: source_target_pairs = dense<{{\[}}[0, 2], [2, 1], [1, 3], [3, 0]]>
"builtin.module"() <{sym_name = "shardy_and_collectives"}> ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["a"=2, "b"=2]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"a"}, {"b"}]>, mhlo.sharding = "{devices=[2,2]<=[4]}"}], function_type = (tensor<4x4xf32>) -> tensor<4x4xf32>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<4x4xf32>):
    %0 = "stablehlo.all_gather"(%arg0) <{all_gather_dim = 0 : i64, channel_handle = #stablehlo.channel_handle<handle = 1, type = 1>, replica_groups = dense<[[0, 1], [2, 3]]> : tensor<2x2xi64>, use_global_device_ids}> : (tensor<4x4xf32>) -> tensor<8x4xf32>
    %1 = "stablehlo.collective_permute"(%arg0) <{channel_handle = #stablehlo.channel_handle<handle = 2, type = 1>, source_target_pairs = dense<[[0, 1], [1, 2], [2, 3], [3, 0]]> : tensor<4x2xi64>}> : (tensor<4x4xf32>) -> tensor<4x4xf32>
    "func.return"(%1) : (tensor<4x4xf32>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 4 : i32, mhlo.num_replicas = 1 : i32} : () -> ()

// -----

// Explicit mesh device_ids are composed with the permutation; a result that
// is iota again is dropped, as Shardy prints it. Inline meshes, maximal
// meshes, {maximal device=N}, explicit lists and the round-trip strings in
// mhlo.frontend_attributes follow.
// CHECK-LABEL: module @all_forms
// CHECK-SAME: xla.sdy.meshes = "{rt = #sdy.mesh<[\22r\22=2, \22s\22=2], device_ids=[0, 2, 1, 3]>}"
// CHECK: "sdy.mesh"() <{mesh = #sdy.mesh<["x"=4]>, sym_name = "mesh"}>
// CHECK: "sdy.mesh"() <{mesh = #sdy.mesh<[], device_ids=[2]>, sym_name = "maximal_mesh_1"}>
// CHECK: sdy.sharding = #sdy.sharding<mesh<["y"=2, "z"=2], device_ids=[0, 2, 1, 3]>, [{"y"}, {}]>
// CHECK: mhlo.sharding = "{maximal device=2}"
// CHECK: mhlo.sharding = "{devices=[4]0,3,2,1}"
// CHECK: xla.sdy.sharding = "#sdy.sharding<mesh<[\22y\22=4], device_ids=[0, 2, 1, 3]>, [{\22y\22}]>"
"builtin.module"() <{sym_name = "all_forms"}> ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=4], device_ids=[0, 2, 1, 3]>, sym_name = "mesh"}> : () -> ()
  "sdy.mesh"() <{mesh = #sdy.mesh<[], device_ids=[1]>, sym_name = "maximal_mesh_1"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<mesh<["y"=2, "z"=2]>, [{"y"}, {}]>}, {mhlo.sharding = "{maximal device=1}"}, {mhlo.sharding = "{devices=[4]0,3,1,2}"}, {mhlo.frontend_attributes = {xla.sdy.sharding = "#sdy.sharding<mesh<[\22y\22=4]>, [{\22y\22}]>"}}], function_type = (tensor<4x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<4x4xf32>, %arg1: tensor<4xf32>, %arg2: tensor<4xf32>, %arg3: tensor<4xf32>):
    "func.return"() : () -> ()
  }) : () -> ()
}) {mhlo.frontend_attributes = {xla.sdy.meshes = "{rt = #sdy.mesh<[\22r\22=2, \22s\22=2]>}"}, mhlo.num_partitions = 4 : i32} : () -> ()
