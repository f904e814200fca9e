// One Wan 2.1 14B DiT block (self-attention + FFN; cross-attention omitted)
// at 480p, 81 frames, CFG batched (B=2): S = 21*30*52 = 32760 tokens,
// D = 5120, 40 heads of 128, FFN 13824 (../shared/reference/dit-workloads.md
// §1.1-1.2). Generic-form StableHLO with Shardy annotations on a 16-device
// mesh: CFG parallel on "cfg", Ulysses sequence parallel on "sp" (the
// sharding constraints move the shard from tokens to heads and back), and
// Megatron tensor parallel on "tp" for the FFN.
"builtin.module"() <{sym_name = "wan21_14b_block"}> ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["cfg"=2, "sp"=4, "tp"=2]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [
      {sdy.sharding = #sdy.sharding<@mesh, [{"cfg"}, {"sp"}, {}]>},
      {sdy.sharding = #sdy.sharding<@mesh, [{}, {}]>},
      {sdy.sharding = #sdy.sharding<@mesh, [{}, {}]>},
      {sdy.sharding = #sdy.sharding<@mesh, [{}, {}]>},
      {sdy.sharding = #sdy.sharding<@mesh, [{}, {}]>},
      {sdy.sharding = #sdy.sharding<@mesh, [{}, {"tp"}]>},
      {sdy.sharding = #sdy.sharding<@mesh, [{"tp"}, {}]>}],
    function_type = (tensor<2x32760x5120xbf16>, tensor<5120x5120xbf16>, tensor<5120x5120xbf16>, tensor<5120x5120xbf16>, tensor<5120x5120xbf16>, tensor<5120x13824xbf16>, tensor<13824x5120xbf16>) -> tensor<2x32760x5120xbf16>,
    res_attrs = [{jax.result_info = "result", sdy.sharding = #sdy.sharding<@mesh, [{"cfg"}, {"sp"}, {}]>}],
    sym_name = "main", sym_visibility = "public"}> ({
  ^bb0(%x: tensor<2x32760x5120xbf16>, %wq: tensor<5120x5120xbf16>, %wk: tensor<5120x5120xbf16>, %wv: tensor<5120x5120xbf16>, %wo: tensor<5120x5120xbf16>, %w1: tensor<5120x13824xbf16>, %w2: tensor<13824x5120xbf16>):
    %q = "stablehlo.dot_general"(%x, %wq) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [2], rhs_contracting_dimensions = [0]>}> : (tensor<2x32760x5120xbf16>, tensor<5120x5120xbf16>) -> tensor<2x32760x5120xbf16>
    %k = "stablehlo.dot_general"(%x, %wk) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [2], rhs_contracting_dimensions = [0]>}> : (tensor<2x32760x5120xbf16>, tensor<5120x5120xbf16>) -> tensor<2x32760x5120xbf16>
    %v = "stablehlo.dot_general"(%x, %wv) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [2], rhs_contracting_dimensions = [0]>}> : (tensor<2x32760x5120xbf16>, tensor<5120x5120xbf16>) -> tensor<2x32760x5120xbf16>
    %qh = "stablehlo.reshape"(%q) : (tensor<2x32760x5120xbf16>) -> tensor<2x32760x40x128xbf16>
    %kh = "stablehlo.reshape"(%k) : (tensor<2x32760x5120xbf16>) -> tensor<2x32760x40x128xbf16>
    %vh = "stablehlo.reshape"(%v) : (tensor<2x32760x5120xbf16>) -> tensor<2x32760x40x128xbf16>
    // Ulysses: all-to-all from the token dimension to the head dimension.
    %qa = "sdy.sharding_constraint"(%qh) <{sharding = #sdy.sharding<@mesh, [{"cfg"}, {}, {"sp"}, {}]>}> : (tensor<2x32760x40x128xbf16>) -> tensor<2x32760x40x128xbf16>
    %ka = "sdy.sharding_constraint"(%kh) <{sharding = #sdy.sharding<@mesh, [{"cfg"}, {}, {"sp"}, {}]>}> : (tensor<2x32760x40x128xbf16>) -> tensor<2x32760x40x128xbf16>
    %va = "sdy.sharding_constraint"(%vh) <{sharding = #sdy.sharding<@mesh, [{"cfg"}, {}, {"sp"}, {}]>}> : (tensor<2x32760x40x128xbf16>) -> tensor<2x32760x40x128xbf16>
    %s = "stablehlo.dot_general"(%qa, %ka) <{dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = [0, 2], rhs_batching_dimensions = [0, 2], lhs_contracting_dimensions = [3], rhs_contracting_dimensions = [3]>}> : (tensor<2x32760x40x128xbf16>, tensor<2x32760x40x128xbf16>) -> tensor<2x40x32760x32760xbf16>
    // Softmax over the keys as jax.nn.softmax emits it (max, subtract, exp,
    // sum, divide); stage 1 recognises the pattern and prices it fused.
    %sm_init = "stablehlo.constant"() <{value = dense<0xFF80> : tensor<bf16>}> : () -> tensor<bf16>
    %sm_rowmax = "stablehlo.reduce"(%s, %sm_init) <{dimensions = array<i64: 3>}> ({
    ^bb0(%sm_a: tensor<bf16>, %sm_b: tensor<bf16>):
      %sm_s = "stablehlo.maximum"(%sm_a, %sm_b) : (tensor<bf16>, tensor<bf16>) -> tensor<bf16>
      "stablehlo.return"(%sm_s) : (tensor<bf16>) -> ()
    }) : (tensor<2x40x32760x32760xbf16>, tensor<bf16>) -> tensor<2x40x32760xbf16>
    %sm_rowmax1 = "stablehlo.broadcast_in_dim"(%sm_rowmax) <{broadcast_dimensions = array<i64: 0, 1, 2>}> : (tensor<2x40x32760xbf16>) -> tensor<2x40x32760x1xbf16>
    %sm_rowmaxb = "stablehlo.broadcast_in_dim"(%sm_rowmax1) <{broadcast_dimensions = array<i64: 0, 1, 2, 3>}> : (tensor<2x40x32760x1xbf16>) -> tensor<2x40x32760x32760xbf16>
    %sm_shifted = "stablehlo.subtract"(%s, %sm_rowmaxb) : (tensor<2x40x32760x32760xbf16>, tensor<2x40x32760x32760xbf16>) -> tensor<2x40x32760x32760xbf16>
    %sm_unnorm = "stablehlo.exponential"(%sm_shifted) : (tensor<2x40x32760x32760xbf16>) -> tensor<2x40x32760x32760xbf16>
    %sm_zero = "stablehlo.constant"() <{value = dense<0.000000e+00> : tensor<bf16>}> : () -> tensor<bf16>
    %sm_rowsum = "stablehlo.reduce"(%sm_unnorm, %sm_zero) <{dimensions = array<i64: 3>}> ({
    ^bb0(%sm_a: tensor<bf16>, %sm_b: tensor<bf16>):
      %sm_s = "stablehlo.add"(%sm_a, %sm_b) : (tensor<bf16>, tensor<bf16>) -> tensor<bf16>
      "stablehlo.return"(%sm_s) : (tensor<bf16>) -> ()
    }) : (tensor<2x40x32760x32760xbf16>, tensor<bf16>) -> tensor<2x40x32760xbf16>
    %sm_rowsum1 = "stablehlo.broadcast_in_dim"(%sm_rowsum) <{broadcast_dimensions = array<i64: 0, 1, 2>}> : (tensor<2x40x32760xbf16>) -> tensor<2x40x32760x1xbf16>
    %sm_rowsumb = "stablehlo.broadcast_in_dim"(%sm_rowsum1) <{broadcast_dimensions = array<i64: 0, 1, 2, 3>}> : (tensor<2x40x32760x1xbf16>) -> tensor<2x40x32760x32760xbf16>
    %p = "stablehlo.divide"(%sm_unnorm, %sm_rowsumb) : (tensor<2x40x32760x32760xbf16>, tensor<2x40x32760x32760xbf16>) -> tensor<2x40x32760x32760xbf16>
    %o = "stablehlo.dot_general"(%p, %va) <{dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = [0, 1], rhs_batching_dimensions = [0, 2], lhs_contracting_dimensions = [3], rhs_contracting_dimensions = [1]>}> : (tensor<2x40x32760x32760xbf16>, tensor<2x32760x40x128xbf16>) -> tensor<2x40x32760x128xbf16>
    %ot = "stablehlo.transpose"(%o) <{permutation = array<i64: 0, 2, 1, 3>}> : (tensor<2x40x32760x128xbf16>) -> tensor<2x32760x40x128xbf16>
    // Ulysses: all-to-all back from heads to tokens.
    %ob = "sdy.sharding_constraint"(%ot) <{sharding = #sdy.sharding<@mesh, [{"cfg"}, {"sp"}, {}, {}]>}> : (tensor<2x32760x40x128xbf16>) -> tensor<2x32760x40x128xbf16>
    %of = "stablehlo.reshape"(%ob) : (tensor<2x32760x40x128xbf16>) -> tensor<2x32760x5120xbf16>
    %y = "stablehlo.dot_general"(%of, %wo) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [2], rhs_contracting_dimensions = [0]>}> : (tensor<2x32760x5120xbf16>, tensor<5120x5120xbf16>) -> tensor<2x32760x5120xbf16>
    %r = "stablehlo.add"(%x, %y) : (tensor<2x32760x5120xbf16>, tensor<2x32760x5120xbf16>) -> tensor<2x32760x5120xbf16>
    // Megatron FFN: column-parallel up projection, row-parallel down
    // projection (partial sums reduced over "tp").
    %h = "stablehlo.dot_general"(%r, %w1) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [2], rhs_contracting_dimensions = [0]>}> : (tensor<2x32760x5120xbf16>, tensor<5120x13824xbf16>) -> tensor<2x32760x13824xbf16>
    %g = "stablehlo.tanh"(%h) : (tensor<2x32760x13824xbf16>) -> tensor<2x32760x13824xbf16>
    %d = "stablehlo.dot_general"(%g, %w2) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [2], rhs_contracting_dimensions = [0]>}> : (tensor<2x32760x13824xbf16>, tensor<13824x5120xbf16>) -> tensor<2x32760x5120xbf16>
    %out = "stablehlo.add"(%r, %d) {sdy.sharding = #sdy.sharding_per_value<[<@mesh, [{"cfg"}, {"sp"}, {}]>]>} : (tensor<2x32760x5120xbf16>, tensor<2x32760x5120xbf16>) -> tensor<2x32760x5120xbf16>
    "func.return"(%out) : (tensor<2x32760x5120xbf16>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 16 : i32, mhlo.num_replicas = 1 : i32} : () -> ()
