// When the mesh must keep its axis sizes (here an mhlo.sharding string
// spells out devices), only the module's own mesh is placed, and the
// topology-oblivious planner's baseline chooses among the same meshes: it
// may not pick a candidate the plan could not take, so the plan is never
// reported slower than it.
// RUN: aoizora-opt %s --az-plan='topology=v5e:2x4 apply=false' -o /dev/null 2>&1 | FileCheck %s

// CHECK: remark: candidate x=2,y=4 not placed: the mesh keeps its axis sizes because it has mhlo.sharding strings
// CHECK: remark: candidate #1 x=1,y=8: step [[STEP:[0-9.]+ us]]
// CHECK-NOT: remark: candidate #2
// CHECK: remark: baseline topology-oblivious (alpha-beta) planner (x=1,y=8): step [[STEP]]; the plan is 1.00x faster
"builtin.module"() <{sym_name = "fixed"}> ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=1, "y"=8]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {"y"}]>}, {mhlo.sharding = "{replicated}"}],
      function_type = (tensor<8x1024xbf16>, tensor<1024x4096xbf16>) -> tensor<8x4096xbf16>,
      res_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {}]>}], sym_name = "main"}> ({
  ^bb0(%a: tensor<8x1024xbf16>, %w: tensor<1024x4096xbf16>):
    %0 = "stablehlo.dot_general"(%a, %w) <{dot_dimension_numbers = #stablehlo.dot<lhs_contracting_dimensions = [1], rhs_contracting_dimensions = [0]>}> : (tensor<8x1024xbf16>, tensor<1024x4096xbf16>) -> tensor<8x4096xbf16>
    "func.return"(%0) : (tensor<8x4096xbf16>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 8 : i32, mhlo.num_replicas = 1 : i32} : () -> ()
