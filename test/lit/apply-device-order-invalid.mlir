// RUN: aoizora-opt %s --split-input-file --verify-diagnostics --az-apply-device-order='order=1,0' -o /dev/null

// A module that reads its own device id would compute something else.
"builtin.module"() ({
  "func.func"() <{function_type = () -> tensor<ui32>, sym_name = "main"}> ({
    // expected-error@+1 {{cannot relabel devices: 'stablehlo.partition_id' reads the executing device's id}}
    %0 = "stablehlo.partition_id"() : () -> tensor<ui32>
    "func.return"(%0) : (tensor<ui32>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 2 : i32} : () -> ()

// -----

"builtin.module"() ({
  "func.func"() <{function_type = () -> tensor<ui32>, sym_name = "main"}> ({
    // expected-error@+1 {{cannot relabel devices: 'stablehlo.replica_id' reads the executing device's id}}
    %0 = "stablehlo.replica_id"() : () -> tensor<ui32>
    "func.return"(%0) : (tensor<ui32>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 2 : i32} : () -> ()

// -----

// Meshes over different numbers of devices cannot share one order.
"builtin.module"() ({
  // expected-note@+1 {{mesh @small declared here}}
  "sdy.mesh"() <{mesh = #sdy.mesh<["a"=2]>, sym_name = "small"}> : () -> ()
  // expected-error@+1 {{cannot relabel devices: mesh @big has 4 devices but mesh @small has 2 devices; one device order cannot apply to both}}
  "sdy.mesh"() <{mesh = #sdy.mesh<["a"=4]>, sym_name = "big"}> : () -> ()
}) : () -> ()

// -----

// An order of the wrong length.
// expected-error@+1 {{invalid device order: the module has 4 devices but the order lists 2}}
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["a"=4]>, sym_name = "mesh"}> : () -> ()
}) : () -> ()
