// az-place counts an explicit collective once per trip of the constant
// loops around it, as stage 1 and the HLO import do: the ring permute of
// place.mlir (18.964 us on the module order of v5e:2x4) inside a loop of
// 10 trips costs 10 x 18.964 = 189.640 us. A loop whose trip
// count it cannot read is reported and counted once.
// RUN: aoizora-opt %s --split-input-file --az-place='topology=v5e:2x4 apply=false' -o /dev/null 2>&1 | FileCheck %s

// CHECK: remark: baseline module order: 189.640 us
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=8]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{}]>}],
      function_type = (tensor<262144xbf16>) -> tensor<262144xbf16>, sym_name = "main"}> ({
  ^bb0(%h: tensor<262144xbf16>):
    %c0 = "stablehlo.constant"() <{value = dense<0> : tensor<i64>}> : () -> tensor<i64>
    %r:2 = "stablehlo.while"(%c0, %h) ({
    ^bb0(%i: tensor<i64>, %x: tensor<262144xbf16>):
      %n = "stablehlo.constant"() <{value = dense<10> : tensor<i64>}> : () -> tensor<i64>
      %p = "stablehlo.compare"(%i, %n) <{comparison_direction = #stablehlo<comparison_direction LT>}> : (tensor<i64>, tensor<i64>) -> tensor<i1>
      "stablehlo.return"(%p) : (tensor<i1>) -> ()
    }, {
    ^bb0(%i: tensor<i64>, %x: tensor<262144xbf16>):
      %one = "stablehlo.constant"() <{value = dense<1> : tensor<i64>}> : () -> tensor<i64>
      %j = "stablehlo.add"(%i, %one) : (tensor<i64>, tensor<i64>) -> tensor<i64>
      %y = "stablehlo.collective_permute"(%x) <{channel_handle = #stablehlo.channel_handle<handle = 1, type = 1>, source_target_pairs = dense<[[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [5, 6], [6, 7], [7, 0]]> : tensor<8x2xi64>}> : (tensor<262144xbf16>) -> tensor<262144xbf16>
      "stablehlo.return"(%j, %y) : (tensor<i64>, tensor<262144xbf16>) -> ()
    }) : (tensor<i64>, tensor<262144xbf16>) -> (tensor<i64>, tensor<262144xbf16>)
    "func.return"(%r#1) : (tensor<262144xbf16>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 8 : i32} : () -> ()

// -----

// CHECK: warning: az-place cannot tell how often this loop runs; the collectives in it are counted once
// CHECK: remark: baseline module order: 18.964 us
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=8]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{}]>}],
      function_type = (tensor<262144xbf16>) -> tensor<262144xbf16>, sym_name = "main"}> ({
  ^bb0(%h: tensor<262144xbf16>):
    %c0 = "stablehlo.constant"() <{value = dense<0> : tensor<i64>}> : () -> tensor<i64>
    %r:2 = "stablehlo.while"(%c0, %h) ({
    ^bb0(%i: tensor<i64>, %x: tensor<262144xbf16>):
      %n = "stablehlo.iota"() <{iota_dimension = 0 : i64}> : () -> tensor<i64>
      %p = "stablehlo.compare"(%i, %n) <{comparison_direction = #stablehlo<comparison_direction LT>}> : (tensor<i64>, tensor<i64>) -> tensor<i1>
      "stablehlo.return"(%p) : (tensor<i1>) -> ()
    }, {
    ^bb0(%i: tensor<i64>, %x: tensor<262144xbf16>):
      %one = "stablehlo.constant"() <{value = dense<1> : tensor<i64>}> : () -> tensor<i64>
      %j = "stablehlo.add"(%i, %one) : (tensor<i64>, tensor<i64>) -> tensor<i64>
      %y = "stablehlo.collective_permute"(%x) <{channel_handle = #stablehlo.channel_handle<handle = 1, type = 1>, source_target_pairs = dense<[[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [5, 6], [6, 7], [7, 0]]> : tensor<8x2xi64>}> : (tensor<262144xbf16>) -> tensor<262144xbf16>
      "stablehlo.return"(%j, %y) : (tensor<i64>, tensor<262144xbf16>) -> ()
    }) : (tensor<i64>, tensor<262144xbf16>) -> (tensor<i64>, tensor<262144xbf16>)
    "func.return"(%r#1) : (tensor<262144xbf16>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 8 : i32} : () -> ()
