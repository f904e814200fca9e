// RUN: aoizora-opt %s --split-input-file --verify-diagnostics --az-inspect-shardings -o /dev/null

// Malformed sharding text.
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["a"=2]>, sym_name = "mesh"}> : () -> ()
  // expected-error@+1 {{invalid sharding on argument #0 of @main: expected '}' at column 27 in '#sdy.sharding<@mesh, [{"a" "b"}]>'}}
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"a" "b"}]>}], function_type = (tensor<2xf32>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<2xf32>):
    "func.return"() : () -> ()
  }) : () -> ()
}) : () -> ()

// -----

// device_ids that are not a permutation of iota(product(axes)).
"builtin.module"() ({
  // expected-error@+1 {{invalid mesh @mesh in sdy.mesh: sorted device ids must be iota(product(axes)), got: 0, 0, 1, 2}}
  "sdy.mesh"() <{mesh = #sdy.mesh<["a"=2, "b"=2], device_ids=[0, 0, 1, 2]>, sym_name = "mesh"}> : () -> ()
}) : () -> ()

// -----

// Axis sizes that disagree with mhlo.num_partitions.
"builtin.module"() ({
  // expected-error@+1 {{mesh @mesh has 8 devices but the module's mhlo.num_partitions is 4}}
  "sdy.mesh"() <{mesh = #sdy.mesh<["a"=2, "b"=4]>, sym_name = "mesh"}> : () -> ()
}) {mhlo.num_partitions = 4 : i32} : () -> ()

// -----

// A sharding that names a mesh the module does not define.
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["a"=2]>, sym_name = "mesh"}> : () -> ()
  // expected-error@+1 {{unknown mesh @other in argument #0 of @main ('#sdy.sharding<@other, [{"a"}]>')}}
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@other, [{"a"}]>}], function_type = (tensor<2xf32>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<2xf32>):
    "func.return"() : () -> ()
  }) : () -> ()
}) : () -> ()

// -----

// A Shardy sharding of the wrong rank.
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["a"=2]>, sym_name = "mesh"}> : () -> ()
  // expected-error@+1 {{invalid sharding '#sdy.sharding<@mesh, [{"a"}, {}]>' on argument #0 of @main of type tensor<2xf32>: sharding doesn't match tensor rank: 2 != 1}}
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"a"}, {}]>}], function_type = (tensor<2xf32>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<2xf32>):
    "func.return"() : () -> ()
  }) : () -> ()
}) : () -> ()

// -----

// An HLO sharding of the wrong rank.
"builtin.module"() ({
  // expected-error@+1 {{mhlo.sharding '{devices=[2,1]<=[2]}' on argument #0 of @main tiles 2 dimensions but the value has rank 1}}
  "func.func"() <{arg_attrs = [{mhlo.sharding = "{devices=[2,1]<=[2]}"}], function_type = (tensor<2xf32>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<2xf32>):
    "func.return"() : () -> ()
  }) : () -> ()
}) : () -> ()

// -----

// Malformed HLO sharding text.
"builtin.module"() ({
  // expected-error@+1 {{invalid mhlo.sharding on argument #0 of @main: iota has 5 devices but the tile dims need 4 at column 1 in '{devices=[2,2]<=[5]}'}}
  "func.func"() <{arg_attrs = [{mhlo.sharding = "{devices=[2,2]<=[5]}"}], function_type = (tensor<2x2xf32>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<2x2xf32>):
    "func.return"() : () -> ()
  }) : () -> ()
}) : () -> ()

// -----

// An HLO sharding over more devices than the module has.
"builtin.module"() ({
  // expected-error@+1 {{mhlo.sharding '{devices=[8]<=[8]}' has 8 devices but the module's mhlo.num_partitions is 4}}
  "func.func"() <{arg_attrs = [{mhlo.sharding = "{devices=[8]<=[8]}"}], function_type = (tensor<8xf32>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<8xf32>):
    "func.return"() : () -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 4 : i32} : () -> ()

// -----

// A sharding-per-value with the wrong number of entries.
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["a"=2]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{function_type = (tensor<2xf32>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<2xf32>):
    // expected-error@+1 {{'sdy.sharding' of 'stablehlo.add' has 2 shardings for 1 values}}
    %0 = "stablehlo.add"(%arg0, %arg0) {sdy.sharding = #sdy.sharding_per_value<[<@mesh, [{"a"}]>, <@mesh, [{}]>]>} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    "func.return"() : () -> ()
  }) : () -> ()
}) : () -> ()

// -----

// Collective device groups must name existing devices.
"builtin.module"() ({
  "func.func"() <{function_type = (tensor<2xf32>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<2xf32>):
    // expected-error@+1 {{'source_target_pairs' names device 5 but the module has 2 devices}}
    %0 = "stablehlo.collective_permute"(%arg0) <{source_target_pairs = dense<[[0, 5]]> : tensor<1x2xi64>}> : (tensor<2xf32>) -> tensor<2xf32>
    "func.return"() : () -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 2 : i32} : () -> ()

// -----

// A malformed round-trip mesh dictionary.
// expected-error@+1 {{invalid xla.sdy.meshes string '{mesh #sdy.mesh<[]>}': expected '{name = #sdy.mesh<...>, ...}'}}
"builtin.module"() ({
  "func.func"() <{function_type = () -> (), sym_name = "main"}> ({
    "func.return"() : () -> ()
  }) : () -> ()
}) {mhlo.frontend_attributes = {xla.sdy.meshes = "{mesh #sdy.mesh<[]>}"}} : () -> ()
