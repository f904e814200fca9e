// RUN: aoizora-opt %s --allow-unregistered-dialect --az-estimate-candidates='topology=v5e:4x4 report-file=%t.json' -o /dev/null 2>&1 | FileCheck %s
// RUN: FileCheck %s --check-prefix=JSON < %t.json
// RUN: aoizora-opt %s --allow-unregistered-dialect --az-estimate-candidates='topology=v5e:4x4 emit-remarks=false' --az-prune-candidates='keep-within=1.5 max-survivors=4' 2>&1 | FileCheck %s --check-prefix=PRUNE

// A Wan-2.1-14B-like block (examples/wan21_14b_block_sdy.mlir with S = 4096
// tokens so that the materialised S x S attention scores fit a v5e chip):
// B = 2 (CFG batched), D = 5120, 40 heads of 128, FFN 13824, bf16, on the
// 16 chips of v5e:4x4, mesh cfg=2, sp=4, tp=2: Ulysses on "sp", CFG on
// "cfg", Megatron FFN on "tp".
//
// Hand calculation for the module mesh (dit-workloads.md Appendix A):
//  A = B*S*D*2 = 2*4096*5120*2 = 83886080 B = 80 MiB.
//  Ulysses: 4 all-to-alls over sp, each on the per-device buffer
//    A/(cfg*sp) = 10 MiB: 40 MiB in all (each device sends 3/4 of it,
//    4 * (A/2 / 4) * 3/4 = 30 MiB = dit-workloads' 4*(A/N)*(N-1)/N with the
//    per-CFG-branch A/2 and N = 4).
//  Megatron FFN: 1 all-reduce over tp of the [2,4096,5120] partial sum,
//    A/(cfg*sp) = 10 MiB.
//  FLOPs per device: Q,K,V,O 4 * 2*B*S*D^2 / (cfg*sp) = 214748364800;
//    attention 2 * 2*B*H*S^2*d / (cfg*sp) = 85899345920; FFN
//    2 * 2*B*S*D*F / (cfg*sp*tp) = 144955146240; total 445602856960.
// Fifteen candidates (sizes multiplying to 16); cfg > 2 does not divide the
// batch of 2 and sp = 16 does not divide the 40 heads.
//  Memory: x 10 MiB (A/8) + wq,wk,wv,wo replicated 4 * 50 MiB + w1, w2
//    (5120*13824*2 B = 135 MiB each) split by tp: 67.5 MiB each = 345 MiB;
//    the largest working set is a scores dot: q + k (10 MiB each) + the
//    [2,40,4096,4096] bf16 scores / (cfg*sp) = 2560/8 = 320 MiB: 340 MiB.
// CHECK-DAG: remark: candidate cfg=2,sp=4,tp=2 (module mesh): 445602856960 FLOPs, {{.*}}; all-to-all{"sp"} x4 40.00 MiB {{[^,]*}}, all-reduce{"tp"} x1 10.00 MiB {{.*}}; memory 685.00 MiB (parameters 345.00 MiB + activations 340.00 MiB){{$}}
// cfg=2, sp=8 (no tensor parallelism):
// 4 all-to-alls over sp of A/16 = 5 MiB each, no all-reduce.
// CHECK-DAG: remark: candidate cfg=2,sp=8,tp=1: {{.*}}; all-to-all{"sp"} x4 20.00 MiB {{[^;]*}}; comm
// CHECK-DAG: remark: candidate cfg=4,sp=2,tp=2: {{.*}} rejected: dimension 0 of argument #0 of @main (size 2) is not divisible by cfg=4
// CHECK-DAG: remark: candidate cfg=1,sp=16,tp=1: {{.*}} rejected: dimension 2 of 'sdy.sharding_constraint' at line {{[0-9]+}} (size 40) is not divisible by sp=16
// CHECK-DAG: remark: candidate cfg=16,sp=1,tp=1: {{.*}} rejected
// CHECK: remark: 15 candidates for @mesh on v5e:4x4:wrap=0,0, 7 rejected; best

// JSON: "axes": [
// JSON-NEXT: "cfg",
// JSON-NEXT: "sp",
// JSON-NEXT: "tp"
// JSON: "candidates": [
// JSON: "candidate": "cfg=2,sp=4,tp=2",
// JSON: "collectives": [
// JSON: "bytes": 41943040,
// JSON: "count": 4,
// JSON: "kind": "all-to-all",
// JSON: "bytes": 10485760,
// JSON: "kind": "all-reduce",
// JSON: "flops_per_device": 445602856960,
// JSON: "module_mesh": true,
// JSON: "overlap": "async",
// JSON: "topology": "v5e:4x4:wrap=0,0"

// Pruning keeps the feasible candidates whose lower bound is within 1.5x
// of the best estimate (cfg=2,sp=8,tp=1): the module mesh and
// cfg=1,sp=8,tp=2 stay; the tensor-parallel-heavy meshes (which leave
// attention unsplit on tp) and every rejected one go.
// PRUNE: remark: kept #1 cfg=2,sp=8,tp=1:
// PRUNE: remark: kept #2 cfg=2,sp=4,tp=2:
// PRUNE: remark: kept #3 cfg=1,sp=8,tp=2:
// PRUNE: remark: pruned cfg=1,sp=1,tp=16: lower bound {{.*}} > 1.5 x best estimate
// PRUNE: remark: pruned cfg=1,sp=16,tp=1: rejected (dimension 2
// PRUNE: remark: kept 3 of 15 candidates (keep-within=1.5, max-survivors=4)
// PRUNE: aoizora.candidates = {estimate_options = {{{.*}}}, excluded = [], keep_within = 1.500000e+00 : f64, mesh = "mesh", survivors = [{label = "cfg=2,sp=8,tp=1", lower_bound_seconds = {{.*}}, mesh = "#sdy.mesh<[\22cfg\22=2, \22sp\22=8, \22tp\22=1]>", rank = 1 : i64
// PRUNE-NOT: aoizora.estimates

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
    function_type = (tensor<2x4096x5120xbf16>, tensor<5120x5120xbf16>, tensor<5120x5120xbf16>, tensor<5120x5120xbf16>, tensor<5120x5120xbf16>, tensor<5120x13824xbf16>, tensor<13824x5120xbf16>) -> tensor<2x4096x5120xbf16>,
    res_attrs = [{jax.result_info = "result", sdy.sharding = #sdy.sharding<@mesh, [{"cfg"}, {"sp"}, {}]>}],
    sym_name = "main", sym_visibility = "public"}> ({
  ^bb0(%x: tensor<2x4096x5120xbf16>, %wq: tensor<5120x5120xbf16>, %wk: tensor<5120x5120xbf16>, %wv: tensor<5120x5120xbf16>, %wo: tensor<5120x5120xbf16>, %w1: tensor<5120x13824xbf16>, %w2: tensor<13824x5120xbf16>):
    %q = "stablehlo.dot_general"(%x, %wq) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [2], rhs_contracting_dimensions = [0]>}> : (tensor<2x4096x5120xbf16>, tensor<5120x5120xbf16>) -> tensor<2x4096x5120xbf16>
    %k = "stablehlo.dot_general"(%x, %wk) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [2], rhs_contracting_dimensions = [0]>}> : (tensor<2x4096x5120xbf16>, tensor<5120x5120xbf16>) -> tensor<2x4096x5120xbf16>
    %v = "stablehlo.dot_general"(%x, %wv) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [2], rhs_contracting_dimensions = [0]>}> : (tensor<2x4096x5120xbf16>, tensor<5120x5120xbf16>) -> tensor<2x4096x5120xbf16>
    %qh = "stablehlo.reshape"(%q) : (tensor<2x4096x5120xbf16>) -> tensor<2x4096x40x128xbf16>
    %kh = "stablehlo.reshape"(%k) : (tensor<2x4096x5120xbf16>) -> tensor<2x4096x40x128xbf16>
    %vh = "stablehlo.reshape"(%v) : (tensor<2x4096x5120xbf16>) -> tensor<2x4096x40x128xbf16>
    // Ulysses: all-to-all from the token dimension to the head dimension.
    %qa = "sdy.sharding_constraint"(%qh) <{sharding = #sdy.sharding<@mesh, [{"cfg"}, {}, {"sp"}, {}]>}> : (tensor<2x4096x40x128xbf16>) -> tensor<2x4096x40x128xbf16>
    %ka = "sdy.sharding_constraint"(%kh) <{sharding = #sdy.sharding<@mesh, [{"cfg"}, {}, {"sp"}, {}]>}> : (tensor<2x4096x40x128xbf16>) -> tensor<2x4096x40x128xbf16>
    %va = "sdy.sharding_constraint"(%vh) <{sharding = #sdy.sharding<@mesh, [{"cfg"}, {}, {"sp"}, {}]>}> : (tensor<2x4096x40x128xbf16>) -> tensor<2x4096x40x128xbf16>
    %s = "stablehlo.dot_general"(%qa, %ka) <{dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = [0, 2], rhs_batching_dimensions = [0, 2], lhs_contracting_dimensions = [3], rhs_contracting_dimensions = [3]>}> : (tensor<2x4096x40x128xbf16>, tensor<2x4096x40x128xbf16>) -> tensor<2x40x4096x4096xbf16>
    %p = "stablehlo.exponential"(%s) : (tensor<2x40x4096x4096xbf16>) -> tensor<2x40x4096x4096xbf16>
    %o = "stablehlo.dot_general"(%p, %va) <{dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = [0, 1], rhs_batching_dimensions = [0, 2], lhs_contracting_dimensions = [3], rhs_contracting_dimensions = [1]>}> : (tensor<2x40x4096x4096xbf16>, tensor<2x4096x40x128xbf16>) -> tensor<2x40x4096x128xbf16>
    %ot = "stablehlo.transpose"(%o) <{permutation = array<i64: 0, 2, 1, 3>}> : (tensor<2x40x4096x128xbf16>) -> tensor<2x4096x40x128xbf16>
    // Ulysses: all-to-all back from heads to tokens.
    %ob = "sdy.sharding_constraint"(%ot) <{sharding = #sdy.sharding<@mesh, [{"cfg"}, {"sp"}, {}, {}]>}> : (tensor<2x4096x40x128xbf16>) -> tensor<2x4096x40x128xbf16>
    %of = "stablehlo.reshape"(%ob) : (tensor<2x4096x40x128xbf16>) -> tensor<2x4096x5120xbf16>
    %y = "stablehlo.dot_general"(%of, %wo) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [2], rhs_contracting_dimensions = [0]>}> : (tensor<2x4096x5120xbf16>, tensor<5120x5120xbf16>) -> tensor<2x4096x5120xbf16>
    %r = "stablehlo.add"(%x, %y) : (tensor<2x4096x5120xbf16>, tensor<2x4096x5120xbf16>) -> tensor<2x4096x5120xbf16>
    // Megatron FFN: column-parallel up projection, row-parallel down
    // projection (partial sums reduced over "tp").
    %h = "stablehlo.dot_general"(%r, %w1) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [2], rhs_contracting_dimensions = [0]>}> : (tensor<2x4096x5120xbf16>, tensor<5120x13824xbf16>) -> tensor<2x4096x13824xbf16>
    %g = "stablehlo.tanh"(%h) : (tensor<2x4096x13824xbf16>) -> tensor<2x4096x13824xbf16>
    %d = "stablehlo.dot_general"(%g, %w2) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [2], rhs_contracting_dimensions = [0]>}> : (tensor<2x4096x13824xbf16>, tensor<13824x5120xbf16>) -> tensor<2x4096x5120xbf16>
    %out = "stablehlo.add"(%r, %d) {sdy.sharding = #sdy.sharding_per_value<[<@mesh, [{"cfg"}, {"sp"}, {}]>]>} : (tensor<2x4096x5120xbf16>, tensor<2x4096x5120xbf16>) -> tensor<2x4096x5120xbf16>
    "func.return"(%out) : (tensor<2x4096x5120xbf16>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 16 : i32, mhlo.num_replicas = 1 : i32} : () -> ()
