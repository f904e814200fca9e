// The az-plan pipeline (estimate -> prune -> place -> rewrite) on the
// Wan-like block of estimate-candidates-wan.mlir (mesh cfg=2, sp=4, tp=2 on
// v5e:4x4), whose stage-1 numbers that test derives by hand.
// RUN: aoizora-opt %S/estimate-candidates-wan.mlir --az-plan='topology=v5e:4x4 plan-file=%t.json' -o %t.mlir 2>&1 | FileCheck %s
// RUN: FileCheck %s --check-prefix=PLAN < %t.json
// RUN: FileCheck %s --check-prefix=IR < %t.mlir
// The rewritten module re-reads, and planning it again keeps it as it is.
// RUN: aoizora-opt %t.mlir --az-inspect-shardings -o /dev/null 2>&1 | FileCheck %s --check-prefix=REREAD
// RUN: aoizora-opt %t.mlir --az-plan='topology=v5e:4x4' 2>&1 | FileCheck %s --check-prefix=AGAIN
// Through the plugin, with Debian's mlir-opt.
// RUN: mlir-opt %S/estimate-candidates-wan.mlir --allow-unregistered-dialect --load-pass-plugin=%aoizora_libs/AoiZoraPlugin%shlibext --pass-pipeline='builtin.module(az-plan{topology=v5e:4x4 apply=false})' -o /dev/null 2>&1 | FileCheck %s

// Stage 1 keeps three candidates (prune-candidates tests why); each is
// placed, and sp=8 without tensor parallelism wins: its only collectives are
// the Ulysses all-to-alls inside 2x4 blocks of the grid, which the module
// order already gives, so its placement is the module order.
// CHECK: remark: candidate #1 cfg=2,sp=8,tp=1: step {{.*}} with module order
// CHECK: remark: candidate #2
// CHECK: remark: candidate #3
// CHECK: remark: baseline module as written (cfg=2,sp=4,tp=2): step {{.*}}; the plan is {{1\.[0-9][0-9]}}x faster
// CHECK: remark: baseline topology-oblivious (alpha-beta) planner (cfg=2,sp=8,tp=1): step {{.*}}; the plan is 1.00x faster

// PLAN: "baselines": [
// PLAN: "name": "module as written"
// PLAN: "name": "topology-oblivious (alpha-beta) planner"
// PLAN: "candidate": {
// PLAN: "label": "cfg=2,sp=8,tp=1",
// PLAN: "mesh": "#sdy.mesh<[\"cfg\"=2, \"sp\"=8, \"tp\"=1]>",
// PLAN: "collective_source": "derived by stage 1 from the module's shardings",
// PLAN: "device_order": [
// PLAN: "jax_mesh_snippet": "{{.*}}reshape((2, 8, 1,))\nmesh = Mesh(devices, ('cfg', 'sp', 'tp',))\n",

// Only the mesh's axis sizes change; the stage-1 table is gone.
// IR: "sdy.mesh"() <{mesh = #sdy.mesh<["cfg"=2, "sp"=8, "tp"=1]>, sym_name = "mesh"}>
// IR-NOT: aoizora.

// REREAD: remark: mesh @mesh = #sdy.mesh<["cfg"=2, "sp"=8, "tp"=1]> (16 devices, from sdy.mesh)
// AGAIN: remark: candidate #1 cfg=2,sp=8,tp=1
// AGAIN: "sdy.mesh"() <{mesh = #sdy.mesh<["cfg"=2, "sp"=8, "tp"=1]>, sym_name = "mesh"}>
