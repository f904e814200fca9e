// az-plan hands the stage-1 options to az-place, which re-estimates the
// candidates and baselines with them. The module: the 40 blocks of Wan 2.1
// 14B at 480p on 4 devices; cfg+ulysses shards no weight, so every
// candidate holds all 14e9 parameters (28 GB in bf16), more than the 16 GB
// of a v5e chip.
// RUN: aoizora-wan-gen --model=14b --loop --strategy=cfg+ulysses --mesh=cfg=2,sp=2 -o %t.mlir
// RUN: not aoizora-opt %t.mlir --az-plan='topology=v5e:2x2' -o /dev/null 2>&1 | FileCheck %s --check-prefix=REJECTED
// RUN: aoizora-opt %t.mlir --az-plan='topology=v5e:2x2 check-memory=false' -o /dev/null 2>&1 | FileCheck %s

// REJECTED: error: stage 1 rejected every candidate mesh, so there is nothing to place; az-estimate-candidates' remarks (az-plan verbose=true) say why: for memory, check-memory=false; for indivisible dimensions, allow-padding=true

// Without the memory check nothing is rejected in az-place either, so the
// topology-oblivious planner's baseline exists.
// CHECK-LABEL: remark: candidate #1 cfg=2,sp=2
// CHECK: remark: baseline module as written (cfg=2,sp=2): step {{.*}}; the plan is 1.00x faster (sorted ids){{$}}
// CHECK: remark: baseline topology-oblivious (alpha-beta) planner (cfg=2,sp=2): step
