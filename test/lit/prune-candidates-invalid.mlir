// RUN: aoizora-opt %s --split-input-file --verify-diagnostics --az-prune-candidates -o /dev/null

// Pruning needs the table az-estimate-candidates attaches.
// expected-error@+1 {{az-prune-candidates needs the 'aoizora.estimates' attribute: run az-estimate-candidates first}}
"builtin.module"() ({
  "func.func"() <{function_type = () -> (), sym_name = "main"}> ({
    "func.return"() : () -> ()
  }) : () -> ()
}) : () -> ()

// -----

// A malformed table is refused, not guessed at.
// expected-error@+1 {{az-prune-candidates: malformed candidate in 'aoizora.estimates'}}
"builtin.module"() ({
  "func.func"() <{function_type = () -> (), sym_name = "main"}> ({
    "func.return"() : () -> ()
  }) : () -> ()
}) {aoizora.estimates = {axes = ["x"], candidates = [{label = "x=4"}], mesh = "mesh", overlap = "none", topology = "generic:4"}} : () -> ()
