// RUN: aoizora-opt %s --allow-unregistered-dialect --split-input-file --az-estimate-candidates='topology=v5e:4x4 emit-remarks=false' --az-prune-candidates='keep-within=1.5 max-survivors=4 emit-remarks=false report-file=-' -o /dev/null | FileCheck %s --check-prefix=JSON
// RUN: aoizora-opt %s --allow-unregistered-dialect --split-input-file --az-estimate-candidates='topology=v5e:4x4 emit-remarks=false' --az-prune-candidates='emit-remarks=false' | FileCheck %s --check-prefix=ATTR

// The same module as prune-candidates.mlir; what stage 2 reads: the
// aoizora.candidates attribute and the JSON report.
// JSON: "keep_within": 1.5,
// JSON: "mesh": "mesh",
// JSON: "num_candidates": 5,
// JSON: "survivors": [
// JSON: "label": "data=1,model=16",
// JSON: "mesh": "#sdy.mesh<[\"data\"=1, \"model\"=16]>",
// JSON: "rank": 1,
// JSON: "topology": "v5e:4x4:wrap=0,0"
// ATTR: module attributes {aoizora.candidates = {estimate_options = {allow_padding = false, calibration = "", check_memory = true, overlap = "async"}, excluded = [], keep_within = 1.500000e+00 : f64, mesh = "mesh", survivors = [{label = "data=1,model=16", lower_bound_seconds = {{.*}} : f64, mesh = "#sdy.mesh<[\22data\22=1, \22model\22=16]>", rank = 1 : i64, sizes = array<i64: 1, 16>, total_seconds = {{.*}} : f64}], topology = "v5e:4x4:wrap=0,0"}} {

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
