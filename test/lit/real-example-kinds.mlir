// RUN: aoizora-opt %s --split-input-file --verify-diagnostics --az-inspect-shardings -o /dev/null
//
// Generic-form fixtures written for AoiZora with the same kinds of
// annotations as the real JAX / tt-mlir files in ../shared/examples (those are
// in custom form, which needs the sdy/stablehlo dialects to parse). Each
// chunk names the file it mirrors.

// jax_backcompat/tpu_Sharding__data_2025_06_30_shardy.mlir: shard_map with a
// ppermute under Shardy.
"builtin.module"() <{sym_name = "jit_func"}> ({
  // expected-remark@+1 {{mesh @mesh = #sdy.mesh<["a"=2]> (2 devices, from sdy.mesh)}}
  "sdy.mesh"() <{mesh = #sdy.mesh<["a"=2]>, sym_name = "mesh"}> : () -> ()
  // expected-remark@+2 {{argument #0 of @main: sdy #sdy.sharding<@mesh, [{"a"}, {}]>, hlo {devices=[2,1]<=[2]}, 2 tiles}}
  // expected-remark@+1 {{result #0 of @main: sdy #sdy.sharding<@mesh, [{"a"}, {}]>, hlo {devices=[2,1]<=[2]}, 2 tiles}}
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"a"}, {}]>}], function_type = (tensor<2x4xf32>) -> tensor<2x4xf32>, res_attrs = [{jax.result_info = "result", sdy.sharding = #sdy.sharding<@mesh, [{"a"}, {}]>}], sym_name = "main", sym_visibility = "public"}> ({
  ^bb0(%arg0: tensor<2x4xf32>):
    // expected-remark@+2 {{operand #0 of 'sdy.manual_computation': sdy #sdy.sharding<@mesh, [{"a"}, {}]>, hlo {devices=[2,1]<=[2]}, 2 tiles}}
    // expected-remark@+1 {{result #0 of 'sdy.manual_computation': sdy #sdy.sharding<@mesh, [{"a"}, {}]>, hlo {devices=[2,1]<=[2]}, 2 tiles}}
    %0 = "sdy.manual_computation"(%arg0) <{in_shardings = #sdy.sharding_per_value<[<@mesh, [{"a"}, {}]>]>, manual_axes = #sdy<manual_axes{"a"}>, out_shardings = #sdy.sharding_per_value<[<@mesh, [{"a"}, {}]>]>}> ({
    ^bb0(%arg1: tensor<1x4xf32>):
      %1 = "stablehlo.collective_permute"(%arg1) <{channel_handle = #stablehlo.channel_handle<handle = 1, type = 0>, source_target_pairs = dense<[[0, 1], [1, 0]]> : tensor<2x2xi64>}> : (tensor<1x4xf32>) -> tensor<1x4xf32>
      "sdy.return"(%1) : (tensor<1x4xf32>) -> ()
    }) : (tensor<2x4xf32>) -> tensor<2x4xf32>
    "func.return"(%0) : (tensor<2x4xf32>) -> ()
  }) : () -> ()
}) {jax.uses_shape_polymorphism = false, mhlo.num_partitions = 2 : i32, mhlo.num_replicas = 1 : i32} : () -> ()

// -----

// jax_backcompat/tpu_Sharding__data_2025_06_30_gspmd.mlir: the same program
// under GSPMD: @Sharding / @SPMDFullToShardShape custom calls, a V1 device
// list, {manual}, a collective written with a discardable attribute
// dictionary, no mhlo.num_partitions.
"builtin.module"() <{sym_name = "jit_wrapped"}> ({
  // expected-remark@+1 {{argument #0 of @main: hlo {replicated}, 1 tile}}
  "func.func"() <{arg_attrs = [{jax.arg_info = "args[0]", mhlo.sharding = "{replicated}"}], function_type = (tensor<2x4xf32>) -> tensor<2x4xf32>, res_attrs = [{jax.result_info = ""}], sym_name = "main", sym_visibility = "public"}> ({
  ^bb0(%arg0: tensor<2x4xf32>):
    %0 = "func.call"(%arg0) <{callee = @wrapped}> : (tensor<2x4xf32>) -> tensor<2x4xf32>
    "func.return"(%0) : (tensor<2x4xf32>) -> ()
  }) : () -> ()
  "func.func"() <{function_type = (tensor<2x4xf32>) -> tensor<2x4xf32>, sym_name = "wrapped", sym_visibility = "private"}> ({
  ^bb0(%arg0: tensor<2x4xf32>):
    // expected-remark@+1 {{result #0 of 'stablehlo.custom_call': hlo {devices=[2,1]0,1}, 2 tiles}}
    %0 = "stablehlo.custom_call"(%arg0) <{call_target_name = "Sharding"}> {mhlo.sharding = "{devices=[2,1]0,1}"} : (tensor<2x4xf32>) -> tensor<2x4xf32>
    // expected-remark@+1 {{result #0 of 'stablehlo.custom_call': hlo {manual}, 2 tiles}}
    %1 = "stablehlo.custom_call"(%0) <{call_target_name = "SPMDFullToShardShape"}> {mhlo.sharding = "{manual}"} : (tensor<2x4xf32>) -> tensor<1x4xf32>
    %2 = "stablehlo.collective_permute"(%1) {channel_handle = #stablehlo.channel_handle<handle = 1, type = 1>, source_target_pairs = dense<[[0, 1], [1, 0]]> : tensor<2x2xi64>} : (tensor<1x4xf32>) -> tensor<1x4xf32>
    // expected-remark@+1 {{result #0 of 'stablehlo.custom_call': hlo {devices=[2,1]0,1}, 2 tiles}}
    %3 = "stablehlo.custom_call"(%2) <{call_target_name = "SPMDShardToFullShape"}> {mhlo.sharding = "{devices=[2,1]0,1}"} : (tensor<1x4xf32>) -> tensor<2x4xf32>
    "func.return"(%3) : (tensor<2x4xf32>) -> ()
  }) : () -> ()
}) : () -> ()

// -----

// jax_backcompat/annotate_data_placement__data_2025_04_07_*_shardy.mlir: the
// Shardy round-trip form of 2025-04 (meshes and shardings as strings in
// mhlo.frontend_attributes, xla.sdy.FuncResultSharding, memory kinds). A size-1
// axis shards nothing, so the conversion gives {replicated}; JAX wrote the
// equivalent {devices=[1]<=[1]} beside it.
// expected-remark@+1 {{mesh @mesh = #sdy.mesh<["a"=1]> (1 devices, from xla.sdy.meshes)}}
"builtin.module"() <{sym_name = "jit_func"}> ({
  // expected-remark@+3 {{argument #0 of @main (xla.sdy.sharding): sdy #sdy.sharding<@mesh, [{"a"}]>, hlo {replicated}, 1 tile}}
  // expected-remark@+2 {{argument #0 of @main: hlo {devices=[1]<=[1]}, 1 tile}}
  // expected-remark@+1 {{result #0 of @main: hlo {devices=[1]<=[1]}, 1 tile}}
  "func.func"() <{arg_attrs = [{mhlo.frontend_attributes = {xla.sdy.sharding = "#sdy.sharding<@mesh, [{\22a\22}]>"}, mhlo.memory_kind = "device", mhlo.sharding = "{devices=[1]<=[1]}"}], function_type = (tensor<1xf32>) -> tensor<1xf32>, res_attrs = [{jax.result_info = "result", mhlo.memory_kind = "pinned_host", mhlo.sharding = "{devices=[1]<=[1]}"}], sym_name = "main", sym_visibility = "public"}> ({
  ^bb0(%arg0: tensor<1xf32>):
    %0 = "stablehlo.custom_call"(%arg0) <{call_target_name = "annotate_device_placement", has_side_effect = true}> {mhlo.frontend_attributes = {_xla_buffer_placement = "pinned_host"}} : (tensor<1xf32>) -> tensor<1xf32>
    // expected-remark@+1 {{result #0 of 'stablehlo.custom_call' (xla.sdy.sharding): sdy #sdy.sharding<@mesh, [{"a"}]>, hlo {replicated}, 1 tile}}
    %1 = "stablehlo.custom_call"(%0) <{call_target_name = "xla.sdy.FuncResultSharding", has_side_effect = true}> {mhlo.frontend_attributes = {xla.sdy.sharding = "#sdy.sharding_per_value<[<@mesh, [{\22a\22}]>]>"}} : (tensor<1xf32>) -> tensor<1xf32>
    "func.return"(%1) : (tensor<1xf32>) -> ()
  }) : () -> ()
}) {jax.uses_shape_polymorphism = false, mhlo.frontend_attributes = {xla.sdy.meshes = "{mesh = #sdy.mesh<[\22a\22=1]>}"}, mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} : () -> ()

// -----

// jax_backcompat/annotate_data_placement__data_2025_04_07_*_gspmd.mlir:
// GSPMD maximal shardings.
"builtin.module"() <{sym_name = "jit_func"}> ({
  // expected-remark@+2 {{argument #0 of @main: hlo {maximal device=0}, 1 tile}}
  // expected-remark@+1 {{result #0 of @main: hlo {maximal device=0}, 1 tile}}
  "func.func"() <{arg_attrs = [{mhlo.memory_kind = "device", mhlo.sharding = "{maximal device=0}"}], function_type = (tensor<1xf32>) -> tensor<1xf32>, res_attrs = [{jax.result_info = "result", mhlo.memory_kind = "pinned_host", mhlo.sharding = "{maximal device=0}"}], sym_name = "main", sym_visibility = "public"}> ({
  ^bb0(%arg0: tensor<1xf32>):
    "func.return"(%arg0) : (tensor<1xf32>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} : () -> ()

// -----

// jax_backcompat/shardy_sharding_ops_with_different_meshes__data_2025_06_30.mlir
// and annotate_data_placement__data_2026_03_24_tpu_shardy.mlir: a sharding
// constraint feeding a manual computation.
"builtin.module"() <{sym_name = "jit_func"}> ({
  // expected-remark@+1 {{mesh @mesh = #sdy.mesh<["a"=2]> (2 devices, from sdy.mesh)}}
  "sdy.mesh"() <{mesh = #sdy.mesh<["a"=2]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{function_type = (tensor<2x4xf32>) -> tensor<2x4xf32>, res_attrs = [{jax.result_info = "result"}], sym_name = "main", sym_visibility = "public"}> ({
  ^bb0(%arg0: tensor<2x4xf32>):
    // expected-remark@+1 {{result #0 of 'sdy.sharding_constraint': sdy #sdy.sharding<@mesh, [{"a"}, {}]>, hlo {devices=[2,1]<=[2]}, 2 tiles}}
    %0 = "sdy.sharding_constraint"(%arg0) <{sharding = #sdy.sharding<@mesh, [{"a"}, {}]>}> : (tensor<2x4xf32>) -> tensor<2x4xf32>
    // expected-remark@+2 {{operand #0 of 'sdy.manual_computation': sdy #sdy.sharding<@mesh, [{"a"}, {}]>, hlo {devices=[2,1]<=[2]}, 2 tiles}}
    // expected-remark@+1 {{result #0 of 'sdy.manual_computation': sdy #sdy.sharding<@mesh, [{"a"}, {}]>, hlo {devices=[2,1]<=[2]}, 2 tiles}}
    %1 = "sdy.manual_computation"(%0) <{in_shardings = #sdy.sharding_per_value<[<@mesh, [{"a"}, {}]>]>, manual_axes = #sdy<manual_axes{"a"}>, out_shardings = #sdy.sharding_per_value<[<@mesh, [{"a"}, {}]>]>}> ({
    ^bb0(%arg1: tensor<1x4xf32>):
      %2 = "stablehlo.collective_permute"(%arg1) <{channel_handle = #stablehlo.channel_handle<handle = 1, type = 0>, source_target_pairs = dense<[[0, 1], [1, 0]]> : tensor<2x2xi64>}> : (tensor<1x4xf32>) -> tensor<1x4xf32>
      "sdy.return"(%2) : (tensor<1x4xf32>) -> ()
    }) : (tensor<2x4xf32>) -> tensor<2x4xf32>
    "func.return"(%1) : (tensor<2x4xf32>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 2 : i32, mhlo.num_replicas = 1 : i32} : () -> ()

// -----

// ttmlir/sdy_minimal_attn_manual.mlir: torch-xla output with an "_axis_0"
// mesh, Megatron-style weight shardings and an sdy.constant.
"builtin.module"() <{sym_name = "SyncTensorsGraph.66"}> ({
  // expected-remark@+1 {{mesh @mesh = #sdy.mesh<["_axis_0"=2]> (2 devices, from sdy.mesh)}}
  "sdy.mesh"() <{mesh = #sdy.mesh<["_axis_0"=2]>, sym_name = "mesh"}> : () -> ()
  // expected-remark@+3 {{argument #0 of @main: sdy #sdy.sharding<@mesh, [{}, {"_axis_0"}]>, hlo {devices=[1,2]<=[2]}, 2 tiles}}
  // expected-remark@+2 {{argument #1 of @main: sdy #sdy.sharding<@mesh, [{"_axis_0"}, {}]>, hlo {devices=[2,1]<=[2]}, 2 tiles}}
  // expected-remark@+1 {{argument #2 of @main: sdy #sdy.sharding<@mesh, [{}, {}, {}]>, hlo {replicated}, 1 tile}}
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{}, {"_axis_0"}]>}, {sdy.sharding = #sdy.sharding<@mesh, [{"_axis_0"}, {}]>}, {sdy.sharding = #sdy.sharding<@mesh, [{}, {}, {}]>}], function_type = (tensor<512x512xbf16>, tensor<512x512xbf16>, tensor<2x128x512xbf16>) -> tensor<2x128x512xbf16>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<512x512xbf16>, %arg1: tensor<512x512xbf16>, %arg2: tensor<2x128x512xbf16>):
    %0 = "sdy.constant"() <{value = dense<0.000000e+00> : tensor<bf16>}> : () -> tensor<bf16>
    %1 = "stablehlo.dot_general"(%arg2, %arg0) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [2], rhs_contracting_dimensions = [0]>}> : (tensor<2x128x512xbf16>, tensor<512x512xbf16>) -> tensor<2x128x512xbf16>
    "func.return"(%1) : (tensor<2x128x512xbf16>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 2 : i32, mhlo.num_replicas = 1 : i32, mhlo.use_auto_spmd_partitioning = false} : () -> ()

// -----

// ttmlir/ccl_ops_gspmd.mlir: rank-4 GSPMD shardings with iota transposes and
// partial replication on 8 devices.
"builtin.module"() <{sym_name = "jit_all_gather"}> ({
  // expected-remark@+3 {{argument #0 of @main: hlo {devices=[1,1,4,2]<=[2,4]T(1,0)}, 8 tiles}}
  // expected-remark@+2 {{argument #1 of @main: hlo {devices=[1,1,2,1,4]<=[8] last_tile_dim_replicate}, 2 tiles}}
  // expected-remark@+1 {{result #0 of @main: hlo {devices=[1,1,1,8]<=[8]}, 8 tiles}}
  "func.func"() <{arg_attrs = [{mhlo.sharding = "{devices=[1,1,4,2]<=[2,4]T(1,0)}"}, {mhlo.sharding = "{devices=[1,1,2,1,4]<=[8] last_tile_dim_replicate}"}], function_type = (tensor<1x1x8192x784xf32>, tensor<1x1x8192x784xf32>) -> tensor<1x1x8192x784xf32>, res_attrs = [{jax.result_info = "", mhlo.sharding = "{devices=[1,1,1,8]<=[8]}"}], sym_name = "main", sym_visibility = "public"}> ({
  ^bb0(%arg0: tensor<1x1x8192x784xf32>, %arg1: tensor<1x1x8192x784xf32>):
    "func.return"(%arg0) : (tensor<1x1x8192x784xf32>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 8 : i32, mhlo.num_replicas = 1 : i32} : () -> ()
