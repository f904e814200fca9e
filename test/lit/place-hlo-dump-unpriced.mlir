// No silent zero: communication the HLO importer cannot price is reported
// with its line and reason, a dump with no priceable collective is an error
// unless allow-empty=true, and a plan priced from a dump that has some marks
// its cost "incomplete".
// RUN: not aoizora-opt %s --az-place='topology=v5e:2x2 hlo-dump=%S/Inputs/hlo/unpriced-only.txt' -o /dev/null 2>&1 | FileCheck %s --check-prefix=ONLY
// RUN: aoizora-opt %s --az-place='topology=v5e:2x2 allow-empty=true emit-remarks=false plan-file=%t.empty.json hlo-dump=%S/Inputs/hlo/unpriced-only.txt' -o /dev/null 2>&1 | FileCheck %s --check-prefix=ALLOW
// RUN: FileCheck %s --check-prefix=ALLOW-PLAN < %t.empty.json
// RUN: not aoizora-opt %s --az-place='topology=v5e:2x2 hlo-dump=%S/Inputs/hlo/no-collectives.txt' -o /dev/null 2>&1 | FileCheck %s --check-prefix=NONE
// RUN: aoizora-opt %s --az-place='topology=v5e:2x2 emit-remarks=false plan-file=%t.partly.json hlo-dump=%S/Inputs/hlo/partly-priced.txt' -o /dev/null 2>&1 | FileCheck %s --check-prefix=PARTLY
// RUN: FileCheck %s --check-prefix=PARTLY-PLAN < %t.partly.json
// The pipeline forwards allow-empty to az-place.
// RUN: aoizora-opt %s --az-plan='topology=v5e:2x2 allow-empty=true hlo-dump=%S/Inputs/hlo/unpriced-only.txt' -o /dev/null 2>&1 | FileCheck %s --check-prefix=ALLOW

// ONLY: warning: HLO dump '{{.*}}unpriced-only.txt': line 6: 'send' cannot be priced: send between devices has no source_target_pairs to say which devices it links
// ONLY: warning: HLO dump '{{.*}}unpriced-only.txt': line 8: 'nccl' cannot be priced: custom-call target "__nccl_all_reduce_kernel" communicates between devices and its traffic is not known
// ONLY: error: HLO dump '{{.*}}unpriced-only.txt' has no collective that az-place can price (2 communicating instruction(s) cannot be priced; see the warnings), so its communication would cost 0 s; pass allow-empty=true to place it anyway

// ALLOW: warning: HLO dump '{{.*}}unpriced-only.txt' has no collective that az-place can price (2 communicating instruction(s) cannot be priced; see the warnings); its communication is priced at 0 s
// ALLOW-PLAN: "cost": "incomplete",
// ALLOW-PLAN: "unpriced_communication": 2

// NONE: error: HLO dump '{{.*}}no-collectives.txt' has no collective that az-place can price, so its communication would cost 0 s; pass allow-empty=true to place it anyway

// PARTLY: warning: HLO dump '{{.*}}partly-priced.txt': line 12: 'nccl' cannot be priced
// PARTLY: warning: HLO dump '{{.*}}partly-priced.txt': the cost is incomplete: 1 communicating instruction(s) cannot be priced
// PARTLY-PLAN: "cost": "incomplete",
// PARTLY-PLAN: "dump_collectives": [
// PARTLY-PLAN-NEXT: {
// PARTLY-PLAN-NEXT: "bytes_per_device": 1024,
// PARTLY-PLAN-NEXT: "count": 1,
// PARTLY-PLAN-NEXT: "group_size": 4,
// PARTLY-PLAN-NEXT: "groups": 1,
// PARTLY-PLAN-NEXT: "instruction": "all-reduce",
// PARTLY-PLAN-NEXT: "kind": "all-reduce",
// PARTLY-PLAN-NEXT: "line": 11,
// PARTLY-PLAN-NEXT: "opcode": "all-reduce"
// PARTLY-PLAN: "unpriced_communication": 1
"builtin.module"() <{sym_name = "jit_step"}> ({
  "sdy.mesh"() <{mesh = #sdy.mesh<["x"=4]>, sym_name = "mesh"}> : () -> ()
  "func.func"() <{arg_attrs = [{sdy.sharding = #sdy.sharding<@mesh, [{"x"}]>}], function_type = (tensor<1024xf32>) -> tensor<1024xf32>, sym_name = "main"}> ({
  ^bb0(%arg0: tensor<1024xf32>):
    "func.return"(%arg0) : (tensor<1024xf32>) -> ()
  }) : () -> ()
}) {mhlo.num_partitions = 4 : i32, mhlo.num_replicas = 1 : i32} : () -> ()
