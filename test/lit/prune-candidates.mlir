// RUN: aoizora-opt %s --allow-unregistered-dialect --split-input-file --verify-diagnostics --az-estimate-candidates='topology=v5e:4x4 emit-remarks=false' --az-prune-candidates='keep-within=1.5 max-survivors=4'

// The obvious case: a 1 GiB weight w[16384, 32768] bf16 sharded on "model";
// a batch of 16 rows sharded on "data"; data*model = 16 on v5e:4x4. The dot
// reads the local weight from HBM (819e9 B/s) and is memory bound:
//  data=1,model=16: x 16*16384*2 = 524288 B + w 1 GiB/16 = 67108864 B +
//    result 16*2048*2 = 65536 B = 67698688 B -> 98.405 us at 0.84 of the
//    bandwidth (FLOPs 2*16*16384*2048 = 1073741824 -> 8.385 us at 0.65 of
//    197e12).
//  data=16,model=1: every device holds the whole 1 GiB weight:
//    32768 + 1073741824 + 65536 = 1073840128 B -> 1.561 ms: 16x worse, lost.
// No collectives anywhere (the result annotation matches the dot's output).
// Best = data=1,model=16 at 98.405 us; keep-within 1.5 keeps lower bounds
// <= 147.608 us: data=2,model=8 reads w/8 (262144 + 134217728 + 65536 =
// 134545408 B -> 195.572 us) and is pruned.
// expected-remark@+6 {{kept #1 data=1,model=16: step 98.405 us (lower bound 98.405 us)}}
// expected-remark@+5 {{pruned data=2,model=8: lower bound 195.572 us > 1.5 x best estimate 98.405 us}}
// expected-remark@+4 {{pruned data=4,model=4}}
// expected-remark@+3 {{pruned data=8,model=2}}
// expected-remark@+2 {{pruned data=16,model=1: lower bound 1.561 ms > 1.5 x best estimate 98.405 us}}
// expected-remark@+1 {{kept 1 of 5 candidates (keep-within=1.5, max-survivors=4); best estimate 98.405 us}}
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["data"=4, "model"=4]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"data"}, {}]>}, {sdy.sharding = #sdy.sharding<@mesh, [{}, {"model"}]>}],
      function_type = (tensor<16x16384xbf16>, tensor<16384x32768xbf16>) -> tensor<16x32768xbf16>,
      res_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"data"}, {"model"}]>}], sym_name = "main"}> ({
  ^bb0(%x: tensor<16x16384xbf16>, %w: tensor<16384x32768xbf16>):
    %0 = "stablehlo.dot_general"(%x, %w) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [0]>}> : (tensor<16x16384xbf16>, tensor<16384x32768xbf16>) -> tensor<16x32768xbf16>
    "func.return"(%0) : (tensor<16x32768xbf16>) -> ()
  }) : () -> ()
}) : () -> ()


