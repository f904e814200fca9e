// RUN: aoizora-opt %s --az-estimate-candidates='topology=v5e:2x4' -o /dev/null 2>&1 | FileCheck %s
// RUN: aoizora-opt %s --az-plan='topology=v5e:2x4 plan-file=%t.json' -o %t.mlir 2>&1 | FileCheck %s --check-prefix=PLAN
// RUN: aoizora-opt %t.mlir --az-inspect-shardings -o /dev/null
//
// A GSPMD-only module (mhlo.sharding strings, no named axes): a Megatron FFN
// on 8 devices with the batch split in 2 and the FFN in 4. Its shardings are
// read on the mesh of 8's prime factors, _axis_0..2 of size 2 (device
// d = 4*a0 + 2*a1 + a2):
//   x  {devices=[2,1,4]<=[8] last_tile_dim_replicate}            -> [{a0}, {}]
//   w1 {devices=[1,4,2]<=[2,4]T(1,0) last_tile_dim_replicate}    -> [{}, {a1, a2}]
//   w2 {devices=[4,1,2]<=[2,4]T(1,0) last_tile_dim_replicate}    -> [{a1, a2}, {}]
// so the FFN is split 4 ways over {a1, a2} and the batch over a0.
// Per device: x is 2048x1024, w1 1024x1024, w2 1024x1024 (bf16).
//   FLOPs: two dots of 2*2048*1024*1024 = 8589934592.
//   The down projection contracts the split FFN dimension: partial sums,
//   all-reduced over {a1, a2} before the result, whose annotation replicates
//   it over them: 2048*1024*2 B = 4.00 MiB.
// CHECK: remark: GSPMD-only module (no named mesh axes): its HLO shardings are read on the mesh #sdy.mesh<["_axis_0"=2, "_axis_1"=2, "_axis_2"=2]>
// CHECK: remark: candidate _axis_0=2,_axis_1=2,_axis_2=2 (module mesh): 8589934592 FLOPs, {{.*}} all-reduce{"_axis_1", "_axis_2"} x1 4.00 MiB
// CHECK: remark: 1 candidates for the module on v5e:2x4:wrap=0,0, 0 rejected
// Stage 2 places the module's own tiling and relabels its strings.
// PLAN: remark: candidate #1 _axis_0=2,_axis_1=2,_axis_2=2
// PLAN: remark: baseline module as written
"builtin.module"() <{sym_name = "gspmd_ffn"}> ({
  "func.func"() <{arg_attrs = [{mhlo.sharding = "{devices=[2,1,4]<=[8] last_tile_dim_replicate}"}, {mhlo.sharding = "{devices=[1,4,2]<=[2,4]T(1,0) last_tile_dim_replicate}"}, {mhlo.sharding = "{devices=[4,1,2]<=[2,4]T(1,0) last_tile_dim_replicate}"}], function_type = (tensor<4096x1024xbf16>, tensor<1024x4096xbf16>, tensor<4096x1024xbf16>) -> tensor<4096x1024xbf16>, res_attrs = [{mhlo.sharding = "{devices=[2,1,4]<=[8] last_tile_dim_replicate}"}], sym_name = "main"}> ({
  ^bb0(%x: tensor<4096x1024xbf16>, %w1: tensor<1024x4096xbf16>, %w2: tensor<4096x1024xbf16>):
    %h = "stablehlo.dot_general"(%x, %w1) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [0]>}> : (tensor<4096x1024xbf16>, tensor<1024x4096xbf16>) -> tensor<4096x4096xbf16>
    %g = "stablehlo.tanh"(%h) : (tensor<4096x4096xbf16>) -> tensor<4096x4096xbf16>
    %d = "stablehlo.dot_general"(%g, %w2) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [0]>}> : (tensor<4096x4096xbf16>, tensor<4096x1024xbf16>) -> tensor<4096x1024xbf16>
    "func.return"(%d) : (tensor<4096x1024xbf16>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 8 : i32, mhlo.num_replicas = 1 : i32} : () -> ()
