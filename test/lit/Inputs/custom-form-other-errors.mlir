// A custom op of a dialect that is not one of JAX's.
func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {
    %0 = foo.add %a, %a : tensor<2xf32>
    return %0 : tensor<2xf32>
}

// -----

// A syntax error.
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=2]>, sym_name = "mesh"
}) : () -> ()
