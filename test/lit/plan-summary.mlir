// summary-file: the plan as one aligned table, on the az-plan pipeline (the
// Wan-like block of estimate-candidates-wan.mlir, whose ranking plan.mlir
// checks) and on az-place over a partitioned module (place.mlir's). Module
// remarks carry the module's file and line without a column, so they do not
// echo the module's first line.
// RUN: aoizora-opt %S/estimate-candidates-wan.mlir --az-plan='topology=v5e:4x4 summary-file=-' -o /dev/null 2>&1 | FileCheck %s --check-prefix=PLAN
// RUN: aoizora-opt %S/estimate-candidates-wan.mlir --az-plan='topology=v5e:4x4 summary-file=%t.txt apply=false' -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: FileCheck %s --check-prefix=PLAN < %t.txt
// RUN: aoizora-opt %S/place.mlir --az-place='topology=v5e:2x4 summary-file=- emit-remarks=false' -o /dev/null 2>&1 | FileCheck %s --check-prefix=EXPLICIT
// The bundled example: every rejected candidate has its line.
// RUN: aoizora-opt %aoizora_src/examples/wan21_14b_block_sdy.mlir --az-plan='topology=v5e:4x4 summary-file=-' -o /dev/null 2>&1 | FileCheck %s --check-prefix=EXAMPLE
// RUN: not aoizora-opt %S/place.mlir --az-place='topology=v5e:2x4 summary-file=%t.missing/dir/s.txt' -o /dev/null 2>&1 | FileCheck %s --check-prefix=UNWRITABLE

// PLAN-LABEL: az-place plan on v5e:4x4:wrap=0,0 (16 devices): cfg=2,sp=8,tp=1 placed on local search from module order, step {{[0-9.]+}} {{m|u}}s; collectives derived by stage 1 from the module's shardings
// PLAN: mesh compute communication step vs plan order
// PLAN-NEXT: {{^}}plan (candidate #1) cfg=2,sp=8,tp=1 {{[0-9.]+ [mu]s [0-9.]+ [mu]s [0-9.]+ [mu]s}} 1.00x local search from module order
// PLAN-NEXT: {{^}}candidate #2
// PLAN-NEXT: {{^}}candidate #3
// PLAN-NEXT: {{^}}baseline module as written cfg=2,sp=4,tp=2 {{.*}} {{1\.[0-9][0-9]}}x module order
// PLAN-NEXT: {{^}}baseline module as written + jax.devices() order cfg=2,sp=4,tp=2 {{.*}}x jax.devices() order
// PLAN-NEXT: {{^}}baseline module as written + jax.make_mesh order cfg=2,sp=4,tp=2 {{.*}}x jax.make_mesh order
// PLAN-NEXT: {{^}}baseline module as written + mesh_utils order cfg=2,sp=4,tp=2 {{.*}}x mesh_utils order
// PLAN-NEXT: {{^}}baseline topology-oblivious (alpha-beta) planner cfg=2,sp=8,tp=1 {{.*}} {{1\.[0-9][0-9]}}x module order
// PLAN-NEXT: {{^}}baseline topology-oblivious (alpha-beta) planner + jax.devices() order cfg=2,sp=8,tp=1 {{.*}}x jax.devices() order
// PLAN-NEXT: {{^}}baseline topology-oblivious (alpha-beta) planner + jax.make_mesh order cfg=2,sp=8,tp=1 {{.*}}x jax.make_mesh order
// PLAN-NEXT: {{^}}baseline topology-oblivious (alpha-beta) planner + mesh_utils order cfg=2,sp=8,tp=1 {{.*}}x mesh_utils order
// PLAN-EMPTY:
// PLAN-NEXT: not priced or rejected:
// PLAN: {{^}}  candidate {{.*}} pruned by az-prune-candidates (step estimate {{.*}}, lower bound {{.*}})

// REMARK: estimate-candidates-wan.mlir:{{[0-9]+}}:0: remark: candidate #1 cfg=2,sp=8,tp=1
// REMARK-NEXT: estimate-candidates-wan.mlir:{{[0-9]+}}:0: remark: candidate #2
// REMARK-NOT: {{^}}module

// EXPLICIT-LABEL: az-place plan on v5e:2x4:wrap=0,0 (8 devices): mesh sp=8 placed on {{.*}}, communication {{.*}} per step ({{[0-9]+}} placements scored); collectives explicit collectives in the module
// EXPLICIT: {{^}}plan (placement #1) sp=8 - {{.*}} 1.00x structured:
// EXPLICIT: {{^}}baseline module order sp=8 - {{.*}}x module order
// EXPLICIT-NEXT: {{^}}baseline mesh_utils order sp=8 - {{.*}}x mesh_utils order (mesh_utils [8]

// EXAMPLE: not priced or rejected:
// EXAMPLE: {{^}}  candidate cfg=1,sp=16,tp=1 rejected by stage 1: dimension 1 of argument #0 of @main (size 32760) is not divisible by sp=16
// EXAMPLE: {{^}}  candidate cfg=2,sp=2,tp=4 pruned by az-prune-candidates (step estimate {{.*}}, lower bound {{.*}})

// UNWRITABLE: error: cannot write '{{.*}}s.txt':
