// A dump compiled for another device count is refused.
// RUN: not aoizora-opt %s --az-place='topology=v5e:2x2 hlo-dump=%aoizora_src/unittests/HloImport/Inputs/spmd_collectives.txt' -o /dev/null 2>&1 | FileCheck %s
// CHECK: error: HLO dump '{{.*}}spmd_collectives.txt' runs on 8 devices (num_partitions x replica_count) but the module on 4
"builtin.module"() ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=4]>, sym_name = "mesh"}> : () -> ()
}) {mhlo.num_partitions = 4 : i32} : () -> ()
