// picture-file: the plan and the best baseline drawn on the slice as SVG.
// plan-picture-render.test renders these with rsvg-convert.
// The Wan-like block of plan.mlir: the plan cfg=2,sp=8,tp=1 next to the
// module as written; chips coloured by sp, the axis with the most traffic.
// RUN: aoizora-opt %S/estimate-candidates-wan.mlir --az-plan='topology=v5e:4x4 picture-file=%t.svg apply=false' -o /dev/null 2>&1
// RUN: FileCheck %s --check-prefix=SVG < %t.svg
// RUN: aoizora-opt %S/estimate-candidates-wan.mlir --az-plan='topology=v5e:4x4 picture-file=%t.cfg.svg picture-axis=cfg apply=false' -o /dev/null 2>&1
// RUN: FileCheck %s --check-prefix=AXIS < %t.cfg.svg
// A partitioned module (az-place alone): its one mesh, on two orders.
// RUN: aoizora-opt %S/place.mlir --az-place='topology=v5e:2x4 picture-file=%t.explicit.svg emit-remarks=false' -o /dev/null
// RUN: FileCheck %s --check-prefix=EXPLICIT < %t.explicit.svg
// An unknown axis is an error that names the mesh's axes.
// RUN: not aoizora-opt %S/estimate-candidates-wan.mlir --az-plan='topology=v5e:4x4 picture-file=%t.bad.svg picture-axis=dp' -o /dev/null 2>&1 | FileCheck %s --check-prefix=BADAXIS

// SVG: <svg xmlns="http://www.w3.org/2000/svg"
// SVG: <title>AoiZora plan on v5e:4x4:wrap=0,0</title>
// SVG: font-weight="bold">plan: cfg=2,sp=8,tp=1 on local search from module order</text>
// SVG-NEXT: step {{[0-9.]+ [mu]s}} (compute {{.*}}, communication {{.*}})</text>
// Directed links, shaded by their load.
// SVG: <line {{.*}} stroke="{{rgb\([0-9]+,[0-9]+,[0-9]+\)|#d0d0d0}}" {{.*}} marker-end="url(#arrow)"/>
// The device on each chip and its logical coordinates in [cfg, sp, tp].
// SVG: >d0</text>
// SVG-NEXT: >({{[0-9],[0-9],[0-9]}})</text>
// SVG: best baseline: module as written{{.*}}(cfg=2,sp=4,tp=2)</text>
// SVG-NEXT: step {{.*}}x the plan's step</text>
// SVG: Colour: group along mesh axis &quot;sp&quot; (2 groups of 8 devices, one colour each).
// SVG: per step (the most loaded link of both drawings)</text>
// SVG: </svg>

// AXIS: Colour: group along mesh axis &quot;cfg&quot; (8 groups of 2 devices, one colour each).

// EXPLICIT: font-weight="bold">plan: {{.*}}</text>
// EXPLICIT-NEXT: communication {{[0-9.]+ [mu]s}} per step</text>
// EXPLICIT: best baseline: mesh_utils order
// EXPLICIT: mesh [sp=8]

// BADAXIS: error: picture-axis 'dp' is not an axis of the plan's mesh (axes: 'cfg', 'sp', 'tp')
