// az-place prices a module with the collectives of its compiled XLA HLO (the
// importer's fixture: num_partitions=8, all-gathers over [2,4]<=[8] and
// [4,2]<=[2,4]T(1,0), an all-reduce, a reduce-scatter, all-to-alls, a
// collective-permute and a broadcast; the cross-replica all-reduce of one
// replica moves nothing).
// RUN: aoizora-opt %s --split-input-file --az-place='topology=v5e:2x4 hlo-dump=%aoizora_src/unittests/HloImport/Inputs/spmd_collectives.txt plan-file=%t.json' -o /dev/null 2>&1 | FileCheck %s
// RUN: FileCheck %s --check-prefix=PLAN < %t.json
// RUN: not aoizora-opt %s --split-input-file --az-place='topology=v5e:2x4 hlo-dump=%t.missing.txt' -o /dev/null 2>&1 | FileCheck %s --check-prefix=MISSING
// Without stage 1 only the module's own mesh is placed: a dump for another
// candidate is reported unused, and this module has nothing else to price.
// RUN: not aoizora-opt %s --az-place='topology=v5e:2x4 hlo-dump=4x2=%aoizora_src/unittests/HloImport/Inputs/spmd_collectives.txt' -o /dev/null 2>&1 | FileCheck %s --check-prefix=OTHER
// RUN: not aoizora-opt %s --az-place='topology=v5e:2x4 hlo-dump=0x8=%t.txt' -o /dev/null 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: not aoizora-opt %s --az-place='topology=v5e:2x4 hlo-dump=2x4=' -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOFILE

// CHECK: remark: placement #1:
// CHECK: remark: baseline module order:
// PLAN: "collective_source": "compiled HLO dump {{.*}}spmd_collectives.txt",
// MISSING: error: cannot import HLO dump '{{.*}}missing.txt'
// OTHER: warning: hlo-dump '{{.*}}spmd_collectives.txt' is for another candidate mesh; without az-estimate-candidates only the module's own mesh is placed, so it is not used
// OTHER: error: az-place found no explicit collectives to place
// ZERO: error: hlo-dump '0x8={{.*}}': axis size '0' is not a positive size of at most 8
// NOFILE: error: hlo-dump '2x4=' names no file
"builtin.module"() <{sym_name = "jit_train_step"}> ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=2, "y"=4]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}, {"y"}]>}], function_type = (tensor<8x1024xbf16>) -> tensor<8x1024xbf16>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<8x1024xbf16>):
    "func.return"(%arg0) : (tensor<8x1024xbf16>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 8 : i32, mhlo.num_replicas = 1 : i32} : () -> ()
