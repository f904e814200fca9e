// RUN: not aoizora-opt %s --az-prune-candidates='keep-within=0.5' -o /dev/null 2>&1 | FileCheck %s --check-prefix=RATIO
// RUN: not aoizora-opt %s --allow-unregistered-dialect --az-estimate-candidates='topology=generic:4 overlap=some' -o /dev/null 2>&1 | FileCheck %s --check-prefix=OVERLAP
// RUN: not aoizora-opt %s --allow-unregistered-dialect --az-estimate-candidates -o /dev/null 2>&1 | FileCheck %s --check-prefix=TOPO

// RATIO: error: az-prune-candidates: keep-within must be >= 1, got 0.5
// OVERLAP: error: az-estimate-candidates: overlap must be 'none', 'async' or 'full', not 'some'
// TOPO: error: az-estimate-candidates needs a 'topology', e.g. topology=v5e:4x4
"builtin.module"() ({
  "func.func"() <{function_type = () -> (), sym_name = "main"}> ({
    "func.return"() : () -> ()
  }) : () -> ()
}) : () -> ()
