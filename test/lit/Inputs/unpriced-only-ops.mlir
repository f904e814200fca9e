"builtin.module"() <{sym_name = "only_unpriced"}> ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=4]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{function_type = (tensor<1024xf32>) -> tensor<1024xf32>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<1024xf32>):
    %0 = "stablehlo.custom_call"(%arg0) <{call_target_name = "tpu_all_gather_kernel"}> : (tensor<1024xf32>) -> tensor<1024xf32>
    "func.return"(%0) : (tensor<1024xf32>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 4 : i32} : () -> ()
