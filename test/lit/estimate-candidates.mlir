// RUN: aoizora-opt %s --allow-unregistered-dialect --split-input-file --az-estimate-candidates='topology=generic:4' -o /dev/null 2>&1 | FileCheck %s

// Hand-checked rules on a one-axis mesh "x"=4 (one candidate) on generic:4,
// the test chip: 1e14 FLOP/s, 1e12 B/s HBM. Sizes are per device; f32.

// Elementwise: %b (replicated) takes its own shard of %a's sharding (a free
// local slice); the replicated result annotation all-gathers the
// [8,16] f32 result: output buffer 8*16*4 = 512 B. HBM traffic of the add:
// 2 operands + 1 result of [2,16] f32 = 3 * 128 = 384 B. Memory: %a 128 B +
// %b 512 B; the add's live set is its result, 128 B.
// CHECK: remark: candidate x=4 (module mesh): 0 FLOPs, 384 B HBM traffic, compute 0.000 us; all-gather{"x"} x1 512 B {{.*}}; memory 768 B (parameters 640 B + activations 128 B)
// CHECK: remark: 1 candidates for @mesh on generic:4:wrap=0, 0 rejected; best x=4: step
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=4]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}]>}, {sdy.sharding = #sdy.sharding<@mesh, [{}, {}]>}],
      function_type = (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>,
      res_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{}, {}]>}], sym_name = "main"}> ({
  ^bb0(%a: tensor<8x16xf32>, %b: tensor<8x16xf32>):
    %0 = "stablehlo.add"(%a, %b) : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
    "func.return"(%0) : (tensor<8x16xf32>) -> ()
  }) : () -> ()
}) : () -> ()

// -----

// dot_general with the contraction sharded on x on both sides: the result
// is a partial sum over x; the replicated result needs an all-reduce of the
// [8,4] f32 buffer = 128 B. FLOPs: 2 * 8 * 4 * (16/4) = 256. HBM: lhs [8,4]
// 128 B + rhs [4,4] 64 B + result [8,4] 128 B = 320 B.
// CHECK: remark: candidate x=4 (module mesh): 256 FLOPs, 320 B HBM traffic, compute {{.*}}; all-reduce{"x"} x1 128 B
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=4]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{}, {"x"}]>}, {sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}]>}],
      function_type = (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>,
      res_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{}, {}]>}], sym_name = "main"}> ({
  ^bb0(%a: tensor<8x16xf32>, %w: tensor<16x4xf32>):
    %0 = "stablehlo.dot_general"(%a, %w) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [0]>}> : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
    "func.return"(%0) : (tensor<8x4xf32>) -> ()
  }) : () -> ()
}) : () -> ()

// -----

// The same partial sum annotated sharded on its rows: a reduce-scatter of
// the 128 B partial buffer (the input, per CollectiveSpec).
// CHECK: remark: candidate x=4 (module mesh): 256 FLOPs, 320 B HBM traffic, compute {{.*}}; reduce-scatter{"x"} x1 128 B
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=4]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{}, {"x"}]>}, {sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}]>}],
      function_type = (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>,
      res_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}]>}], sym_name = "main"}> ({
  ^bb0(%a: tensor<8x16xf32>, %w: tensor<16x4xf32>):
    %0 = "stablehlo.dot_general"(%a, %w) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [0]>}> : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
    "func.return"(%0) : (tensor<8x4xf32>) -> ()
  }) : () -> ()
}) : () -> ()

// -----

// Ulysses-style constraint: x moves from dim 0 to dim 1, an all-to-all of
// the [2,16] f32 buffer = 128 B. Then reshape [8,16] -> [8,4,4]: dim 1 (16,
// sharded x) splits into (4, 4), x goes to the major part; transpose
// [8,4,4] -> [4,8,4] (permutation 1,0,2) carries x to dim 0; the result
// annotation [{"x"}, {}, {}] matches, nothing more. HBM: the transpose
// reads and writes [1,8,4] f32 = 128 B each: 256 B (reshape is free).
// CHECK: remark: candidate x=4 (module mesh): 0 FLOPs, 256 B HBM traffic, compute {{.*}}; all-to-all{"x"} x1 128 B {{[^;]*}}; comm
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=4]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}]>}],
      function_type = (tensor<8x16xf32>) -> tensor<4x8x4xf32>,
      res_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}, {}]>}], sym_name = "main"}> ({
  ^bb0(%a: tensor<8x16xf32>):
    %0 = "sdy.sharding_constraint"(%a) <{sharding = #sdy.sharding<@mesh, [{}, {"x"}]>}> : (tensor<8x16xf32>) -> tensor<8x16xf32>
    %1 = "stablehlo.reshape"(%0) : (tensor<8x16xf32>) -> tensor<8x4x4xf32>
    %2 = "stablehlo.transpose"(%1) <{permutation = array<i64: 1, 0, 2>}> : (tensor<8x4x4xf32>) -> tensor<4x8x4xf32>
    "func.return"(%2) : (tensor<4x8x4xf32>) -> ()
  }) : () -> ()
}) : () -> ()

// -----

// broadcast_in_dim keeps x on the mapped dim; reduce over dim 1 (sharded x)
// gives partial sums, all-reduced for the unannotated result: [8] f32 =
// 32 B. HBM: broadcast [8,4] 128 B + operand [4] 16 B = 144 B; reduce
// [8,4] 128 B + init 4 B + result [8] 32 B (still partial) = 164 B; 308 B.
// CHECK: remark: candidate x=4 (module mesh): 0 FLOPs, 308 B HBM traffic, compute {{.*}}; all-reduce{"x"} x1 32 B
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=4]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}]>}],
      function_type = (tensor<16xf32>) -> tensor<8xf32>, sym_name = "main"}> ({
  ^bb0(%a: tensor<16xf32>):
    %b = "stablehlo.broadcast_in_dim"(%a) <{broadcast_dimensions = array<i64: 1>}> : (tensor<16xf32>) -> tensor<8x16xf32>
    %c = "stablehlo.constant"() <{value = dense<0.0> : tensor<f32>}> : () -> tensor<f32>
    %r = "stablehlo.reduce"(%b, %c) <{dimensions = array<i64: 1>}> ({
    ^bb0(%p: tensor<f32>, %q: tensor<f32>):
      %s = "stablehlo.add"(%p, %q) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "stablehlo.return"(%s) : (tensor<f32>) -> ()
    }) : (tensor<8x16xf32>, tensor<f32>) -> tensor<8xf32>
    "func.return"(%r) : (tensor<8xf32>) -> ()
  }) : () -> ()
}) : () -> ()

// -----

// concatenate along the sharded dim gathers both operands ([8,4] f32 =
// 128 B output each), slice of a sharded dim gathers it ([8,16] f32 = 512 B):
// 3 all-gathers, 768 B. The slice result and the concatenation are
// replicated, so the opaque ops gather nothing but still warn by name.
// CHECK: warning: 'test.mystery': not known to the sharding rules: treated as opaque (operands gathered to replicated, results replicated)
// CHECK: warning: 'stablehlo.custom_call @my_kernel': unpriced: its FLOPs are not counted, only the bytes it reads and writes
// CHECK: remark: candidate x=4 (module mesh): 0 FLOPs, {{.*}}; all-gather{"x"} x3 768 B
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=4]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{}, {"x"}]>}, {sdy.sharding = #sdy.sharding<@mesh, [{}, {"x"}]>}, {sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}]>}],
      function_type = (tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x16xf32>) -> (tensor<8x8xf32>, tensor<4x16xf32>, tensor<4xf32>, tensor<8x8xf32>), sym_name = "main"}> ({
  ^bb0(%a: tensor<8x4xf32>, %b: tensor<8x4xf32>, %c: tensor<8x16xf32>):
    %0 = "stablehlo.concatenate"(%a, %b) <{dimension = 1 : i64}> : (tensor<8x4xf32>, tensor<8x4xf32>) -> tensor<8x8xf32>
    %1 = "stablehlo.slice"(%c) <{limit_indices = array<i64: 4, 16>, start_indices = array<i64: 0, 0>, strides = array<i64: 1, 1>}> : (tensor<8x16xf32>) -> tensor<4x16xf32>
    %2 = "test.mystery"(%1) : (tensor<4x16xf32>) -> tensor<4xf32>
    %3 = "stablehlo.custom_call"(%0) <{call_target_name = "my_kernel"}> : (tensor<8x8xf32>) -> tensor<8x8xf32>
    "func.return"(%0, %1, %2, %3) : (tensor<8x8xf32>, tensor<4x16xf32>, tensor<4xf32>, tensor<8x8xf32>) -> ()
  }) : () -> ()
}) : () -> ()
