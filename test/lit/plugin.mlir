// Debian's mlir-opt runs AoiZora passes through the plugin. The passes are
// reachable only through a textual pipeline there.
// REQUIRES: plugin
// RUN: mlir-opt %s --allow-unregistered-dialect --load-pass-plugin=%aoizora_libs/AoiZoraPlugin%shlibext --pass-pipeline='builtin.module(az-inspect-shardings)' --verify-diagnostics -o /dev/null
// RUN: mlir-opt %s --allow-unregistered-dialect --load-pass-plugin=%aoizora_libs/AoiZoraPlugin%shlibext --pass-pipeline='builtin.module(az-inspect-shardings{report-file=-})' --verify-diagnostics -o /dev/null | FileCheck %s

// CHECK: "hlo": "{devices=[2,1]<=[2]}"
// CHECK: "sdy": "#sdy.sharding<@mesh, [{\"a\"}, {}]>"

"builtin.module"() ({
  // expected-remark@+1 {{mesh @mesh = #sdy.mesh<["a"=2]> (2 devices, from sdy.mesh)}}
  "sdy.mesh"() <{mesh = #sdy.mesh<["a"=2]>, sym_name = "mesh"}> : () -> ()
  // expected-remark@+1 {{argument #0 of @main: sdy #sdy.sharding<@mesh, [{"a"}, {}]>, hlo {devices=[2,1]<=[2]}, 2 tiles}}
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"a"}, {}]>}], function_type = (tensor<2x4xf32>) -> (), sym_name = "main"}> ({
  ^bb0(%arg0: tensor<2x4xf32>):
    "func.return"() : () -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 2 : i32} : () -> ()
