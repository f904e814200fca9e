// Option errors of az-apply-device-order, each named precisely.
// RUN: not aoizora-opt %s --az-apply-device-order -o /dev/null 2>&1 | FileCheck %s --check-prefix=NONE
// RUN: not aoizora-opt %s --az-apply-device-order='order=0,1 plan-file=%t.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=NONE
// RUN: not aoizora-opt %s --az-apply-device-order='order=0,x' -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOTINT
// RUN: not aoizora-opt %s --az-apply-device-order='order=0,0' -o /dev/null 2>&1 | FileCheck %s --check-prefix=TWICE
// RUN: not aoizora-opt %s --az-apply-device-order='order=0,2' -o /dev/null 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not aoizora-opt %s --az-apply-device-order='plan-file=%t.missing.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: echo '{"device_order": [1, "x"]}' > %t.bad.json
// RUN: not aoizora-opt %s --az-apply-device-order='plan-file=%t.bad.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=BADPLAN
// RUN: echo '{"device_order": [1, 0]}' > %t.good.json
// RUN: aoizora-opt %s --az-apply-device-order='plan-file=%t.good.json' | FileCheck %s --check-prefix=PLAN

// NONE: error: az-apply-device-order needs exactly one of 'order' and 'plan-file'
// NOTINT: error: invalid device order '0,x': 'x' is not an integer
// TWICE: error: invalid device order: device id 0 appears twice, so the order is not a permutation
// RANGE: error: invalid device order: device id 2 is out of range [0, 2)
// MISSING: error: cannot read plan file '{{.*}}missing.json': {{[Nn]}}o such file or directory
// BADPLAN: error: plan file '{{.*}}bad.json': "device_order" holds a non-integer entry
// PLAN: source_target_pairs = dense<{{\[}}[1, 0]]>

"builtin.module"() ({
  "func.func"() <{function_type = (tensor<2xf32>) -> tensor<2xf32>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<2xf32>):
    %0 = "stablehlo.collective_permute"(%arg0) <{source_target_pairs = dense<[[0, 1]]> : tensor<1x2xi64>}> : (tensor<2xf32>) -> tensor<2xf32>
    "func.return"(%0) : (tensor<2xf32>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 2 : i32} : () -> ()
