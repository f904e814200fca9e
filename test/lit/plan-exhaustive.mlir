// On 8 chips az-plan's search finds the exhaustive optimum (all 8! = 40320
// placements of each candidate) for three strategy mixes of generated Wan
// 2.1 modules on the open v5e 2x4 mesh: Ulysses all-to-alls with CFG,
// Megatron all-reduces with FSDP gathers, and USP (all-to-alls plus ring
// permutes, where the module order is not optimal). FileCheck captures the
// searched plan's numbers and requires the exhaustive run to equal them.
// RUN: aoizora-wan-gen --model=1.3b --layers=2 --tokens=4096 --strategy=cfg+ulysses --mesh=cfg=2,sp=4 -o %t.ulysses.mlir
// RUN: aoizora-opt %t.ulysses.mlir --az-plan='topology=v5e:2x4 apply=false' -o /dev/null > %t.ulysses.search 2>&1
// RUN: aoizora-opt %t.ulysses.mlir --az-plan='topology=v5e:2x4 apply=false exhaustive=true' -o /dev/null > %t.ulysses.exhaustive 2>&1
// RUN: cat %t.ulysses.search %t.ulysses.exhaustive | FileCheck %s
// RUN: aoizora-wan-gen --model=1.3b --layers=2 --tokens=4096 --strategy=cfg+fsdp+tp --mesh=cfg=2,fsdp=2,tp=2 -o %t.tp.mlir
// RUN: aoizora-opt %t.tp.mlir --az-plan='topology=v5e:2x4 apply=false' -o /dev/null > %t.tp.search 2>&1
// RUN: aoizora-opt %t.tp.mlir --az-plan='topology=v5e:2x4 apply=false exhaustive=true' -o /dev/null > %t.tp.exhaustive 2>&1
// RUN: cat %t.tp.search %t.tp.exhaustive | FileCheck %s
// RUN: aoizora-wan-gen --model=1.3b --layers=2 --tokens=4096 --strategy=usp --mesh=sp=2,ring=4 -o %t.usp.mlir
// RUN: aoizora-opt %t.usp.mlir --az-plan='topology=v5e:2x4 apply=false' -o /dev/null > %t.usp.search 2>&1
// RUN: aoizora-opt %t.usp.mlir --az-plan='topology=v5e:2x4 apply=false exhaustive=true' -o /dev/null > %t.usp.exhaustive 2>&1
// RUN: cat %t.usp.search %t.usp.exhaustive | FileCheck %s --check-prefixes=CHECK,USP
// RUN: FileCheck %s --check-prefix=USP-RING < %t.usp.search
// Exhaustive search refuses larger slices.
// RUN: aoizora-wan-gen --model=1.3b --layers=1 --tokens=4096 --strategy=cfg+fsdp+ulysses --mesh=cfg=2,fsdp=2,sp=4 -o %t.16.mlir
// RUN: not aoizora-opt %t.16.mlir --az-plan='topology=v5e:4x4 exhaustive=true' -o /dev/null 2>&1 | FileCheck %s --check-prefix=LIMIT

// CHECK: remark: candidate #1 [[MESH:[a-z0-9=,]+]]: step [[STEP:[0-9.]+ [mu]?s]] (compute {{.*}}, communication [[COMM:[0-9.]+ [mu]?s]] placed, [[ORDER:[0-9.]+ [mu]?s]] on the module order)
// USP-SAME: with structured:
// CHECK: remark: candidate #1 [[MESH]]: step [[STEP]] (compute {{.*}}, communication [[COMM]] placed, [[ORDER]] on the module order) with exhaustive

// The ring permutes over "ring"=4 on an open line: ring-folded closes the
// ring with 2-hop links and beats the module order.
// USP-RING: remark: candidate #1 sp=2,ring=4: step {{.*}} communication 1.263 ms placed, 1.566 ms on the module order) with structured: {{.*}}ring-folded

// LIMIT: error: exhaustive search is limited to 8 devices (8! = 40320 placements); this slice has 16
