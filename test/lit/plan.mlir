// The az-plan pipeline (estimate -> prune -> place -> rewrite) on the
// Wan-like block of estimate-candidates-wan.mlir (mesh cfg=2, sp=4, tp=2 on
// v5e:4x4), whose stage-1 numbers that test derives by hand.
// RUN: aoizora-opt %S/estimate-candidates-wan.mlir --az-plan='topology=v5e:4x4 plan-file=%t.json' -o %t.mlir 2>&1 | FileCheck %s
// With the simulator: its time sits next to the analytic one.
// RUN: aoizora-opt %S/estimate-candidates-wan.mlir --az-plan='topology=v5e:4x4 simulate=true apply=false plan-file=%t.sim.json' -o /dev/null 2>&1 | FileCheck %s --check-prefix=SIM
// RUN: FileCheck %s --check-prefix=SIMPLAN < %t.sim.json
// RUN: FileCheck %s --check-prefix=PLAN < %t.json
// RUN: FileCheck %s --check-prefix=IR < %t.mlir
// The rewritten module re-reads, and planning it again keeps it as it is.
// RUN: aoizora-opt %t.mlir --az-inspect-shardings -o /dev/null 2>&1 | FileCheck %s --check-prefix=REREAD
// RUN: aoizora-opt %t.mlir --az-plan='topology=v5e:4x4' 2>&1 | FileCheck %s --check-prefix=AGAIN
// plan-plugin.mlir runs the same plan through the plugin.

// Stage 1 keeps three candidates (prune-candidates tests why); each is
// placed, and sp=8 without tensor parallelism wins: its only collectives are
// the Ulysses all-to-alls inside 2x4 blocks of the grid. With messages split
// over both dimension orders, local search from the module order finds a
// layout of those blocks with less contention than the module order's.
// CHECK: remark: candidate #1 cfg=2,sp=8,tp=1: step {{.*}} with local search from module order; {{.*}}; communication lower bound {{[0-9.]+ us}}
// CHECK: remark: candidate #2
// CHECK: remark: candidate #3
// CHECK: remark: baseline module as written (cfg=2,sp=4,tp=2): step {{.*}}; the plan is {{1\.[0-9][0-9]}}x faster
// JAX's mesh_utils cannot lay [2,4,2] or [2,8,1] on the 4x4 grid without
// splitting a physical axis; with allow_split_physical_axes=True it can.
// CHECK: remark: baseline module as written + mesh_utils order (cfg=2,sp=4,tp=2): step {{.*}} (mesh_utils [2, 4, 2] (torus, split axes: {{.*}}), needs allow_split_physical_axes=True)
// The alpha-beta planner picks the same mesh; the plan's layout of its
// sp=8 blocks is what makes it 1.03x faster.
// CHECK: remark: baseline topology-oblivious (alpha-beta) planner (cfg=2,sp=8,tp=1): step {{.*}}; the plan is 1.03x faster
// CHECK: remark: baseline topology-oblivious (alpha-beta) planner + mesh_utils order (cfg=2,sp=8,tp=1): step {{.*}}; the plan is 1.03x faster

// SIM: remark: simulated communication of the plan: {{[0-9.]+}} us (analytic {{[0-9.]+}} us)
// SIMPLAN: "name": "module as written",
// SIMPLAN-NEXT: "note": "sorted ids",
// SIMPLAN-NEXT: "runs": true,
// SIMPLAN-NEXT: "simulated_communication_seconds": {{[0-9.e-]+}},
// SIMPLAN: "candidate": {
// SIMPLAN: "simulated_communication_seconds": {{[0-9.e-]+}},
// SIMPLAN-NEXT: "sizes": [
// SIMPLAN: "simulated_collectives": [
// SIMPLAN-NEXT: {
// SIMPLAN-NEXT: "analytic_seconds": {{[0-9.e-]+}},
// SIMPLAN-NEXT: "bytes":
// SIMPLAN-NEXT: "count":
// SIMPLAN-NEXT: "group_size":
// SIMPLAN-NEXT: "groups":
// SIMPLAN-NEXT: "kind": "{{all-gather|all-reduce|all-to-all|reduce-scatter}}",
// SIMPLAN-NEXT: "simulated_seconds": {{[0-9.e-]+}}

// The three JAX orders (sorted ids, jax.devices(), jax.make_mesh) and
// create_device_mesh's, for the module's mesh and the oblivious planner's.
// PLAN: "baselines": [
// PLAN: "name": "module as written"
// PLAN-NEXT: "note": "sorted ids",
// PLAN: "name": "module as written + jax.devices() order",
// PLAN-NEXT: "note": "modelled list order: 4 process(es) of 2x2x1 chips",
// PLAN: "name": "module as written + jax.make_mesh order",
// PLAN-NEXT: "note": "jax.make_mesh: mesh_utils [2, 4, 2] (torus, split axes: {{.*}})",
// PLAN: "name": "module as written + mesh_utils order"
// PLAN: "name": "topology-oblivious (alpha-beta) planner"
// PLAN: "name": "topology-oblivious (alpha-beta) planner + jax.devices() order"
// PLAN: "name": "topology-oblivious (alpha-beta) planner + jax.make_mesh order"
// PLAN: "candidate": {
// PLAN: "communication_lower_bound_seconds": {{[0-9.e-]+}},
// PLAN: "label": "cfg=2,sp=8,tp=1",
// PLAN: "mesh": "#sdy.mesh<[\"cfg\"=2, \"sp\"=8, \"tp\"=1]>",
// PLAN: "collective_source": "derived by stage 1 from the module's shardings",
// PLAN: "device_order": [
// PLAN: "jax_mesh_snippet": "{{.*}}reshape((2, 8, 1,))\nmesh = Mesh(devices, ('cfg', 'sp', 'tp',))\n",
// PLAN: "lower_bound": {
// PLAN-NEXT: "communication_gap": {{[1-9][0-9.]*}},
// PLAN-NEXT: "communication_seconds": {{[0-9.e-]+}},
// PLAN-NEXT: "step_seconds": {{[0-9.e-]+}}
// The winner's best placements (top-k=4), best first.
// PLAN: "ranking": [
// PLAN-COUNT-4: "origin":
// PLAN-NOT: "origin":
// PLAN: "topology": "v5e:4x4:wrap=0,0"

// Only the mesh's axis sizes and device order change; the stage-1 table is
// gone.
// IR: "sdy.mesh"() <{mesh = #sdy.mesh<["cfg"=2, "sp"=8, "tp"=1], device_ids=[{{[0-9, ]+}}]>, sym_name = "mesh"}>
// IR-NOT: aoizora.

// REREAD: remark: mesh @mesh = #sdy.mesh<["cfg"=2, "sp"=8, "tp"=1], device_ids=[{{[0-9, ]+}}]> (16 devices, from sdy.mesh)
// AGAIN: remark: candidate #1 cfg=2,sp=8,tp=1
// AGAIN: "sdy.mesh"() <{mesh = #sdy.mesh<["cfg"=2, "sp"=8, "tp"=1], device_ids=[{{[0-9, ]+}}]>, sym_name = "mesh"}>
