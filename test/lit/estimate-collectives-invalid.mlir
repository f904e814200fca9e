// Bad topology input is reported, naming what is wrong.
// RUN: not aoizora-opt %s --az-estimate-collectives -o /dev/null 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not aoizora-opt %s --az-estimate-collectives='topology=v5e:3x3' -o /dev/null 2>&1 | FileCheck %s --check-prefix=SHAPE
// RUN: not aoizora-opt %s --az-estimate-collectives='topology=v9z:4x4' -o /dev/null 2>&1 | FileCheck %s --check-prefix=GEN
// RUN: not aoizora-opt %s --az-estimate-collectives='topology=v5e:2x4' -o /dev/null 2>&1 | FileCheck %s --check-prefix=COUNT
// RUN: not aoizora-opt %s --az-estimate-collectives='topology=v5e:2x2 topology-file=%t.missing.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=FILE
// RUN: echo '[{"id": 0, "coords": [0, 0, 0]}, {"id": 0, "coords": [1, 0, 0]}, {"id": 2, "coords": [0, 1, 0]}, {"id": 3, "coords": [1, 1, 0]}]' > %t.dup.json
// RUN: not aoizora-opt %s --az-estimate-collectives='topology=v5e:2x2 topology-file=%t.dup.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=DUP
// RUN: not aoizora-opt %s --az-estimate-collectives='topology=v5e:2x2 device-order=0,1,1,3' -o /dev/null 2>&1 | FileCheck %s --check-prefix=ORDER

// MISSING: error: az-estimate-collectives needs a 'topology', e.g. topology=v5e:4x4
// SHAPE: error: invalid topology 'v5e:3x3': '3x3' is not a supported v5e slice shape
// GEN: error: invalid topology 'v9z:4x4': unknown TPU generation 'v9z'
// COUNT: error: topology v5e:2x4:wrap=0,0 has 8 devices but the module runs on 4 (from its meshes, mhlo.num_partitions x mhlo.num_replicas, or the device ids of its collectives)
// FILE: error: cannot read topology file '{{.*}}missing.json'
// DUP: error: {{.*}}dup.json: device entry #1 (id 0) repeats id 0
// ORDER: error: invalid device order: device id 1 appears twice, so the order is not a permutation
"builtin.module"() ({
  "func.func"() <{function_type = (tensor<4xf32>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<4xf32>):
    %0 = "stablehlo.all_reduce"(%arg0) <{replica_groups = dense<[[0, 1, 2, 3]]> : tensor<1x4xi64>}> ({
    ^bb1(%a: tensor<f32>, %b: tensor<f32>):
      "stablehlo.return"(%a) : (tensor<f32>) -> ()
    }) : (tensor<4xf32>) -> tensor<4xf32>
    "func.return"() : () -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 4 : i32} : () -> ()
