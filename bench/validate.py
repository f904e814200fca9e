#!/usr/bin/env python3
"""Runs AoiZora on each published case and writes docs/validation.md: the
figure, its source, the model's prediction and their ratio.

Every collective case is a small hand-built module with one explicit
StableHLO collective, priced by `aoizora-opt --az-estimate-collectives` with
the default calibration; the end-to-end cases run `aoizora-wan-gen` and
`aoizora-opt --az-estimate-candidates`. Nothing here fits a number: the
model's defaults are those of lib/Cost/Calibration.cpp, whatever the rows
say. Rows that are the source of a default say so.

    python3 bench/validate.py --build-dir build [--quick] [--output FILE]

--quick skips the end-to-end Wan cases (minutes of CPU) for the lit test.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

GOAL = 1.25


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--build-dir", default="build")
    p.add_argument("--output", default=None,
                   help="page to write (default: docs/validation.md)")
    p.add_argument("--quick", action="store_true",
                   help="collective cases only (no Wan modules)")
    return p.parse_args(argv)


def dense(rows):
    """`dense<[[...], ...]> : tensor<RxCxi64>` for a list of int lists."""
    text = "[" + ", ".join("[" + ", ".join(str(v) for v in r) + "]"
                           for r in rows) + "]"
    return f"dense<{text}> : tensor<{len(rows)}x{len(rows[0])}xi64>"


def module(devices, elems_in, elems_out, op):
    """A module running one collective `op` on a bf16 vector."""
    return f'''"builtin.module"() ({{
  "func.func"() <{{function_type = (tensor<{elems_in}xbf16>) -> (), sym_name = "main"}}> ({{
  ^bb0(%arg0: tensor<{elems_in}xbf16>):
    %0 = {op} : (tensor<{elems_in}xbf16>) -> tensor<{elems_out}xbf16>
    "func.return"() : () -> ()
  }}) : () -> ()
}}) {{mhlo.num_partitions = {devices} : i32}} : () -> ()
'''


def all_gather(devices, groups, out_bytes):
    n = len(groups[0])
    out = out_bytes // 2
    op = ('"stablehlo.all_gather"(%arg0) <{all_gather_dim = 0 : i64, '
          f'replica_groups = {dense(groups)}}}>')
    return module(devices, out // n, out, op)


def all_to_all(devices, groups, nbytes):
    n = len(groups[0])
    elems = nbytes // 2
    op = ('"stablehlo.all_to_all"(%arg0) <{concat_dimension = 0 : i64, '
          f'replica_groups = {dense(groups)}, split_count = {n} : i64, '
          'split_dimension = 0 : i64}>')
    return module(devices, elems, elems, op)


def permute(devices, pairs, nbytes):
    elems = nbytes // 2
    op = ('"stablehlo.collective_permute"(%arg0) <{source_target_pairs = '
          f'{dense(pairs)}}}>')
    return module(devices, elems, elems, op)


def lines(shape, dim):
    """Groups of chips along `dim` of a slice (device = chip, x fastest)."""
    strides = [1]
    for e in shape[:-1]:
        strides.append(strides[-1] * e)
    others = [d for d in range(len(shape)) if d != dim]
    groups = []

    def walk(k, base):
        if k == len(others):
            groups.append([base + i * strides[dim] for i in range(shape[dim])])
            return
        d = others[k]
        for i in range(shape[d]):
            walk(k + 1, base + i * strides[d])
    walk(0, 0)
    return groups


def planes(shape, dims):
    """Groups spanning `dims` of a slice, one per position of the others."""
    strides = [1]
    for e in shape[:-1]:
        strides.append(strides[-1] * e)
    rest = [d for d in range(len(shape)) if d not in dims]

    def span(ds):
        out = [0]
        for d in ds:
            out = [o + i * strides[d] for i in range(shape[d]) for o in out]
        return sorted(out)
    inner = span(dims)
    return [[b + i for i in inner] for b in span(rest)]


class Runner:
    def __init__(self, build_dir, workdir):
        self.opt = os.path.join(build_dir, "bin", "aoizora-opt")
        self.gen = os.path.join(build_dir, "bin", "aoizora-wan-gen")
        self.workdir = workdir
        self.count = 0

    def collective(self, text, topology):
        """Seconds of the module's one collective on `topology`."""
        self.count += 1
        path = os.path.join(self.workdir, f"case{self.count}.mlir")
        report = path + ".json"
        with open(path, "w") as f:
            f.write(text)
        done = subprocess.run(
            [self.opt, path, "--az-estimate-collectives=topology=" +
             topology + f" emit-remarks=false report-file={report}",
             "-o", os.devnull], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"aoizora-opt failed on {topology}: "
                               f"{done.stderr.strip()}")
        with open(report) as f:
            return json.load(f)["collectives"][0]["seconds"]

    def wan_step(self, model, resolution, strategy, mesh, topology):
        """(step seconds, FLOPs per device) of the module's own mesh."""
        self.count += 1
        path = os.path.join(self.workdir, f"wan{self.count}.mlir")
        report = path + ".json"
        subprocess.run([self.gen, f"--model={model}",
                        f"--resolution={resolution}", "--loop",
                        f"--strategy={strategy}", f"--mesh={mesh}", "-o",
                        path], check=True, capture_output=True)
        done = subprocess.run(
            [self.opt, path, "--az-estimate-candidates=topology=" + topology +
             f" check-memory=false emit-remarks=false report-file={report}",
             "-o", os.devnull], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip())
        with open(report) as f:
            table = json.load(f)
        own = next(c for c in table["candidates"] if c["module_mesh"])
        return own["total_seconds"], own["flops_per_device"]


SB = "jax-ml.github.io/scaling-book"


def collective_rows(run):
    rows = []

    def row(case, source, published, unit, model, note, kind="measured"):
        rows.append({"case": case, "source": source, "published": published,
                     "unit": unit, "model": model, "note": note,
                     "kind": kind})

    # The scaling book, part 3, Pop Quiz 2: AllGather over Y = 4 of a v5e
    # {X: 8, Y: 4} mesh: a 4-chip open line (x of a v5e 4x8).
    shape = [4, 8]
    g = lines(shape, 0)
    t = run.collective(all_gather(32, g, 256 * 256 * 2), "v5e:4x8")
    row("AllGather bf16[256,256] (128 KiB) over an open 4-chip line, v5e",
        f"{SB}/sharding, Pop Quiz 2(b), measured profile", 8e-6, "us", t,
        "source of the fixed cost F (2.7 us): not an independent check")
    t = run.collective(all_gather(32, g, 2048 * 8192 * 2), "v5e:4x8")
    row("AllGather bf16[2048,8192] (33.5 MB) over an open 4-chip line, v5e",
        f"{SB}/sharding, Pop Quiz 2(a), measured profile", 680e-6, "us", t,
        "independent of the defaults; the book's own estimate at full "
        "bandwidth is 560 us")
    # The bandwidth figure: v5e 8x16, gathered along the 16 axis (a ring).
    shape = [8, 16]
    g = lines(shape, 1)
    nbytes = 10 * 1024 * 1024
    t = run.collective(all_gather(128, g, nbytes), "v5e:8x16")
    achieved = (15 / 16) * nbytes / 2 / t / 4.5e10
    row("AllGather of 10 MiB along the 16-ring of a v5e 8x16: achieved "
        "fraction of 4.5e10 per link", f"{SB}/sharding, figure 'empirical "
        "bandwidth ... during an AllGather' (about 95% from about 10 MB)",
        0.95, "fraction", achieved,
        "source of the achieved fraction (0.95) at large sizes; at 10 MiB "
        "the fixed cost and 8 hops still cost the model 9%")
    # Part 2, Question 5: 2^24 B from (0,0) to (3,3) of a v5e 4x4.
    t = run.collective(permute(16, [[0, 15]], 1 << 24), "v5e:4x4")
    row("Send bf16[8,128,8192] from (0,0) to (3,3) of a v5e 4x4 (both "
        "ports)", f"{SB}/tpus, Question 5 (worked answer)", 188e-6, "us", t,
        "worked estimate at full bandwidth without fixed cost", "worked")
    # Part 3, Question 2 (TPU v4p 4x4x4, mesh X, Y, Z = 4, 4, 4; B = 1024,
    # D = 4096, bf16).
    shape = [4, 4, 4]
    t = run.collective(all_gather(64, lines(shape, 0), 1024 * 1024 * 2),
                       "v4:4x4x4")
    row("AllGather_X([B_X, D_Y]) on a v4 4x4x4 (ring of 4)",
        f"{SB}/sharding, Question 2.1 (worked answer)", 23e-6, "us", t,
        "worked estimate", "worked")
    t = run.collective(all_gather(64, planes(shape, [0, 1]),
                                  1024 * 4096 * 2), "v4:4x4x4")
    row("AllGather_XY([B_X, D_Y]) on a v4 4x4x4 (two axes)",
        f"{SB}/sharding, Question 2.3 (worked answer)", 46e-6, "us", t,
        "worked estimate: bandwidth term only; the model adds 4 hops and F",
        "worked")
    t = run.collective(all_gather(64, lines(shape, 0), 256), "v4:4x4x4")
    row("AllGather_X of bf16[128] (256 B) on a v4 4x4x4 (latency bound)",
        f"{SB}/sharding, Question 3 (worked answer)", 2e-6, "us", t,
        "worked estimate of hops only (2 x 1 us); the book's own measured "
        "latency-bound gather (Pop Quiz 2(b): 3 hops estimated 3 us, "
        "measured 8 us) shows what it leaves out: the fixed cost",
        "worked")
    # Twisted tori: all-to-all of every chip, untwisted / twisted.
    for shape, gain in (([4, 4, 8], 1.63), ([4, 8, 8], 1.31)):
        n = shape[0] * shape[1] * shape[2]
        text = "x".join(str(e) for e in shape)
        a2a = all_to_all(n, [list(range(n))], 256 * 1024 * 1024)
        plain = run.collective(a2a, f"v4:{text}:twisted=0")
        twisted = run.collective(a2a, f"v4:{text}")
        row(f"All-to-all of every chip, 256 MiB per chip, v4 {text}: "
            "untwisted time / twisted time", "Jouppi et al., TPU v4, ISCA "
            "2023, section 2 (twisted torus all-to-all throughput)", gain,
            "ratio", plain / twisted,
            "independent of the defaults (both sides pay the same fixed "
            "cost)")
    return rows


def wan_rows(run):
    rows = []
    # MaxDiffusion: Wan 2.1 14B 720p, 50 steps with CFG on v7x-8 (8
    # devices, dp2-context4): 249.3 s end to end, so at most 4.99 s a step.
    step, flops = run.wan_step("14b", "720p", "cfg+ulysses", "cfg=2,sp=4",
                               "v7x-8")
    rows.append({
        "case": "Wan 2.1 14B 720p, one denoising step (CFG batched), v7x-8, "
                "cfg=2 x sp=4",
        "source": "MaxDiffusion README (github.com/AI-Hypercomputer/"
                  "maxdiffusion): 249.3 s for 50 steps, dp2-context4, "
                  "including VAE and text encoding",
        "published": 249.3 / 50, "unit": "s", "model": step,
        "note": "the published time is an upper bound per step (it also "
                "covers VAE and text encoding)", "kind": "measured"})
    # GPU MFU sanity (FastVideo on H200): the model's implied MFU on the
    # same kind of workload (TPU v7x) against the published fraction.
    peak = 2307e12 / 2  # per v7x device (two per chip)
    rows.append({
        "case": "Implied MFU of the model's Wan 2.1 14B 720p step (v7x-8)",
        "source": "FastVideo on H200: Wan 2.1 14B 720p about 38% MFU",
        "published": 0.38, "unit": "fraction", "model": flops / step / peak,
        "note": "a sanity check of the compute roofline, on another chip",
        "kind": "sanity"})
    step, flops = run.wan_step("1.3b", "480p", "cfg+ulysses", "cfg=2,sp=4",
                               "v7x-8")
    rows.append({
        "case": "Implied MFU of the model's Wan 2.1 1.3B 480p step (v7x-8)",
        "source": "FastVideo on H200: Wan 2.1 1.3B 480p about 30% MFU",
        "published": 0.30, "unit": "fraction", "model": flops / step / peak,
        "note": "a sanity check of the compute roofline, on another chip",
        "kind": "sanity"})
    return rows


def fmt(value, unit):
    if unit == "us":
        return f"{value * 1e6:.1f} us"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "fraction":
        return f"{value * 100:.1f}%"
    return f"{value:.2f}x"


WHY = {
    "AllGather_X of bf16[128] (256 B) on a v4 4x4x4 (latency bound)":
        "The book's answer counts hops only. The model adds the fixed cost "
        "F = 2.7 us, which the book's own measurement of a latency-bound "
        "gather (8 us for 3 hops) requires; against that measurement the "
        "model is within 1%. A worked estimate that leaves F out cannot be "
        "met within 1.25x by a model that keeps it.",
}


def page(rows, quick):
    out = ["# Validation against published figures", "",
           "Generated by `bench/validate.sh` (do not edit by hand). Each "
           "row runs AoiZora with its default calibration "
           "(lib/Cost/Calibration.cpp; sources in "
           "[cost-model.md](cost-model.md)) on a module that reproduces "
           "the published case, and compares. Ratio = model / published; "
           f"the goal is every ratio within {GOAL}x. `measured` rows are "
           "measurements on hardware; `worked` rows are the source's own "
           "estimates (back-of-the-envelope, usually without fixed costs); "
           "`sanity` rows compare against another chip.", ""]
    if quick:
        out += ["**Quick run** (`--quick`): the end-to-end Wan rows are "
                "left out.", ""]
    out += ["| case | source | kind | published | model | ratio | within "
            f"{GOAL}x | note |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = r["model"] / r["published"]
        ok = 1 / GOAL <= ratio <= GOAL
        out.append(f"| {r['case']} | {r['source']} | {r['kind']} | "
                   f"{fmt(r['published'], r['unit'])} | "
                   f"{fmt(r['model'], r['unit'])} | {ratio:.2f} | "
                   f"{'yes' if ok else 'NO'} | {r['note']} |")
    misses = [r for r in rows
              if not 1 / GOAL <= r["model"] / r["published"] <= GOAL]
    out += ["", "## Rows outside the goal", ""]
    if not misses:
        out.append("None.")
    for r in misses:
        why = WHY.get(r["case"])
        if why is None and r["kind"] == "sanity":
            low = r["model"] < r["published"]
            why = ("The model's implied MFU is " +
                   ("below" if low else "above") +
                   " the published one by more than 1.25x; the row compares "
                   "a TPU roofline with a GPU measurement, so it bounds the "
                   "compute model only loosely.")
        if why is None and r["unit"] == "s":
            why = ("The published time is an upper bound per step: 249.3 s "
                   "over 50 steps also covers VAE decoding and text "
                   "encoding, which the model does not price, so a model "
                   "step below it is expected. The model's step is within "
                   "that bound; how much of the gap is VAE and text "
                   "encoding is not published, so the row cannot be "
                   "tightened without a per-step figure.")
        out.append(f"- **{r['case']}**: {why or 'not explained yet.'}")
    out += ["", "## What these rows can and cannot show", "",
            "- Two rows are where the defaults come from (marked in their "
            "note): they agree by construction. Every other row is a check "
            "the defaults were not fitted to.",
            "- The twisted-torus rows compare the same all-to-all on the "
            "same chips with and without the twist, so fixed costs and "
            "achieved bandwidth cancel: they check the routing and the "
            "wiring of the twisted torus (cost-model.md, Twisted tori).",
            "- No published measurement covers reduce-scatter, all-reduce, "
            "all-to-all or permute timings directly, or any generation "
            "but v5e and v4; bench/jax/calibrate.py measures them on a "
            "real slice and writes a calibration file."]
    return "\n".join(out) + "\n"


def main(argv):
    args = parse_args(argv)
    here = os.path.dirname(os.path.abspath(__file__))
    output = args.output or os.path.join(here, "..", "docs", "validation.md")
    with tempfile.TemporaryDirectory() as work:
        run = Runner(args.build_dir, work)
        rows = collective_rows(run)
        if not args.quick:
            rows += wan_rows(run)
    with open(output, "w") as f:
        f.write(page(rows, args.quick))
    print(f"wrote {output} ({len(rows)} rows)")


if __name__ == "__main__":
    main(sys.argv[1:])
