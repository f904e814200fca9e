// az-prune-candidates exclude=SIZES drops candidates before pruning (the
// Python bridge passes the ones that failed to compile), so that the next
// ones may survive; they count as rejected. Same module as
// prune-candidates.mlir: data=1,model=16 is the best estimate.
// RUN: aoizora-opt %s --allow-unregistered-dialect --az-estimate-candidates='topology=v5e:4x4 emit-remarks=false' --az-prune-candidates='keep-within=1e9 max-survivors=2 exclude=1x16' -o /dev/null 2>&1 | FileCheck %s
// RUN: aoizora-opt %s --allow-unregistered-dialect --az-estimate-candidates='topology=v5e:4x4 emit-remarks=false' --az-prune-candidates='keep-within=1e9 max-survivors=2 exclude=1x16,2x8 report-file=-' -o /dev/null 2>/dev/null | FileCheck %s --check-prefix=JSON
// An excluded candidate stays out of az-place even when a baseline names it
// (here the module's own mesh): the baseline is priced and reported, the
// candidate is not placed, so the plan never runs an excluded mesh.
// RUN: aoizora-opt %s --allow-unregistered-dialect --az-estimate-candidates='topology=v5e:4x4 emit-remarks=false' --az-prune-candidates='keep-within=1e9 max-survivors=2 exclude=4x4' -o - 2>/dev/null | FileCheck %s --check-prefix=ATTR
// RUN: aoizora-opt %s --allow-unregistered-dialect --az-estimate-candidates='topology=v5e:4x4 emit-remarks=false' --az-prune-candidates='keep-within=1e9 max-survivors=2 exclude=4x4 emit-remarks=false' --az-place='topology=v5e:4x4' -o /dev/null 2>&1 | FileCheck %s --check-prefix=PLACE
// RUN: not aoizora-opt %s --allow-unregistered-dialect --az-estimate-candidates='topology=v5e:4x4 emit-remarks=false' --az-prune-candidates='exclude=1xa' -o /dev/null 2>&1 | FileCheck %s --check-prefix=MALFORMED
// RUN: not aoizora-opt %s --allow-unregistered-dialect --az-estimate-candidates='topology=v5e:4x4 emit-remarks=false' --az-prune-candidates='exclude=3x5' -o /dev/null 2>&1 | FileCheck %s --check-prefix=NONE
// RUN: not aoizora-opt %s --allow-unregistered-dialect --az-estimate-candidates='topology=v5e:4x4 emit-remarks=false' --az-prune-candidates='exclude=16' -o /dev/null 2>&1 | FileCheck %s --check-prefix=NONE1

// CHECK: remark: kept #1 data=2,model=8
// CHECK: remark: kept #2 data=4,model=4
// CHECK: remark: pruned data=1,model=16: rejected (excluded)
// CHECK: remark: kept 2 of 5 candidates

// JSON: "survivors": [
// JSON: "label": "data=4,model=4"
// JSON: "label": "data=8,model=2"
// JSON-NOT: "label"

// ATTR: aoizora.candidates = {{{.*}}excluded = [array<i64: 4, 4>]
// PLACE: remark: candidate #1 data=1,model=16
// PLACE: remark: candidate #2 data=2,model=8
// PLACE-NOT: candidate #3
// PLACE: remark: baseline module as written (data=4,model=4): step
// MALFORMED: error: az-prune-candidates: exclude '1xa' is not a list of sizes such as 2x4x1
// NONE: error: az-prune-candidates: exclude '3x5' names no candidate (sizes are in the mesh's axis order)
// NONE1: error: az-prune-candidates: exclude '16' names no candidate
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
