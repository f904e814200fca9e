#!/usr/bin/env python3
"""Audits the placement search on the Wan 2.1 scenarios of scenarios.py.

For every scenario it runs `aoizora-opt --az-plan` with `audit-random=N` and
reads the plan JSON. The plan (the winning candidate on its placement) is
compared with:
  - every baseline az-place reports: the module's mesh and the
    topology-oblivious planner's, each on sorted ids, the jax.devices()
    order, jax.make_mesh's order and create_device_mesh's (step times);
  - the best of N uniformly random placements of the winner's collectives;
  - the best placement of each source the search drew from (seeds,
    structured embeddings, block embeddings, annealing);
  - the exhaustive optimum on slices of at most 8 devices (the plan must
    equal it);
  - the placement-independent lower bound (the gap is reported).
A violation is anything that beats the plan by more than a relative 1e-9.
Writes search_audit.md, search_audit.csv and search_audit_summary.json into
the results folder. Python standard library only; timings are not checked.
"""

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scenarios  # noqa: E402  (same scenario set and module generation)

TOLERANCE = 1e-9


def beats(value, plan):
    return value is not None and value < plan * (1 - TOLERANCE)


def run(args, model, resolution, slice_name, family, workdir):
    devices = scenarios.devices_of(slice_name)
    strategy, mesh = scenarios.module_mesh(
        family, devices, scenarios.MODELS[model]["heads"])
    tag = f"{model}_{resolution}_{slice_name.replace(':', '_')}_{family}"
    module = os.path.join(workdir, tag + ".mlir")
    plan_file = os.path.join(workdir, tag + ".audit.json")
    row = {"model": model, "resolution": resolution, "slice": slice_name,
           "family": family, "devices": devices}
    gen = [os.path.join(args.build_dir, "bin", "aoizora-wan-gen"),
           f"--model={model}", f"--resolution={resolution}", "--loop",
           f"--strategy={strategy}", f"--mesh={mesh}", "-o", module]
    for chunks in scenarios.CHUNK_CHOICES:
        done = subprocess.run(gen + [f"--attention-chunks={chunks}"],
                              capture_output=True, text=True)
        if done.returncode == 0:
            break
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        row["error"] = "generator: " + (lines[-1] if lines else "failed")
        return row
    options = (f"topology={slice_name} apply=false audit-random={args.random} "
               f"plan-file={plan_file}")
    opt = [os.path.join(args.build_dir, "bin", "aoizora-opt"), module,
           f"--az-plan={options}", "-o", os.devnull]
    done = subprocess.run(opt, capture_output=True, text=True)
    if done.returncode != 0:
        errors = [l.split("error: ", 1)[1] for l in done.stderr.splitlines()
                  if "error: " in l]
        row["error"] = "az-plan: " + (errors[0] if errors else "failed")
        return row
    with open(plan_file) as f:
        plan = json.load(f)
    audit = plan["audit"]
    step = plan["candidate"]["step_seconds"]
    comm = audit["plan_communication_seconds"]
    row["candidate"] = plan["candidate"]["label"]
    row["plan_step_ms"] = step * 1e3
    row["plan_comm_ms"] = comm * 1e3
    violations = []
    # Baselines: step times (they may run other candidates). One whose mesh
    # stage 1 rejects (it exceeds HBM) cannot run and is not compared.
    ratios = {}
    for b in plan["baselines"]:
        if not b.get("runs", True):
            continue
        ratios[b["name"]] = b["step_seconds"] / step if step > 0 else 1.0
        if beats(b["step_seconds"], step):
            violations.append("baseline " + b["name"])
    def ratio_of(suffix):
        values = [r for name, r in ratios.items()
                  if name.startswith("module as written") and
                  name.endswith(suffix)]
        return min(values) if values else None
    row["sorted_ids_over_plan"] = ratios.get("module as written")
    row["jax_devices_over_plan"] = ratio_of("+ jax.devices() order")
    row["make_mesh_over_plan"] = ratio_of("+ jax.make_mesh order")
    row["mesh_utils_over_plan"] = ratio_of("+ mesh_utils order")
    row["best_baseline_over_plan"] = min(ratios.values()) if ratios else None
    # Communication of the winner's collectives.
    random_best = audit["random_best_communication_seconds"]
    row["random_over_plan"] = random_best / comm if comm > 0 else 1.0
    if beats(random_best, comm):
        violations.append(f"best of {audit['random_placements']} random")
    for source in audit["sources"]:
        if beats(source["communication_seconds"], comm):
            violations.append("source " + source["source"])
    exhaustive = audit.get("exhaustive_communication_seconds")
    if exhaustive is not None:
        row["exhaustive_over_plan"] = exhaustive / comm if comm > 0 else 1.0
        if beats(exhaustive, comm):
            violations.append("exhaustive optimum")
    bound = audit["communication_lower_bound_seconds"]
    row["lower_bound_ms"] = bound * 1e3
    row["plan_over_lower_bound"] = comm / bound if bound > 0 else None
    row["violations"] = "; ".join(violations)
    return row


COLUMNS = ["model", "resolution", "slice", "devices", "family", "candidate",
           "plan_step_ms", "plan_comm_ms", "sorted_ids_over_plan",
           "jax_devices_over_plan", "make_mesh_over_plan",
           "mesh_utils_over_plan", "best_baseline_over_plan",
           "random_over_plan", "exhaustive_over_plan", "lower_bound_ms",
           "plan_over_lower_bound", "violations", "error"]


def fmt(value, spec):
    return "" if value is None else format(value, spec)


def write_markdown(rows, random, path):
    lines = [
        f"Baseline step over the plan's (module's mesh on sorted ids, "
        f"jax.devices() order, jax.make_mesh, create_device_mesh; best of "
        f"every baseline incl. the topology-oblivious planner's), best of "
        f"{random} random placements and the exhaustive optimum (≤ 8 "
        f"devices) over the plan's communication, and the plan's "
        f"communication over the lower bound. Above 1.00: the plan is "
        f"faster; violations list anything that beats it.\n",
        "| model | res | slice | family | plan (ms) | sorted ids | "
        "jax.devices() | make_mesh | mesh_utils | best baseline | random | "
        "exhaustive | comm / lower bound | violations |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['model']} | {r['resolution']} | {r['slice']} "
                         f"| {r['family']} | {r['error']} |||||||||")
            continue
        lines.append(
            f"| {r['model']} | {r['resolution']} | {r['slice']} | "
            f"{r['family']} | {fmt(r['plan_step_ms'], '.1f')} | "
            f"{fmt(r.get('sorted_ids_over_plan'), '.2f')} | "
            f"{fmt(r.get('jax_devices_over_plan'), '.2f') or 'n/a'} | "
            f"{fmt(r.get('make_mesh_over_plan'), '.2f') or 'refused'} | "
            f"{fmt(r.get('mesh_utils_over_plan'), '.2f') or 'refused'} | "
            f"{fmt(r.get('best_baseline_over_plan'), '.2f')} | "
            f"{fmt(r.get('random_over_plan'), '.2f')} | "
            f"{fmt(r.get('exhaustive_over_plan'), '.2f') or '-'} | "
            f"{fmt(r.get('plan_over_lower_bound'), '.2f')} | "
            f"{r['violations'] or 'none'} |")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--results", default="bench/results")
    parser.add_argument("--random", type=int, default=1000,
                        help="random placements per scenario (>= 1000 for "
                             "the published table)")
    parser.add_argument("--quick", action="store_true",
                        help="only 1.3b 480p on v5e:2x4 and v5e:4x4")
    args = parser.parse_args()
    workdir = os.path.join(args.results, "work")
    os.makedirs(workdir, exist_ok=True)
    rows = []
    for model, resolution, slice_name, family in scenarios.each_scenario(
            args.quick):
        row = run(args, model, resolution, slice_name, family, workdir)
        rows.append(row)
        status = row.get("error") or (
            f"plan {fmt(row['plan_step_ms'], '.1f')} ms, "
            f"violations: {row['violations'] or 'none'}")
        print(f"{model} {resolution} {slice_name} {family}: {status}",
              file=sys.stderr)
    scenarios.write_csv(os.path.join(args.results, "search_audit.csv"),
                        COLUMNS, rows)
    write_markdown(rows, args.random,
                   os.path.join(args.results, "search_audit.md"))
    ok = [r for r in rows if "error" not in r]
    gaps = [r["plan_over_lower_bound"] for r in ok
            if r.get("plan_over_lower_bound")]
    summary = {
        "scenarios": len(rows),
        "failed": len(rows) - len(ok),
        "random_placements": args.random,
        "with_violations": sum(1 for r in ok if r["violations"]),
        "exhaustive_checked": sum(1 for r in ok
                                  if r.get("exhaustive_over_plan")),
        "min_best_baseline_over_plan": min(
            [r["best_baseline_over_plan"] for r in ok
             if r.get("best_baseline_over_plan")] or [None]),
        "max_jax_devices_over_plan": max(
            [r["jax_devices_over_plan"] for r in ok
             if r.get("jax_devices_over_plan")] or [None]),
        "min_random_over_plan": min(
            [r["random_over_plan"] for r in ok] or [None]),
        "min_gap_to_lower_bound": min(gaps or [None]),
        "max_gap_to_lower_bound": max(gaps or [None]),
    }
    with open(os.path.join(args.results, "search_audit_summary.json"),
              "w") as f:
        json.dump(summary, f, indent=1)
    print(json.dumps(summary, indent=1), file=sys.stderr)


if __name__ == "__main__":
    main()
