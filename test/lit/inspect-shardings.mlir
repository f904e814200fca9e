// RUN: aoizora-opt %s --split-input-file --verify-diagnostics --az-inspect-shardings -o /dev/null

// Shardy: a named mesh, function argument/result shardings, a sharding
// constraint, a per-value op sharding and a manual computation.
"builtin.module"() ({
  // expected-remark@+1 {{mesh @mesh = #sdy.mesh<["a"=2, "b"=4]> (8 devices, from sdy.mesh)}}
  "sdy.mesh"() <{mesh = #sdy.mesh<["a"=2, "b"=4]>, sym_name = "mesh"}> : () -> ()
  // expected-remark@+2 {{argument #0 of @main: sdy #sdy.sharding<@mesh, [{"a"}, {}]>, hlo {devices=[2,1,4]<=[8] last_tile_dim_replicate}, 2 tiles}}
  // expected-remark@+1 {{result #0 of @main: sdy #sdy.sharding<@mesh, [{"b"}, {"a"}]>, hlo {devices=[4,2]<=[2,4]T(1,0)}, 8 tiles}}
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"a"}, {}]>}], function_type = (tensor<8x8xf32>) -> tensor<8x8xf32>, res_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"b"}, {"a"}]>}], sym_name = "main"}> ({
  ^bb0(%arg0: tensor<8x8xf32>):
    // expected-remark@+1 {{result #0 of 'sdy.sharding_constraint': sdy #sdy.sharding<@mesh, [{"a", "b"}, {?}]>, hlo {devices=[8,1]<=[8]}, 8 tiles}}
    %0 = "sdy.sharding_constraint"(%arg0) <{sharding = #sdy.sharding<@mesh, [{"a", "b"}, {?}]>}> : (tensor<8x8xf32>) -> tensor<8x8xf32>
    // expected-remark@+1 {{result #0 of 'stablehlo.add': sdy #sdy.sharding<@mesh, [{}, {"b"}]>, hlo {devices=[1,4,2]<=[2,4]T(1,0) last_tile_dim_replicate}, 4 tiles}}
    %1 = "stablehlo.add"(%0, %0) {sdy.sharding = #sdy.sharding_per_value<[<@mesh, [{}, {"b"}]>]>} : (tensor<8x8xf32>, tensor<8x8xf32>) -> tensor<8x8xf32>
    // expected-remark@+2 {{operand #0 of 'sdy.manual_computation': sdy #sdy.sharding<@mesh, [{"a"}, {}]>, hlo {devices=[2,1,4]<=[8] last_tile_dim_replicate}, 2 tiles}}
    // expected-remark@+1 {{result #0 of 'sdy.manual_computation': sdy #sdy.sharding<@mesh, [{"a"}, {}]>, hlo {devices=[2,1,4]<=[8] last_tile_dim_replicate}, 2 tiles}}
    %2 = "sdy.manual_computation"(%1) <{in_shardings = #sdy.sharding_per_value<[<@mesh, [{"a"}, {}]>]>, manual_axes = #sdy<manual_axes{"a"}>, out_shardings = #sdy.sharding_per_value<[<@mesh, [{"a"}, {}]>]>}> ({
    ^bb0(%arg1: tensor<4x8xf32>):
      "sdy.return"(%arg1) : (tensor<4x8xf32>) -> ()
    }) : (tensor<8x8xf32>) -> tensor<8x8xf32>
    "func.return"(%2) : (tensor<8x8xf32>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 8 : i32, mhlo.num_replicas = 1 : i32} : () -> ()

// -----

// GSPMD strings on arguments and on custom_call @Sharding.
"builtin.module"() ({
  // expected-remark@+3 {{argument #0 of @main: hlo {devices=[2,4]<=[8]}, 8 tiles}}
  // expected-remark@+2 {{argument #1 of @main: hlo {replicated}, 1 tile}}
  // expected-remark@+1 {{argument #2 of @main: hlo {maximal device=3}, 1 tile}}
  "func.func"() <{arg_attrs = [{mhlo.sharding = "{devices=[2,4]<=[8]}"}, {mhlo.sharding = "{replicated}"}, {mhlo.sharding = "{maximal device=3}"}], function_type = (tensor<8x8xf32>, tensor<8xf32>, tensor<8xf32>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<8x8xf32>, %arg1: tensor<8xf32>, %arg2: tensor<8xf32>):
    // expected-remark@+1 {{result #0 of 'stablehlo.custom_call': hlo {devices=[4,1,2]0,4,1,5,2,6,3,7 last_tile_dim_replicate}, 4 tiles}}
    %0 = "stablehlo.custom_call"(%arg0) <{call_target_name = "Sharding"}> {mhlo.sharding = "{devices=[4,1,2]0,4,1,5,2,6,3,7 last_tile_dim_replicate}"} : (tensor<8x8xf32>) -> tensor<8x8xf32>
    "func.return"() : () -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 8 : i32, mhlo.num_replicas = 1 : i32} : () -> ()

// -----

// The Shardy round-trip form: meshes and shardings as strings inside
// mhlo.frontend_attributes, with the printer's \22 escapes.
// expected-remark@+1 {{mesh @mesh = #sdy.mesh<["a"=2]> (2 devices, from xla.sdy.meshes)}}
"builtin.module"() ({
  // expected-remark@+2 {{argument #0 of @main (xla.sdy.sharding): sdy #sdy.sharding<@mesh, [{"a"}]>, hlo {devices=[2]<=[2]}, 2 tiles}}
  // expected-remark@+1 {{argument #0 of @main: hlo {devices=[2]<=[2]}, 2 tiles}}
  "func.func"() <{arg_attrs = [{mhlo.frontend_attributes = {xla.sdy.sharding = "#sdy.sharding<@mesh, [{\22a\22}]>"}, mhlo.sharding = "{devices=[2]<=[2]}"}], function_type = (tensor<2xf32>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<2xf32>):
    "func.return"() : () -> ()
  }) : () -> ()
}) {mhlo.frontend_attributes = {xla.sdy.meshes = "{mesh = #sdy.mesh<[\22a\22=2]>}"}, mhlo.num_partitions = 2 : i32} : () -> ()

// -----

// Maximal and inline meshes; an empty mesh replicates.
"builtin.module"() ({
  // expected-remark@+1 {{mesh @maximal_mesh_1 = #sdy.mesh<[], device_ids=[1]> (1 devices, from sdy.mesh)}}
  "sdy.mesh"() <{mesh = #sdy.mesh<[], device_ids=[1]>, sym_name = "maximal_mesh_1"}> : () -> ()
  // expected-remark@+1 {{mesh @empty_mesh = #sdy.mesh<[]> (1 devices, from sdy.mesh)}}
  "sdy.mesh"() <{mesh = #sdy.mesh<[]>, sym_name = "empty_mesh"}> : () -> ()
  // expected-remark@+3 {{argument #0 of @main: sdy #sdy.sharding<@maximal_mesh_1, []>, hlo {maximal device=1}, 1 tile}}
  // expected-remark@+2 {{argument #1 of @main: sdy #sdy.sharding<mesh<["x"=2], device_ids=[1, 0]>, [{"x"}]>, hlo {devices=[2]1,0}, 2 tiles}}
  // expected-remark@+1 {{argument #2 of @main: sdy #sdy.sharding<@empty_mesh, [{}]>, hlo {replicated}, 1 tile}}
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@maximal_mesh_1, []>}, {sdy.sharding = #sdy.sharding<mesh<["x"=2], device_ids=[1, 0]>, [{"x"}]>}, {sdy.sharding = #sdy.sharding<@empty_mesh, [{}]>}], function_type = (tensor<f32>, tensor<4xf32>, tensor<4xf32>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<f32>, %arg1: tensor<4xf32>, %arg2: tensor<4xf32>):
    "func.return"() : () -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 2 : i32} : () -> ()

// -----

// The round-trip form of a manual computation: its shardings ride on the
// @xla.sdy.GlobalToLocalShape / @xla.sdy.LocalToGlobalShape custom calls.
// expected-remark@+1 {{mesh @mesh = #sdy.mesh<["x"=2]> (2 devices, from xla.sdy.meshes)}}
"builtin.module"() ({
  "func.func"() <{function_type = (tensor<4x8xf32>) -> tensor<4x8xf32>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<4x8xf32>):
    // expected-remark@+1 {{operand #0 of 'stablehlo.custom_call' (xla.sdy.in_shardings): sdy #sdy.sharding<@mesh, [{"x"}, {}]>, hlo {devices=[2,1]<=[2]}, 2 tiles}}
    %0 = "stablehlo.custom_call"(%arg0) <{call_target_name = "xla.sdy.GlobalToLocalShape"}> {mhlo.frontend_attributes = {xla.sdy.in_shardings = "#sdy.sharding_per_value<[<@mesh, [{\22x\22}, {}]>]>", xla.sdy.manual_axes = "#sdy<manual_axes{\22x\22}>"}} : (tensor<4x8xf32>) -> tensor<2x8xf32>
    // expected-remark@+1 {{result #0 of 'stablehlo.custom_call' (xla.sdy.out_shardings): sdy #sdy.sharding<@mesh, [{"x"}, {}]>, hlo {devices=[2,1]<=[2]}, 2 tiles}}
    %1 = "stablehlo.custom_call"(%0) <{call_target_name = "xla.sdy.LocalToGlobalShape"}> {mhlo.frontend_attributes = {xla.sdy.out_shardings = "#sdy.sharding_per_value<[<@mesh, [{\22x\22}, {}]>]>"}} : (tensor<2x8xf32>) -> tensor<4x8xf32>
    "func.return"(%1) : (tensor<4x8xf32>) -> ()
  }) : () -> ()
}) {mhlo.frontend_attributes = {xla.sdy.meshes = "{mesh = #sdy.mesh<[\22x\22=2]>}"}, mhlo.num_partitions = 2 : i32} : () -> ()
