// Device groups are read by value in their own width and signedness, and a
// relabelling that needs wider ids writes them back as i64 (never truncated).
// RUN: aoizora-opt %s --split-input-file --verify-diagnostics --az-apply-device-order='order=2,3,0,1' | FileCheck %s

// An i8 group keeps its type when the new ids fit.
// CHECK-LABEL: module @i8_fits
// CHECK: replica_groups = dense<{{\[}}[2, 3], [0, 1]]> : tensor<2x2xi8>
"builtin.module"() <{sym_name = "i8_fits"}> ({
  "func.func"() <{function_type = (tensor<8xf32>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<8xf32>):
    %0 = "stablehlo.all_reduce"(%arg0) <{replica_groups = dense<[[0, 1], [2, 3]]> : tensor<2x2xi8>}> : (tensor<8xf32>) -> tensor<8xf32>
    "func.return"() : () -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 4 : i32} : () -> ()

// -----

// ui2 holds 0..3 by value (read signed, 2 and 3 would be -2 and -1).
// CHECK-LABEL: module @ui2_by_value
// CHECK: replica_groups = dense<{{\[}}[2, 3], [0, 1]]> : tensor<2x2xui2>
"builtin.module"() <{sym_name = "ui2_by_value"}> ({
  "func.func"() <{function_type = (tensor<8xf32>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<8xf32>):
    %0 = "stablehlo.all_reduce"(%arg0) <{replica_groups = dense<[[0, 1], [2, 3]]> : tensor<2x2xui2>}> : (tensor<8xf32>) -> tensor<8xf32>
    "func.return"() : () -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 4 : i32} : () -> ()

// -----

// i2 holds -2..1: the new ids 2 and 3 do not fit, so the groups become i64.
// CHECK-LABEL: module @i2_widened
// CHECK: replica_groups = dense<{{\[}}[2, 3]]> : tensor<1x2xi64>
// CHECK: replica_groups = dense<{{\[}}[0, 1]]> : tensor<1x2xi64>
"builtin.module"() <{sym_name = "i2_widened"}> ({
  "func.func"() <{function_type = (tensor<8xf32>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<8xf32>):
    %0 = "stablehlo.all_reduce"(%arg0) <{replica_groups = dense<[[0, 1]]> : tensor<1x2xi2>}> : (tensor<8xf32>) -> tensor<8xf32>
    %1 = "stablehlo.all_reduce"(%arg0) <{replica_groups = dense<[[2, 3]]> : tensor<1x2xi64>}> : (tensor<8xf32>) -> tensor<8xf32>
    "func.return"() : () -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 4 : i32} : () -> ()

// -----

"builtin.module"() <{sym_name = "i1_refused"}> ({
  "func.func"() <{function_type = (tensor<8xf32>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<8xf32>):
    // expected-error@+1 {{'replica_groups' must be a 2-D integer elements attribute of device ids: its elements are i1, which cannot hold device ids}}
    %0 = "stablehlo.all_reduce"(%arg0) <{replica_groups = dense<[[false, true]]> : tensor<1x2xi1>}> : (tensor<8xf32>) -> tensor<8xf32>
    "func.return"() : () -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 4 : i32} : () -> ()
