#!/usr/bin/env python3
"""Plan quality of AoiZora against the baselines, over Wan 2.1 scenarios.

For every model x resolution x slice x strategy family it generates the
module with aoizora-wan-gen, runs `aoizora-opt --az-plan` with the link-level
simulator on, and reads the JSON plan. It writes scenarios.csv,
scenarios.md and scenarios.svg into the results folder; bench/run.sh then
assembles docs/benchmarks.md.

Columns (all modeled, one denoising step = one DiT forward with CFG):
  w  the module as written, on the jax.devices() list order (what
     Mesh(np.array(jax.devices()).reshape(...)) runs on: process-tiled on
     multi-host slices)
  m  the module as written, on jax.make_mesh's order
  a  the topology-oblivious planner (the candidate mesh with the best
     per-axis alpha-beta estimate) on the jax.devices() order
  b  the same candidate on jax.make_mesh's order
  c  AoiZora's plan (candidate and placement)
Python standard library only.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import time

MODELS = {"1.3b": {"heads": 12}, "14b": {"heads": 40}}
RESOLUTIONS = ["480p", "720p"]
SLICES = ["v5e:2x2", "v5e:2x4", "v5e:4x4", "v5e:4x8", "v5e:8x8",
          "v5e:16x16", "v6e:4x4", "v5p:2x2x2", "v5p:4x4x4"]
FAMILIES = ["ulysses", "usp", "tp"]

# Odd counts first: a chunk then keeps the token count's factors of two,
# which every candidate's power-of-two token shards need; powers of two
# when the generator padded the tokens to one.
CHUNK_CHOICES = (15, 9, 5, 3, 16, 8, 4, 2, 1)

OBLIVIOUS = "topology-oblivious (alpha-beta) planner"
AS_WRITTEN = "module as written"
# Column letter -> the plan JSON's baseline name.
BASELINES = {"w": AS_WRITTEN + " + jax.devices() order",
             "m": AS_WRITTEN + " + jax.make_mesh order",
             "a": OBLIVIOUS + " + jax.devices() order",
             "b": OBLIVIOUS + " + jax.make_mesh order"}


def devices_of(slice_name):
    n = 1
    for extent in slice_name.split(":")[1].split("x"):
        n *= int(extent)
    return n


def largest_power_of_two_dividing(n):
    p = 1
    while n % (2 * p) == 0:
        p *= 2
    return p


def module_mesh(family, devices, heads):
    """The mesh the generated module is written for: CFG on 2 devices, the
    family's head-splitting axis as large as the heads allow (Ulysses and
    TP split heads, dit-workloads.md §1.6), the rest on fsdp. The planner
    then searches every other size assignment."""
    head_split = largest_power_of_two_dividing(heads)
    rest = devices // 2
    if family == "ulysses":
        sp = min(head_split, rest)
        return "cfg+fsdp+ulysses", f"cfg=2,fsdp={rest // sp},sp={sp}"
    if family == "tp":
        tp = min(head_split, rest)
        return "cfg+fsdp+tp", f"cfg=2,fsdp={rest // tp},tp={tp}"
    if family == "usp":
        # Manual computations fix USP's axis sizes, so the module mesh is the
        # only candidate: a ring of 2 and Ulysses over 2 (when the slice has
        # the devices), the rest on fsdp to shard the weights.
        ring = 2 if rest >= 2 else 1
        sp = min(head_split, 2, rest // ring)
        fsdp = rest // (ring * sp)
        return "cfg+fsdp+usp", f"cfg=2,fsdp={fsdp},sp={sp},ring={ring}"
    raise ValueError(family)


def run_scenario(args, model, resolution, slice_name, family, workdir):
    devices = devices_of(slice_name)
    strategy, mesh = module_mesh(family, devices, MODELS[model]["heads"])
    tag = f"{model}_{resolution}_{slice_name.replace(':', '_')}_{family}"
    module = os.path.join(workdir, tag + ".mlir")
    plan_file = os.path.join(workdir, tag + ".plan.json")
    row = {"model": model, "resolution": resolution, "slice": slice_name,
           "devices": devices, "family": family, "strategy": strategy,
           "module_mesh": mesh}
    gen = [os.path.join(args.build_dir, "bin", "aoizora-wan-gen"),
           f"--model={model}", f"--resolution={resolution}", "--loop",
           f"--strategy={strategy}", f"--mesh={mesh}", "-o", module]
    # With the memory check, attention runs over query chunks (blocked
    # attention, as Wan's flash attention does) so that the S x S scores do
    # not dominate the estimate: the first of CHUNK_CHOICES that divides
    # the module's per-device query tokens (the generator refuses others).
    for chunks in (CHUNK_CHOICES if args.check_memory else (1,)):
        done = subprocess.run(gen + [f"--attention-chunks={chunks}"],
                              capture_output=True, text=True)
        if done.returncode == 0:
            row["attention_chunks"] = chunks
            break
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        row["error"] = "generator: " + (lines[-1] if lines else
                                        f"exit status {done.returncode}")
        return row
    check = "true" if args.check_memory else "false"
    options = (f"topology={slice_name} check-memory={check} simulate=true "
               f"apply=false plan-file={plan_file}")
    opt = [os.path.join(args.build_dir, "bin", "aoizora-opt"), module,
           f"--az-plan={options}", "-o", os.devnull]
    start = time.perf_counter()
    done = subprocess.run(opt, capture_output=True, text=True)
    row["planning_seconds"] = time.perf_counter() - start
    if done.returncode != 0:
        errors = [l.split("error: ", 1)[1] for l in done.stderr.splitlines()
                  if "error: " in l]
        if errors and "rejected every candidate" in errors[0]:
            row["error"] = "no candidate mesh fits (stage 1 rejects all)"
        else:
            row["error"] = "az-plan: " + (errors[0] if errors else "failed")
        return row
    with open(plan_file) as f:
        plan = json.load(f)
    baselines = {b["name"]: b for b in plan["baselines"]}
    chosen = plan["candidate"]
    row["c_seconds"] = chosen["step_seconds"]
    row["chosen_mesh"] = chosen["label"]
    row["chosen_order"] = plan["candidates"][0]["placement_origin"]
    row["c_comm_analytic"] = chosen["communication_seconds"]
    row["c_comm_simulated"] = chosen.get("simulated_communication_seconds")
    for column, name in BASELINES.items():
        if name in baselines and not baselines[name].get("runs", True):
            # Stage 1 rejects its mesh (it exceeds HBM): it cannot run.
            row[f"{column}_note"] = baselines[name].get("rejected", "")
            row[f"{column}_cannot_run"] = True
        elif name in baselines:
            entry = baselines[name]
            row[f"{column}_seconds"] = entry["step_seconds"]
            row[f"{column}_comm_analytic"] = entry["communication_seconds"]
            row[f"{column}_comm_simulated"] = entry.get(
                "simulated_communication_seconds")
            row[f"{column}_note"] = entry["note"]
    if OBLIVIOUS in baselines:
        row["oblivious_mesh"] = baselines[OBLIVIOUS]["candidate"]
    if row["c_seconds"] > 0:
        for x in BASELINES:
            if f"{x}_seconds" in row:
                row[f"{x}_over_c"] = row[f"{x}_seconds"] / row["c_seconds"]
    # The plan's collective whose simulated time departs most from the
    # analytic one, to trace disagreements to a kind and group shape.
    worst = None
    for c in plan.get("simulated_collectives", []):
        if c["analytic_seconds"] > 0:
            ratio = c["simulated_seconds"] / c["analytic_seconds"]
            if worst is None or abs(ratio - 1) > abs(worst[0] - 1):
                worst = (ratio, c)
    if worst:
        ratio, c = worst
        row["worst_collective"] = (
            f"{c['kind']} {c['groups']}x{c['group_size']} "
            f"{c['bytes'] / 2**20:.1f} MiB: simulated/analytic {ratio:.3f}")
        row["worst_collective_ratio"] = ratio
    # The same ratios with every communication time replaced by the
    # simulator's (compute is the same roofline in both).
    simulated = {}
    for x in list(BASELINES) + ["c"]:
        if row.get(f"{x}_comm_simulated") is not None:
            simulated[x] = (row[f"{x}_seconds"] - row[f"{x}_comm_analytic"] +
                            row[f"{x}_comm_simulated"])
    for x in BASELINES:
        if x in simulated and simulated.get("c", 0) > 0:
            row[f"sim_{x}_over_c"] = simulated[x] / simulated["c"]
    return row


COLUMNS = (["model", "resolution", "slice", "devices", "family", "strategy",
            "module_mesh", "attention_chunks", "oblivious_mesh"] +
           [f"{x}_seconds" for x in list(BASELINES) + ["c"]] +
           [f"{x}_over_c" for x in BASELINES] +
           ["chosen_mesh", "chosen_order", "c_comm_analytic",
            "c_comm_simulated"] +
           [f"{x}_comm_{k}" for x in BASELINES
            for k in ("analytic", "simulated")] +
           [f"sim_{x}_over_c" for x in BASELINES] +
           ["worst_collective", "worst_collective_ratio",
            "planning_seconds", "w_note", "m_note", "b_note", "error"])


def fmt_ms(value):
    return "" if value is None else f"{value * 1e3:.1f}"


def fmt_ratio(value):
    return "" if value is None else f"{value:.2f}x"


def sim_vs_analytic(row):
    sim, ana = row.get("c_comm_simulated"), row.get("c_comm_analytic")
    if sim is None or not ana:
        return ""
    return f"{fmt_ms(ana)} / {fmt_ms(sim)} ({sim / ana:.2f})"


def baseline_ms(row, x):
    if row.get(f"{x}_cannot_run"):
        return "cannot run"
    return fmt_ms(row.get(f"{x}_seconds")) or "n/a"


def write_markdown(rows, path):
    lines = [
        "| model | res | slice | family | w: as written, jax.devices() (ms) "
        "| m: as written, make_mesh (ms) | a: oblivious, jax.devices() (ms) "
        "| b: oblivious, make_mesh (ms) | c: AoiZora (ms) | w/c | m/c | a/c "
        "| b/c | chosen mesh | chosen order | comm analytic / simulated (ms) "
        "| simulated w/c, a/c | planning (s) |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
        "---|---:|---:|---:|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['model']} | {r['resolution']} | {r['slice']} "
                         f"| {r['family']} | {r['error']} |||||||||||||| |")
            continue
        lines.append(
            f"| {r['model']} | {r['resolution']} | {r['slice']} | "
            f"{r['family']} | {baseline_ms(r, 'w')} | "
            f"{baseline_ms(r, 'm')} | {baseline_ms(r, 'a')} "
            f"({r.get('oblivious_mesh', '')}) | {baseline_ms(r, 'b')} | "
            f"{fmt_ms(r['c_seconds'])} | {fmt_ratio(r.get('w_over_c'))} | "
            f"{fmt_ratio(r.get('m_over_c'))} | "
            f"{fmt_ratio(r.get('a_over_c'))} | "
            f"{fmt_ratio(r.get('b_over_c'))} | {r['chosen_mesh']} | "
            f"{r['chosen_order']} | {sim_vs_analytic(r)} | "
            f"{fmt_ratio(r.get('sim_w_over_c'))}, "
            f"{fmt_ratio(r.get('sim_a_over_c'))} | "
            f"{r['planning_seconds']:.2f} |")
    lines.append("")
    lines.append("`n/a`: jax.make_mesh refuses the candidate's shape on this "
                 "slice (on TPUs other than v5e it does not split physical "
                 "axes). `cannot run`: stage 1 rejects the module's mesh "
                 "(it exceeds the chip's HBM), so the program as written "
                 "does not fit.")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def geomean(values):
    values = [v for v in values if v]
    if not values:
        return None
    product = 1.0
    for v in values:
        product *= v
    return product ** (1.0 / len(values))


def write_svg(rows, path):
    """Grouped bars of w/c and a/c per scenario (1.0 = as fast as the plan)."""
    ok = [r for r in rows if "error" not in r]
    bar, gap, left, top, height = 6, 6, 60, 30, 240
    width = left + len(ok) * (2 * bar + gap) + 20
    top_ratio = max([1.5] + [r.get("w_over_c") or 0 for r in ok] +
                    [r.get("a_over_c") or 0 for r in ok])

    def y(ratio):
        return top + height - (ratio / top_ratio) * height

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
           f'height="{top + height + 140}" font-family="sans-serif" '
           f'font-size="10">',
           f'<text x="{left}" y="16" font-size="12">Baseline step time over '
           f'AoiZora\'s (modeled; 1.0 = equal). Blue: the module as '
           f'written on the jax.devices() order (w/c). Orange: the '
           f'topology-oblivious planner on the same order (a/c).</text>']
    for tick in range(0, int(top_ratio * 4) + 1):
        ratio = tick / 4
        out.append(f'<line x1="{left}" x2="{width - 10}" y1="{y(ratio):.1f}" '
                   f'y2="{y(ratio):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 30}" y="{y(ratio) + 3:.1f}">'
                   f'{ratio:.2f}</text>')
    out.append(f'<line x1="{left}" x2="{width - 10}" y1="{y(1):.1f}" '
               f'y2="{y(1):.1f}" stroke="#000"/>')
    for i, r in enumerate(ok):
        x = left + i * (2 * bar + gap)
        for j, (key, colour) in enumerate([("w_over_c", "#4878d0"),
                                           ("a_over_c", "#ee854a")]):
            ratio = r.get(key)
            if ratio is None:
                continue
            out.append(f'<rect x="{x + j * bar}" y="{y(ratio):.1f}" '
                       f'width="{bar}" height="{y(0) - y(ratio):.1f}" '
                       f'fill="{colour}"><title>{r["model"]} '
                       f'{r["resolution"]} {r["slice"]} {r["family"]}: '
                       f'{key.replace("_over_", "/")} = {ratio:.2f}'
                       f'</title></rect>')
        label = f'{r["model"]} {r["resolution"]} {r["slice"]} {r["family"]}'
        lx, ly = x + bar, top + height + 6
        out.append(f'<text x="{lx}" y="{ly}" transform="rotate(60 {lx} {ly})"'
                   f' font-size="7">{label}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def each_scenario(quick):
    """(model, resolution, slice, family) of every scenario; --quick: the
    1.3b 480p ones on v5e:2x4 and v5e:4x4."""
    models = ["1.3b"] if quick else list(MODELS)
    resolutions = ["480p"] if quick else RESOLUTIONS
    slices = ["v5e:2x4", "v5e:4x4"] if quick else SLICES
    for model in models:
        for resolution in resolutions:
            for slice_name in slices:
                for family in FAMILIES:
                    yield model, resolution, slice_name, family


def write_csv(path, columns, rows):
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--results", default="bench/results")
    parser.add_argument("--no-check-memory", dest="check_memory",
                        action="store_false",
                        help="plan without the HBM check (and unchunked "
                             "attention)")
    parser.add_argument("--quick", action="store_true",
                        help="only 1.3b 480p on v5e:2x4 and v5e:4x4")
    args = parser.parse_args()
    # Generated modules and plans: large, reproducible, not committed.
    workdir = os.path.join(args.results, "work")
    os.makedirs(workdir, exist_ok=True)
    rows = []
    for model, resolution, slice_name, family in each_scenario(args.quick):
        row = run_scenario(args, model, resolution, slice_name, family,
                           workdir)
        rows.append(row)
        status = row.get("error") or (
            f"c={fmt_ms(row['c_seconds'])} ms "
            f"w/c={fmt_ratio(row.get('w_over_c'))} "
            f"m/c={fmt_ratio(row.get('m_over_c'))} "
            f"a/c={fmt_ratio(row.get('a_over_c'))} "
            f"b/c={fmt_ratio(row.get('b_over_c'))}")
        print(f"{model} {resolution} {slice_name} {family}: {status}",
              file=sys.stderr)
    write_csv(os.path.join(args.results, "scenarios.csv"), COLUMNS, rows)
    write_markdown(rows, os.path.join(args.results, "scenarios.md"))
    write_svg(rows, os.path.join(args.results, "scenarios.svg"))
    ok = [r for r in rows if "error" not in r]
    sims = [r["c_comm_simulated"] / r["c_comm_analytic"] for r in ok
            if r.get("c_comm_simulated") is not None and r["c_comm_analytic"]]
    summary = {
        "check_memory": args.check_memory,
        "scenarios": len(rows),
        "failed": len(rows) - len(ok),
    }
    for x in BASELINES:
        ratios = [r[f"{x}_over_c"] for r in ok if f"{x}_over_c" in r]
        summary[f"geomean_{x}_over_c"] = geomean(ratios)
        summary[f"max_{x}_over_c"] = max(ratios) if ratios else None
        summary[f"min_{x}_over_c"] = min(ratios) if ratios else None
        summary[f"missing_{x}"] = len(ok) - len(ratios)
        summary[f"cannot_run_{x}"] = sum(
            1 for r in ok if r.get(f"{x}_cannot_run"))
        summary[f"sim_geomean_{x}_over_c"] = geomean(
            [r.get(f"sim_{x}_over_c") for r in ok])
    sim_ratios = [r[f"sim_{x}_over_c"] for r in ok for x in BASELINES
                  if r.get(f"sim_{x}_over_c") is not None]
    summary.update({
        "sim_over_analytic_min": min(sims) if sims else None,
        "sim_over_analytic_max": max(sims) if sims else None,
        "sim_within_10pct": sum(1 for v in sims if abs(v - 1) <= 0.10),
        "sim_compared": len(sims),
        "sim_plan_worse_by_over_1pct": sum(
            1 for r in ok if min([r.get(f"sim_{x}_over_c") or 1
                                  for x in BASELINES]) < 0.99),
        "sim_min_ratio": min(sim_ratios) if sim_ratios else None,
        "plan_worse_than_a_baseline": sum(
            1 for r in ok if min([r.get(f"{x}_over_c") or 1
                                  for x in BASELINES]) < 1 - 1e-9),
    })
    with open(os.path.join(args.results, "scenarios_summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(json.dumps(summary, indent=1), file=sys.stderr)


if __name__ == "__main__":
    main()
