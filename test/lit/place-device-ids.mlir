// A mesh with explicit device_ids: the search treats the devices as one flat
// axis, but compiled dumps name the mesh's own sizes, mesh_utils lays out
// the mesh as written ([2, 4]), and the JAX snippet rebuilds the written
// mesh with each position's planned device (position p holds device_ids[p]
// while the plan keeps the module order: 7, 6, ..., 0).
// RUN: aoizora-opt %s --az-place='topology=v5e:2x4 apply=false hlo-dump=2x4=%aoizora_src/unittests/HloImport/Inputs/spmd_collectives.txt plan-file=%t.json' -o /dev/null 2>&1 | FileCheck %s
// RUN: FileCheck %s --check-prefix=PLAN < %t.json

// CHECK: remark: baseline mesh_utils order (mesh_utils [2, 4] (device-kind order)):
// PLAN: "collective_source": "compiled HLO dump {{.*}}spmd_collectives.txt",
// PLAN: "jax_mesh_snippet": "{{.*}}order = [7, 6, 5, 4, 3, 2, 1, 0]\ndevices = np.array([by_id[i] for i in order]).reshape((2, 4,))\nmesh = Mesh(devices, ('x', 'y',))\n",
"builtin.module"() <{sym_name = "jit_train_step"}> ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=2, "y"=4], device_ids=[7, 6, 5, 4, 3, 2, 1, 0]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {"y"}]>}], function_type = (tensor<8x1024xbf16>) -> tensor<8x1024xbf16>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<8x1024xbf16>):
    "func.return"(%arg0) : (tensor<8x1024xbf16>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 8 : i32, mhlo.num_replicas = 1 : i32} : () -> ()
