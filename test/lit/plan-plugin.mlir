// az-plan through the plugin, with Debian's mlir-opt: the same plan as
// aoizora-opt's (plan.mlir). In a sanitizer build the runtimes are
// preloaded into mlir-opt (lit.cfg.py).
// REQUIRES: plugin
// RUN: mlir-opt %S/estimate-candidates-wan.mlir --allow-unregistered-dialect --load-pass-plugin=%aoizora_libs/AoiZoraPlugin%shlibext --pass-pipeline='builtin.module(az-plan{topology=v5e:4x4 apply=false})' -o /dev/null 2>&1 | FileCheck %s
// RUN: aoizora-opt %S/estimate-candidates-wan.mlir --az-plan='topology=v5e:4x4 apply=false' -o /dev/null 2>&1 | FileCheck %s

// CHECK-LABEL: remark: candidate #1 cfg=2,sp=8,tp=1: step 3.477 ms
// CHECK: remark: baseline module as written (cfg=2,sp=4,tp=2): step 6.238 ms; the plan is 1.79x faster
