// On the MLIR path too, communication the cost model cannot price is
// reported at its op and marks the plan's cost incomplete; a module whose
// only communication is unpriceable is an error unless allow-empty=true.
// RUN: aoizora-opt %s --az-place='topology=v5e:2x2 apply=false emit-remarks=false plan-file=%t.json' -o /dev/null 2>&1 | FileCheck %s
// RUN: FileCheck %s --check-prefix=PLAN < %t.json
// RUN: not aoizora-opt %S/Inputs/unpriced-only-ops.mlir --az-place='topology=v5e:2x2' -o /dev/null 2>&1 | FileCheck %s --check-prefix=ONLY
// RUN: aoizora-opt %S/Inputs/unpriced-only-ops.mlir --az-place='topology=v5e:2x2 allow-empty=true emit-remarks=false' -o /dev/null 2>&1 | FileCheck %s --check-prefix=ALLOW

// PLAN: "cost": "incomplete",
// PLAN: "unpriced_communication": 3
"builtin.module"() <{sym_name = "mixed"}> ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=4]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{function_type = (tensor<1024xf32>, !stablehlo.token) -> tensor<1024xf32>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<1024xf32>, %tok: !stablehlo.token):
    %0 = "stablehlo.collective_permute"(%arg0) <{channel_handle = #stablehlo.channel_handle<handle = 1, type = 1>, source_target_pairs = dense<[[0, 1], [1, 2], [2, 3], [3, 0]]> : tensor<4x2xi64>}> : (tensor<1024xf32>) -> tensor<1024xf32>
    // CHECK: place-unpriced-ops.mlir:[[# @LINE + 1]]:10: warning: az-place cannot price the communication of this op: custom_call @__nccl_all_reduce_kernel communicates between devices and its traffic is not known; the plan's cost is incomplete
    %1 = "stablehlo.custom_call"(%0) <{call_target_name = "__nccl_all_reduce_kernel"}> : (tensor<1024xf32>) -> tensor<1024xf32>
    // CHECK: place-unpriced-ops.mlir:[[# @LINE + 1]]:10: warning: az-place cannot price the communication of this op: stablehlo.send between devices: the cost model has no pairs to say which devices it links; the plan's cost is incomplete
    %2 = "stablehlo.send"(%1, %tok) <{channel_handle = #stablehlo.channel_handle<handle = 2, type = 1>}> : (tensor<1024xf32>, !stablehlo.token) -> !stablehlo.token
    // A host transfer is not communication between devices.
    // CHECK-NOT: :[[# @LINE + 1]]:{{.*}}warning
    %3 = "stablehlo.send"(%1, %2) <{channel_handle = #stablehlo.channel_handle<handle = 3, type = 2>, is_host_transfer = true}> : (tensor<1024xf32>, !stablehlo.token) -> !stablehlo.token
    // CHECK: place-unpriced-ops.mlir:[[# @LINE + 1]]:10: warning: az-place cannot price the communication of this op: 'stablehlo.ragged_all_to_all' is a collective the cost model does not know; the plan's cost is incomplete
    %4 = "stablehlo.ragged_all_to_all"(%1) <{replica_groups = dense<[[0, 1, 2, 3]]> : tensor<1x4xi64>}> : (tensor<1024xf32>) -> tensor<1024xf32>
    "func.return"(%4) : (tensor<1024xf32>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 4 : i32} : () -> ()

// ONLY: unpriced-only-ops.mlir:5:10: warning: az-place cannot price the communication of this op: custom_call @tpu_all_gather_kernel communicates
// ONLY: error: az-place found no explicit collectives to place (1 op(s) communicate but cannot be priced; see the warnings): it needs a partitioned module or one whose sdy.manual_computation bodies hold the collectives (allow-empty=true places it at 0 s of communication)
// ALLOW: warning: az-place found no explicit collectives to place (1 op(s) communicate but cannot be priced; see the warnings); its communication is priced at 0 s
