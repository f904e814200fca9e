//===- Passes.td - AoiZora pass declarations ---------------*- tablegen -*-===//
//
// Every AoiZora pass is dialect-agnostic: it matches ops by name and reads
// sharding attributes through their printed text, so it runs on modules whose
// StableHLO/Shardy/MHLO dialects are not registered (opaque attributes) and
// inside pipelines that do register them (real attributes).
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_PASSES_TD
#define AOIZORA_PASSES_TD

include "mlir/Pass/PassBase.td"

def InspectShardings : Pass<"az-inspect-shardings", "mlir::ModuleOp"> {
  let summary = "Report every mesh and sharding annotation of a module";
  let description = [{
    Finds every mesh (`sdy.mesh` ops, inline meshes, `xla.sdy.meshes`
    round-trip strings) and every annotated value (`sdy.sharding` on function
    arguments, results and ops, the shardings of `sdy.sharding_constraint`,
    `sdy.reshard` and `sdy.manual_computation`, `mhlo.sharding` strings and
    their `xla.sdy.sharding` round-trip twins) and reports each value's
    sharding in both Shardy and HLO form with its number of distinct tiles.
    Results are emitted as remarks and, with `report-file`, as JSON.
    The module is not modified.
  }];
  let options = [
    Option<"reportFile", "report-file", "std::string", /*default=*/"\"\"",
           "Write the inspection report as JSON to this file ('-' for stdout)">,
    Option<"emitRemarks", "emit-remarks", "bool", /*default=*/"true",
           "Emit one remark per mesh and per annotated value">,
  ];
}

def ApplyDeviceOrder : Pass<"az-apply-device-order", "mlir::ModuleOp"> {
  let summary = "Relabel logical devices by a permutation, everywhere";
  let description = [{
    Applies a permutation `sigma` of the logical device ids: the device that
    had id `i` gets id `sigma(i) = order[i]`. It rewrites only
    device-assignment attributes: `device_ids` of every `sdy.mesh` and inline
    mesh, device lists in `mhlo.sharding` strings (including
    `{maximal device=N}`), meshes in `xla.sdy.meshes` strings, and
    `replica_groups` / `source_target_pairs` of explicit StableHLO
    collectives. Everything else is left byte-for-byte as it came in. Modules
    whose meaning depends on device ids in a way a relabelling would change
    (`stablehlo.partition_id`, `stablehlo.replica_id`, meshes of different
    device counts) are refused with an error.
  }];
  let options = [
    Option<"order", "order", "std::string", /*default=*/"\"\"",
           "Comma-separated permutation: order[i] is the new id of device i">,
    Option<"planFile", "plan-file", "std::string", /*default=*/"\"\"",
           "JSON plan file whose \"device_order\" array gives the permutation">,
  ];
}

def EstimateCollectives : Pass<"az-estimate-collectives", "mlir::ModuleOp"> {
  let summary = "Price the explicit collectives of a module on a TPU slice";
  let description = [{
    For a module with explicit StableHLO collectives (all_gather,
    all_reduce, reduce_scatter, all_to_all, collective_permute,
    collective_broadcast with dense device groups), estimates each one's time
    on the given slice and device placement with the topology-aware model of
    docs/cost-model.md: routed link loads under contention between the
    concurrent groups at the achieved link bandwidth, plus per-hop latency
    and a fixed cost per collective (defaults or `calibration`). Reports
    kind, bytes per device,
    group size, estimated time and the most loaded link, and the total, as
    remarks and optionally as JSON. The module is not modified.
  }];
  let options = [
    Option<"topology", "topology", "std::string", /*default=*/"\"\"",
           "The slice, e.g. v5e:4x4, v5p:4x4x8, v5litepod-16, v5e:2x4:wrap=0,1">,
    Option<"topologyFile", "topology-file", "std::string", /*default=*/"\"\"",
           "JSON list of {id, coords, core_on_chip} (as dumped from "
           "jax.devices()) placing each logical device on a chip; default: "
           "the slice's default order">,
    Option<"deviceOrder", "device-order", "std::string", /*default=*/"\"\"",
           "Price the module as if relabelled by this permutation "
           "(order[i] = new id of device i), as az-apply-device-order would">,
    Option<"calibration", "calibration", "std::string", /*default=*/"\"\"",
           "JSON file of measured collective figures (fixed cost, achieved "
           "bandwidth by size, hop latency) for the slice's generation or "
           "the slice itself, as bench/jax/calibrate.py writes; overrides "
           "the published defaults (docs/cost-model.md, Calibration)">,
    Option<"reportFile", "report-file", "std::string", /*default=*/"\"\"",
           "Write the estimates as JSON to this file ('-' for stdout)">,
    Option<"emitRemarks", "emit-remarks", "bool", /*default=*/"true",
           "Emit one remark per collective and one for the total">,
  ];
}

def Place : Pass<"az-place", "mlir::ModuleOp"> {
  let summary = "Rank physical placements of the mesh and apply the best";
  let description = [{
    Finds the placement of the logical devices on the slice's chips under
    which the step's collectives take the least modeled time (routed link
    loads with contention, docs/cost-model.md), and rewrites the module's
    device-assignment attributes to it (as az-apply-device-order would).
    Candidates: structured embeddings of the module's mesh into the torus
    (every axis order, physical dimension order and per-dimension traversal:
    linear, snake, ring-folded), block embeddings (every split of each mesh
    axis over the torus dimensions into tiles walked linearly, as a snake
    or as a ring), the baselines (sorted ids, the jax.devices() order,
    jax.make_mesh's and create_device_mesh's orders), and simulated
    annealing from the best few. The plan JSON gives the step's lower bound
    and the plan's gap to it. The collectives are the
    module's explicit StableHLO collectives. Reports the ranking and the
    baselines as remarks and writes a JSON plan (device order, logical id
    to chip coordinates, modeled times, and a snippet that builds the same
    jax.sharding.Mesh), a summary table (`summary-file`) and an SVG picture
    of the plan next to the best baseline on the slice (`picture-file`).
  }];
  let options = [
    Option<"topology", "topology", "std::string", /*default=*/"\"\"",
           "The slice, e.g. v5e:4x4 (see az-estimate-collectives)">,
    Option<"topologyFile", "topology-file", "std::string", /*default=*/"\"\"",
           "JSON list of {id, coords, core_on_chip} placing each device id "
           "on a chip (as dumped from jax.devices()); default: the slice's "
           "default order">,
    Option<"calibration", "calibration", "std::string", /*default=*/"\"\"",
           "JSON file of measured collective figures (fixed cost, achieved "
           "bandwidth by size, hop latency) for the slice's generation or "
           "the slice itself, as bench/jax/calibrate.py writes; overrides "
           "the published defaults (docs/cost-model.md, Calibration)">,
    Option<"overlap", "overlap", "std::string", /*default=*/"\"\"",
           "How collectives overlap compute when scoring a step: 'none', "
           "'async' or 'full' (see az-estimate-candidates); empty: what "
           "az-estimate-candidates used, else 'async'">,
    Option<"planFile", "plan-file", "std::string", /*default=*/"\"\"",
           "Write the JSON plan to this file ('-' for stdout)">,
    ListOption<"hloDumps", "hlo-dump", "std::string",
           "Compiled XLA HLO text (compile().as_text() or "
           "*after_optimizations.txt) whose collectives price a candidate "
           "instead of the written or derived ones: 'PATH' for the module's "
           "own mesh, 'SIZES=PATH' (e.g. 2x4x2=dump.txt, sizes in the mesh's "
           "axis order) for another candidate; comma-separated">,
    Option<"allowEmpty", "allow-empty", "bool", /*default=*/"false",
           "Place a candidate whose HLO dump has no collective that can be "
           "priced (its communication then costs 0 s); by default that is "
           "an error">,
    Option<"apply", "apply", "bool", /*default=*/"true",
           "Rewrite the module's device assignment to the best placement">,
    Option<"simulate", "simulate", "bool", /*default=*/"false",
           "Also replay the plan's and the baselines' collectives in the "
           "link-level simulator and report its time next to the analytic "
           "one">,
    Option<"topK", "top-k", "unsigned", /*default=*/"4",
           "Number of placements to report and to start local search from">,
    Option<"searchEvaluations", "search-evaluations", "unsigned",
           /*default=*/"20000",
           "Budget of placements scored by local search (0: none)">,
    Option<"searchStall", "search-stall", "unsigned", /*default=*/"500",
           "Stop a local-search start after this many moves in a row that "
           "do not improve it (0: spend the whole budget)">,
    Option<"searchSeconds", "search-seconds", "double", /*default=*/"0",
           "Wall-clock bound on local search (0: none; makes the plan "
           "depend on machine speed)">,
    Option<"exhaustive", "exhaustive", "bool", /*default=*/"false",
           "Score every permutation instead (slices of at most 8 devices)">,
    Option<"auditRandom", "audit-random", "unsigned", /*default=*/"0",
           "Audit the plan in the JSON plan: against the best of this many "
           "random placements, every search source, and (slices of at "
           "most 8 devices) the exhaustive optimum (0: no audit)">,
    Option<"emitRemarks", "emit-remarks", "bool", /*default=*/"true",
           "Emit the ranking and the baselines as remarks">,
    Option<"summaryFile", "summary-file", "std::string", /*default=*/"\"\"",
           "Write the plan as one aligned table (each candidate and baseline "
           "with mesh, compute, communication, step, ratio to the plan and "
           "order; then what was not priced or was rejected) to this file "
           "('-' for stdout)">,
    Option<"pictureFile", "picture-file", "std::string", /*default=*/"\"\"",
           "Draw the plan and the best baseline on the slice's grid as SVG "
           "(chips with device id and logical coordinates, coloured by "
           "group along picture-axis; links shaded by bytes per step)">,
    Option<"pictureAxis", "picture-axis", "std::string", /*default=*/"\"\"",
           "The mesh axis whose groups colour the picture's chips (default: "
           "the axis with the most traffic)">,
  ];
}

def EstimateCandidates : Pass<"az-estimate-candidates", "mlir::ModuleOp"> {
  let summary = "Estimate every candidate mesh of a sharded module (planner stage 1)";
  let description = [{
    Propagates the module's Shardy shardings through its entry function
    (forward, by op name; docs/stage1.md lists the rules), derives the
    collectives the SPMD partitioner would insert (all-gather,
    reduce-scatter, all-reduce, all-to-all, collective-permute, or a free
    local slice), and prices the result for every candidate mesh: the
    module's axis names with every assignment of sizes whose product is the
    device count. Per candidate: per-device FLOPs and HBM bytes through the
    chip's roofline, the collectives on the slice's default device order and
    their placement-independent lower bound, the per-device memory
    (parameters plus the largest op working set) against HBM, and why the
    candidate is rejected (indivisible dimension, memory, manual axes).
    Reports a remark per candidate and, with `report-file`, JSON; attaches
    the table to the module as `aoizora.estimates` for az-prune-candidates.
    Ops the rules do not know are warned about by name and treated as
    opaque.
  }];
  let options = [
    Option<"topology", "topology", "std::string", /*default=*/"\"\"",
           "The slice, e.g. v5e:4x4 (see az-estimate-collectives)">,
    Option<"topologyFile", "topology-file", "std::string", /*default=*/"\"\"",
           "JSON list of {id, coords, core_on_chip} placing each device id "
           "on a chip; default: the slice's default order">,
    Option<"reportFile", "report-file", "std::string", /*default=*/"\"\"",
           "Write the table as JSON to this file ('-' for stdout)">,
    Option<"emitRemarks", "emit-remarks", "bool", /*default=*/"true",
           "Emit one remark per candidate and a summary">,
    Option<"allowPadding", "allow-padding", "bool", /*default=*/"false",
           "Price indivisible dimensions as padded instead of rejecting">,
    Option<"overlap", "overlap", "std::string", /*default=*/"\"async\"",
           "How collectives overlap compute: 'async' (XLA's latency-hiding "
           "scheduler: a collective runs from when its input is produced "
           "until the op that consumes it, beside independent compute), "
           "'none' (step = compute + communication) or 'full' (step = the "
           "larger of the two, a bound)">,
    Option<"calibration", "calibration", "std::string", /*default=*/"\"\"",
           "JSON file of measured collective figures (fixed cost, achieved "
           "bandwidth by size, hop latency) for the slice's generation or "
           "the slice itself, as bench/jax/calibrate.py writes; overrides "
           "the published defaults (docs/cost-model.md, Calibration)">,
    Option<"checkMemory", "check-memory", "bool", /*default=*/"true",
           "Reject candidates whose memory estimate exceeds a device's HBM">,
  ];
}

def PruneCandidates : Pass<"az-prune-candidates", "mlir::ModuleOp"> {
  let summary = "Keep the candidate meshes worth placing (planner stage 1)";
  let description = [{
    Reads the `aoizora.estimates` table az-estimate-candidates attached to
    the module and keeps the candidates that are not rejected and whose
    lower bound is at most `keep-within` times the best estimate, best
    estimate first, at most `max-survivors` of them. The survivors replace
    the table as the module attribute `aoizora.candidates`, which stage 2
    reads (docs/stage1.md, "What stage 2 reads"); with `report-file` they
    are also written as JSON. Candidates named by `exclude` count as
    rejected (reason "excluded").
  }];
  let options = [
    Option<"keepWithin", "keep-within", "double", /*default=*/"1.5",
           "Keep candidates whose lower bound is within this ratio of the "
           "best estimate">,
    Option<"maxSurvivors", "max-survivors", "unsigned", /*default=*/"4",
           "Keep at most this many candidates (0: no limit)">,
    ListOption<"exclude", "exclude", "std::string",
           "Candidates to drop before pruning, as their sizes in the mesh's "
           "axis order (e.g. 2x4x1; comma-separated): candidates that failed "
           "to compile, so that the next ones may survive instead">,
    Option<"reportFile", "report-file", "std::string", /*default=*/"\"\"",
           "Write the survivors as JSON to this file ('-' for stdout)">,
    Option<"emitRemarks", "emit-remarks", "bool", /*default=*/"true",
           "Emit one remark per candidate kept or pruned">,
  ];
}

#endif // AOIZORA_PASSES_TD
