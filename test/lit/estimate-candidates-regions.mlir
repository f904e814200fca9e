// RUN: aoizora-opt %s --allow-unregistered-dialect --split-input-file --az-estimate-candidates='topology=generic:4' -o /dev/null 2>&1 | FileCheck %s

// Loops, calls and manual computations, hand-checked on generic:4.

// A constant loop of 10 trips around dot([8,16]{x} f32, [16,16] f32): per
// trip 2 * (8/4) * 16 * 16 = 1024 FLOPs, x10 = 10240. HBM per trip: the
// counter add reads and writes 3 * 8 B = 24 B, the dot 128 + 1024 + 128 =
// 1280 B: x10 = 13040 B. Then a call into a private function that squares
// its argument (3 * 128 B = 384 B), and the replicated result all-gathers
// [8,16] f32 = 512 B once. Total HBM 13424 B.
// CHECK: remark: 'stablehlo.while' at line 25: constant trip count 10, body counted 10 times
// CHECK: remark: candidate x=4 (module mesh): 10240 FLOPs, 13.11 KiB HBM traffic, compute {{.*}}; all-gather{"x"} x1 512 B
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=4]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{function_type = (tensor<8x16xf32>) -> tensor<8x16xf32>, sym_name = "square", sym_visibility = "private"}> ({
  ^bb0(%x: tensor<8x16xf32>):
    %0 = "stablehlo.multiply"(%x, %x) : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
    "func.return"(%0) : (tensor<8x16xf32>) -> ()
  }) : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}]>}, {sdy.sharding = #sdy.sharding<@mesh, [{}, {}]>}],
      function_type = (tensor<8x16xf32>, tensor<16x16xf32>) -> tensor<8x16xf32>,
      res_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{}, {}]>}], sym_name = "main"}> ({
  ^bb0(%h: tensor<8x16xf32>, %w: tensor<16x16xf32>):
    %c0 = "stablehlo.constant"() <{value = dense<0> : tensor<i64>}> : () -> tensor<i64>
    %r:2 = "stablehlo.while"(%c0, %h) ({
    ^bb0(%i: tensor<i64>, %x: tensor<8x16xf32>):
      %n = "stablehlo.constant"() <{value = dense<10> : tensor<i64>}> : () -> tensor<i64>
      %p = "stablehlo.compare"(%i, %n) <{comparison_direction = #stablehlo<comparison_direction LT>}> : (tensor<i64>, tensor<i64>) -> tensor<i1>
      "stablehlo.return"(%p) : (tensor<i1>) -> ()
    }, {
    ^bb0(%i: tensor<i64>, %x: tensor<8x16xf32>):
      %one = "stablehlo.constant"() <{value = dense<1> : tensor<i64>}> : () -> tensor<i64>
      %j = "stablehlo.add"(%i, %one) : (tensor<i64>, tensor<i64>) -> tensor<i64>
      %y = "stablehlo.dot_general"(%x, %w) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [0]>}> : (tensor<8x16xf32>, tensor<16x16xf32>) -> tensor<8x16xf32>
      "stablehlo.return"(%j, %y) : (tensor<i64>, tensor<8x16xf32>) -> ()
    }) : (tensor<i64>, tensor<8x16xf32>) -> (tensor<i64>, tensor<8x16xf32>)
    %s = "func.call"(%r#1) <{callee = @square}> : (tensor<8x16xf32>) -> tensor<8x16xf32>
    "func.return"(%s) : (tensor<8x16xf32>) -> ()
  }) : () -> ()
}) : () -> ()

// -----

// A loop whose bound is an argument: counted once, with a warning.
// CHECK: warning: 'stablehlo.while': trip count is not a constant: the body is counted once
// CHECK: remark: candidate x=4 (module mesh): 1024 FLOPs
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=4]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}]>}, {}, {}],
      function_type = (tensor<8x16xf32>, tensor<16x16xf32>, tensor<i64>) -> tensor<8x16xf32>, sym_name = "main"}> ({
  ^bb0(%h: tensor<8x16xf32>, %w: tensor<16x16xf32>, %n: tensor<i64>):
    %c0 = "stablehlo.constant"() <{value = dense<0> : tensor<i64>}> : () -> tensor<i64>
    %r:2 = "stablehlo.while"(%c0, %h) ({
    ^bb0(%i: tensor<i64>, %x: tensor<8x16xf32>):
      %p = "stablehlo.compare"(%i, %n) <{comparison_direction = #stablehlo<comparison_direction LT>}> : (tensor<i64>, tensor<i64>) -> tensor<i1>
      "stablehlo.return"(%p) : (tensor<i1>) -> ()
    }, {
    ^bb0(%i: tensor<i64>, %x: tensor<8x16xf32>):
      %one = "stablehlo.constant"() <{value = dense<1> : tensor<i64>}> : () -> tensor<i64>
      %j = "stablehlo.add"(%i, %one) : (tensor<i64>, tensor<i64>) -> tensor<i64>
      %y = "stablehlo.dot_general"(%x, %w) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [0]>}> : (tensor<8x16xf32>, tensor<16x16xf32>) -> tensor<8x16xf32>
      "stablehlo.return"(%j, %y) : (tensor<i64>, tensor<8x16xf32>) -> ()
    }) : (tensor<i64>, tensor<8x16xf32>) -> (tensor<i64>, tensor<8x16xf32>)
    "func.return"(%r#1) : (tensor<8x16xf32>) -> ()
  }) : () -> ()
}) : () -> ()

// -----

// A manual computation over x: the body runs per device on [2,16] f32 and
// its all_reduce is taken as written: groups {0,1,2,3} are the groups over
// x, 128 B. Candidates that resize the manual axis x are rejected.
// CHECK: remark: candidate x=1,y=4: {{.*}}; rejected: manual axis "x" must keep size 4 (manual computation bodies have per-device shapes)
// CHECK: remark: candidate x=2,y=2: {{.*}}; rejected: manual axis "x" must keep size 4
// CHECK: remark: candidate x=4,y=1 (module mesh): 0 FLOPs, {{.*}}; all-reduce{"x"} x1 128 B
// CHECK-NOT: rejected
// CHECK: remark: 3 candidates for @mesh on generic:4:wrap=0, 2 rejected; best x=4,y=1
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=4, "y"=1]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}]>}],
      function_type = (tensor<8x16xf32>) -> tensor<8x16xf32>, sym_name = "main"}> ({
  ^bb0(%a: tensor<8x16xf32>):
    %0 = "sdy.manual_computation"(%a) <{in_shardings = #sdy.sharding_per_value<[<@mesh, [{"x"}, {}]>]>, manual_axes = #sdy<manual_axes{"x"}>, out_shardings = #sdy.sharding_per_value<[<@mesh, [{"x"}, {}]>]>}> ({
    ^bb0(%l: tensor<2x16xf32>):
      %1 = "stablehlo.all_reduce"(%l) <{replica_groups = dense<[[0, 1, 2, 3]]> : tensor<1x4xi64>}> ({
      ^bb0(%p: tensor<f32>, %q: tensor<f32>):
        %s = "stablehlo.add"(%p, %q) : (tensor<f32>, tensor<f32>) -> tensor<f32>
        "stablehlo.return"(%s) : (tensor<f32>) -> ()
      }) : (tensor<2x16xf32>) -> tensor<2x16xf32>
      "sdy.return"(%1) : (tensor<2x16xf32>) -> ()
    }) : (tensor<8x16xf32>) -> tensor<8x16xf32>
    "func.return"(%0) : (tensor<8x16xf32>) -> ()
  }) : () -> ()
}) : () -> ()
