// az-plan with compiled dumps per candidate: 'SIZES=PATH' prices that
// candidate with the dump's collectives, the others keep stage 1's derived
// ones, and the plan says which source priced each. The mesh x=2,y=4 on
// v5e:2x4 has candidates over (x, y) with product 8; keep-within=1e9 keeps
// them all so the dumped ones are placed.
// RUN: aoizora-opt %s --az-plan='topology=v5e:2x4 keep-within=1e9 max-survivors=16 apply=false hlo-dump=2x4=%aoizora_src/unittests/HloImport/Inputs/spmd_collectives.txt plan-file=%t.json' -o /dev/null 2>&1 | FileCheck %s
// RUN: FileCheck %s --check-prefix=PLAN < %t.json
// A dump for a candidate that is not placed is reported, not silently dropped.
// RUN: aoizora-opt %s --az-plan='topology=v5e:2x4 max-survivors=1 apply=false hlo-dump=8x1=%aoizora_src/unittests/HloImport/Inputs/spmd_collectives.txt' -o /dev/null 2>&1 | FileCheck %s --check-prefix=UNUSED
// Malformed entries.
// RUN: not aoizora-opt %s --az-plan='topology=v5e:2x4 hlo-dump=3x3=%t.txt' -o /dev/null 2>&1 | FileCheck %s --check-prefix=SIZES
// RUN: not aoizora-opt %s --az-plan='topology=v5e:2x4 hlo-dump=2x4x1=%t.txt' -o /dev/null 2>&1 | FileCheck %s --check-prefix=RANK
// RUN: not aoizora-opt %s --az-plan='topology=v5e:2x4 hlo-dump=%t.a.txt,2x4=%t.b.txt' -o /dev/null 2>&1 | FileCheck %s --check-prefix=TWICE

// The dump (the importer's fixture, many more collectives than this small
// module needs) makes x=2,y=4 the slowest candidate; its baseline is priced
// from the same dump, so the plan is never reported slower than it.
// CHECK: remark: candidate #1 x=4,y=2: step {{.*}} on the module order) with module order; collectives derived by stage 1 from the module's shardings
// CHECK: remark: candidate #4 x=2,y=4: step [[DUMPED:[0-9.]+ us]] {{.*}}; collectives compiled HLO dump {{.*}}spmd_collectives.txt
// CHECK: remark: baseline module as written (x=2,y=4): step [[DUMPED]]; the plan is {{[1-9]\.[0-9]+}}x faster

// PLAN: "candidates": [
// PLAN-DAG: "collective_source": "compiled HLO dump {{.*}}spmd_collectives.txt",
// PLAN-DAG: "collective_source": "derived by stage 1 from the module's shardings",

// UNUSED: warning: hlo-dump '{{.*}}spmd_collectives.txt' is not used: its candidate did not survive az-prune-candidates or cannot be placed

// SIZES: error: hlo-dump '3x3={{.*}}': a candidate needs 2 axis sizes whose product is 8
// RANK: error: hlo-dump '2x4x1={{.*}}': a candidate needs 2 axis sizes whose product is 8
// TWICE: error: hlo-dump gives two dumps for one candidate: '{{.*}}a.txt' and '{{.*}}b.txt'
"builtin.module"() <{sym_name = "jit_train_step"}> ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=2, "y"=4]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {"y"}]>}, {sdy.sharding = #sdy.sharding<@mesh, [{"y"}, {}]>}],
      function_type = (tensor<8x1024xbf16>, tensor<1024x4096xbf16>) -> tensor<8x4096xbf16>,
      res_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}]>}], sym_name = "main"}> ({
  ^bb0(%a: tensor<8x1024xbf16>, %w: tensor<1024x4096xbf16>):
    %0 = "stablehlo.dot_general"(%a, %w) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [0]>}> : (tensor<8x1024xbf16>, tensor<1024x4096xbf16>) -> tensor<8x4096xbf16>
    "func.return"(%0) : (tensor<8x4096xbf16>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 8 : i32, mhlo.num_replicas = 1 : i32} : () -> ()
