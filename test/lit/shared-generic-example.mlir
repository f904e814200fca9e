// REQUIRES: shared-examples
// Reads the one generic-form example of ../shared/examples directly: the
// sdy.sharding_constraint that Shardy's Python test prints in generic form
// because it fails verification. Wrapped into a module without its mesh,
// AoiZora reports the missing mesh; with a mesh that has the axes, it reports
// the rank mismatch (one dimension sharding for a rank-2 tensor).
//
// RUN: grep '^%1 = "sdy.sharding_constraint"' %shared/examples/generic_form/shardy_python_test_generic_sharding_constraint.txt > %t.op
// RUN: echo '"func.func"() <{function_type = (tensor<16x32xf32>) -> (), sym_name = "f"}> ({' > %t.nomesh.mlir
// RUN: echo '^bb0(%0: tensor<16x32xf32>):' >> %t.nomesh.mlir
// RUN: cat %t.op >> %t.nomesh.mlir
// RUN: echo '"func.return"() : () -> ()' >> %t.nomesh.mlir
// RUN: echo '}) : () -> ()' >> %t.nomesh.mlir
// RUN: not aoizora-opt %t.nomesh.mlir --az-inspect-shardings -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOMESH
// RUN: echo '"sdy.mesh"() <{mesh = #sdy.mesh<["data"=8, "model"=2]>, sym_name = "my_mesh"}> : () -> ()' > %t.mesh.mlir
// RUN: cat %t.nomesh.mlir >> %t.mesh.mlir
// RUN: not aoizora-opt %t.mesh.mlir --az-inspect-shardings -o /dev/null 2>&1 | FileCheck %s --check-prefix=RANK

// NOMESH: error: unknown mesh @my_mesh in result #0 of 'sdy.sharding_constraint' ('#sdy.sharding<@my_mesh, [{"model"}], replicated={"data":(4)2}>')
// RANK: error: invalid sharding '#sdy.sharding<@my_mesh, [{"model"}], replicated={"data":(4)2}>' on result #0 of 'sdy.sharding_constraint' of type tensor<16x32xf32>: sharding doesn't match tensor rank: 1 != 2
