// JAX prints StableHLO/Shardy in custom syntax by default; aoizora-opt reads
// the generic form only. Such a file gets one error at MLIR's location that
// says what the file is and how to print it generic, instead of MLIR's
// "Dialect `sdy' not found for custom op".
// RUN: not aoizora-opt %s 2>&1 | FileCheck %s --check-prefix=WHOLE
// RUN: not aoizora-opt %s --split-input-file 2>&1 | FileCheck %s --check-prefix=SPLIT
// Other parse errors keep MLIR's own message.
// RUN: not aoizora-opt %S/Inputs/custom-form-other-errors.mlir --split-input-file 2>&1 | FileCheck %s --check-prefix=OTHER

// WHOLE: custom-form-error.mlir:[[# @LINE + 6]]:3: error: 'sdy.mesh' is written in custom syntax, the form JAX prints by default; aoizora-opt reads the generic form only (the sdy, stablehlo, mhlo and chlo dialects are not linked in). Print the module generic in JAX: lowered.compiler_ir("stablehlo").operation.get_asm(print_generic_op_form=True)
// WHOLE-NEXT: sdy.mesh @mesh
// WHOLE-NOT: error
// WHOLE-NOT: Dialect
// SPLIT-NOT: Dialect
module @custom {
  sdy.mesh @mesh = <["x"=2]>
}

// -----

// The generic form of the same chunk parses.
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=2]>, sym_name = "mesh"}> : () -> ()
}) : () -> ()

// -----

// SPLIT: custom-form-error.mlir:[[# @LINE + 2]]:10: error: 'stablehlo.add' is written in custom syntax, the form JAX prints by default
func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {
    %0 = stablehlo.add %a, %a : tensor<2xf32>
    return %0 : tensor<2xf32>
}
// SPLIT-NOT: error

// OTHER: custom-form-other-errors.mlir:3:10: error: Dialect `foo' not found for custom op 'foo.add'
// OTHER: custom-form-other-errors.mlir:{{[0-9]+}}:{{[0-9]+}}: error:
// OTHER-NOT: custom syntax
