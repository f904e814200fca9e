#!/usr/bin/env python3
"""Measures a TPU slice's collective and compute figures with JAX and writes
the calibration file AoiZora reads (`calibration=FILE`, docs/cost-model.md,
"Calibration").

What it measures, on the devices JAX sees:
  * each collective kind (all-gather, reduce-scatter, all-reduce,
    all-to-all, collective-permute) over groups along one physical axis of
    the slice (sizes 2, 4, ... up to the axis extent) and over a range of
    message sizes;
  * bf16 matmul and attention throughput, and the bandwidth of a large
    elementwise op, against the chip's peak.

How the figures are derived (the same model AoiZora prices with):
  time(kind, group, B) = F + steps(kind, group) * hop + link_bytes(B) / (eta W)
  link_bytes is the busiest link's bytes of the ring or line algorithm
  (cost-model.md); steps is its number of sequential steps. Per kind, a
  straight-line fit of time against B for each group gives an intercept
  (F + steps * hop) and a slope; the intercepts of groups with different
  step counts give F and hop; at each size, eta = link_bytes / (W * (time -
  F - steps * hop)) is one point of the achieved-bandwidth curve.

Each measurement runs the collective N times in a lax.fori_loop inside one
jitted call and takes (t(N) - t(1)) / (N - 1), so dispatch and host overhead
drop out.

Run on a TPU VM (JAX with TPU support installed):
    python3 bench/jax/calibrate.py --out calibration.json
A smoke run on the CPU backend with fake devices proves the script runs and
writes a file the planner reads; its numbers are NOT TPU figures and the file
says so:
    XLA_FLAGS=--xla_force_host_platform_device_count=8 \\
        python3 bench/jax/calibrate.py --cpu-smoke --generation v5e \\
        --slice 2x4 --out /tmp/smoke.json

The standard library only at import time; jax and numpy inside main().
"""

import argparse
import json
import math
import statistics
import sys
import time

# Per-chip figures AoiZora uses (lib/Topology/Chip.cpp; sources in
# docs/cost-model.md): peak bf16 FLOP/s, HBM bytes/s, ICI bytes/s per link
# and direction, and which slice extents wrap.
CHIPS = {
    "v4": {"peak": 275e12, "hbm": 1200e9, "link": 4.5e10, "dims": 3},
    "v5e": {"peak": 197e12, "hbm": 819e9, "link": 4.5e10, "dims": 2},
    "v5p": {"peak": 459e12, "hbm": 2765e9, "link": 9e10, "dims": 3},
    "v6e": {"peak": 918e12, "hbm": 1640e9, "link": 9e10, "dims": 2},
    "v7x": {"peak": 2307e12, "hbm": 7.37e12, "link": 1e11, "dims": 3},
}
KINDS = ["all-gather", "reduce-scatter", "all-reduce", "all-to-all",
         "collective-permute"]


def parse_args(argv):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--out", required=True, help="calibration file to write")
    p.add_argument("--generation", choices=sorted(CHIPS),
                   help="chip generation (default: from jax.devices())")
    p.add_argument("--slice", help="slice shape such as 4x4 or 4x4x8 "
                   "(default: from the devices' coords); written to the "
                   "file, which then applies to this shape only")
    p.add_argument("--per-slice", action="store_true",
                   help="write the slice shape into the file (figures for "
                        "this slice only); default: for the generation")
    p.add_argument("--sizes", default="16384,131072,1048576,8388608,33554432",
                   help="message sizes in bytes (CollectiveSpec bytes)")
    p.add_argument("--repeats", type=int, default=5,
                   help="timed runs per point (the median is kept)")
    p.add_argument("--loop", type=int, default=16,
                   help="collectives per jitted call in the long run")
    p.add_argument("--cpu-smoke", action="store_true",
                   help="allow the CPU backend (numbers are not TPU "
                        "figures; the file says so)")
    p.add_argument("--skip-compute", action="store_true",
                   help="measure collectives only")
    return p.parse_args(argv)


def generation_of(kind):
    """jax Device.device_kind -> generation name (None if unknown)."""
    k = kind.lower()
    if "v5 lite" in k or "v5e" in k or "v5litepod" in k:
        return "v5e"
    if "v6" in k:
        return "v6e"
    if "v5p" in k or k.endswith("v5"):
        return "v5p"
    if "v4" in k:
        return "v4"
    if "7" in k:
        return "v7x"
    return None


def default_wrap(gen, shape):
    """AoiZora's wraparound rule (Slice::defaultWrap)."""
    if gen in ("v5e", "v6e"):
        return [e == 16 for e in shape]
    cubes = len(shape) == 3 and all(e % 4 == 0 for e in shape)
    return [cubes and e > 2 for e in shape]


def ring_figures(kind, n, ring, nbytes):
    """(busiest link bytes, sequential steps, hops of the longest message)
    of one collective over n members on a ring or a line of neighbours, as
    AoiZora prices it (docs/cost-model.md)."""
    if kind in ("all-gather", "reduce-scatter", "all-reduce"):
        chunk = nbytes / n
        link = (n - 1) * chunk / 2 if ring else (n - 1) * chunk
        steps = n // 2 if ring else n - 1
        if kind == "all-reduce":
            link, steps = 2 * link, 2 * steps
        return link, steps, 1
    if kind == "all-to-all":
        share = nbytes / n
        if ring:
            # N^2/8 shares per link for even N (cost-model.md, All-to-all).
            link = share * (n * n / 8 if n % 2 == 0 else (n * n - 1) / 8)
            return link, 1, n // 2
        return share * (n // 2) * (n - n // 2), 1, n - 1
    if kind == "collective-permute":
        # i -> i+1 around the group: every link carries one message; on a
        # line the closing message runs back over n - 1 hops.
        return nbytes, 1, 1 if ring else n - 1
    raise ValueError(kind)


def fit_line(xs, ys):
    """Least squares y = a + b x; returns (a, b)."""
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return my, 0.0
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return my - b * mx, b


def main(argv):
    args = parse_args(argv)
    import jax
    import jax.numpy as jnp
    import numpy as np
    from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
    try:
        from jax import shard_map
    except ImportError:  # older JAX
        from jax.experimental.shard_map import shard_map

    devices = jax.devices()
    platform = devices[0].platform
    if platform != "tpu" and not args.cpu_smoke:
        sys.exit(f"calibrate.py: the devices are '{platform}', not TPUs; "
                 "pass --cpu-smoke to run anyway (the numbers are then not "
                 "TPU figures)")
    gen = args.generation or generation_of(devices[0].device_kind)
    if gen is None:
        sys.exit(f"calibrate.py: unknown device kind "
                 f"'{devices[0].device_kind}'; pass --generation")
    chip = CHIPS[gen]

    # The slice shape and each device's chip coordinates.
    if args.slice:
        shape = [int(e) for e in args.slice.split("x")]
    elif platform == "tpu":
        coords = np.array([d.coords for d in devices])
        shape = [int(c) + 1 for c in coords.max(axis=0)][:chip["dims"]]
    else:
        sys.exit("calibrate.py: pass --slice for a non-TPU run")
    n_chips = math.prod(shape)
    per_chip = len(devices) // n_chips
    if per_chip < 1 or per_chip * n_chips != len(devices):
        sys.exit(f"calibrate.py: {len(devices)} devices do not fill a "
                 f"{args.slice or shape} slice")
    if platform == "tpu":
        def key(d):
            c = list(d.coords)[:len(shape)]
            return (tuple(reversed(c)), getattr(d, "core_on_chip", 0))
        ordered = sorted(devices, key=key)
    else:
        ordered = list(devices)
    # Devices as an array [z][y][x][core] (x fastest, as AoiZora numbers
    # chips); axis 0 of `grid` is the slowest physical dimension.
    grid = np.array(ordered, dtype=object).reshape(
        list(reversed(shape)) + [per_chip])
    wrap = default_wrap(gen, shape)
    sizes = [int(s) for s in args.sizes.split(",")]

    def timed(fn, x):
        fn(x).block_until_ready()  # compile and warm up
        runs = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            fn(x).block_until_ready()
            runs.append(time.perf_counter() - t0)
        return statistics.median(runs)

    def collective_time(kind, mesh, nbytes):
        """Seconds of one collective of `nbytes` (CollectiveSpec bytes)
        over mesh axis 'g', the other devices replicating it."""
        n = mesh.shape["g"]
        elems = max(n * n, int(nbytes // 2) // (n * n) * (n * n))
        # Per-device buffers: all-gather takes bytes/N in, the others take
        # the full buffer (reduce-scatter's input, all-reduce's, ...).
        local = elems // n if kind == "all-gather" else elems
        perm = [(i, (i + 1) % n) for i in range(n)]

        def one(x):
            if kind == "all-gather":
                return jax.lax.all_gather(x, "g", tiled=True)[:local]
            if kind == "reduce-scatter":
                y = jax.lax.psum_scatter(x, "g", tiled=True)
                return jnp.tile(y, n)
            if kind == "all-reduce":
                return jax.lax.psum(x, "g")
            if kind == "all-to-all":
                return jax.lax.all_to_all(x, "g", 0, 0, tiled=True)
            return jax.lax.ppermute(x, "g", perm)

        def body(reps):
            def per_device(x):
                return jax.lax.fori_loop(0, reps, lambda i, v: one(v), x)
            return jax.jit(shard_map(per_device, mesh=mesh, in_specs=P("g"),
                                     out_specs=P("g")))

        x = jax.device_put(
            jnp.ones((local * n,), jnp.bfloat16),
            NamedSharding(mesh, P("g")))
        t_long = timed(body(args.loop), x)
        t_short = timed(body(1), x)
        # CollectiveSpec bytes: the gathered output (all-gather) or the
        # per-device buffer (the others); both are `elems` bf16 values.
        return max(t_long - t_short, 0.0) / (args.loop - 1), elems * 2

    # Groups along each physical dimension: the first `n` chips of each line.
    measurements = []
    for dim in range(len(shape)):
        extent = shape[dim]
        n = 2
        while n <= extent:
            ring = wrap[dim] and n == extent and n > 2
            # Move `dim` last, keep lines of n along it, fold the rest.
            axis = len(shape) - 1 - dim
            lines = np.moveaxis(grid[..., 0], axis, -1)[..., :n]
            devs = lines.reshape(-1, n)
            mesh = Mesh(devs, ("r", "g"))
            for kind in KINDS:
                for wanted in sizes:
                    t, nbytes = collective_time(kind, mesh, wanted)
                    link, steps, hops = ring_figures(kind, n, ring, nbytes)
                    measurements.append({
                        "kind": kind, "dim": dim, "group": n, "ring": ring,
                        "bytes": nbytes, "seconds": t, "link_bytes": link,
                        "steps": steps, "hops": hops})
            n *= 2

    # Per kind: intercepts of time against bytes per group, then F and the
    # hop latency from how the intercepts grow with steps * hops.
    out = {"generation": gen,
           "description": ("measured by bench/jax/calibrate.py on "
                           f"{len(devices)} {devices[0].device_kind} devices"
                           if platform == "tpu" else
                           "CPU smoke run of bench/jax/calibrate.py with fake "
                           "devices: NOT a measurement of a TPU"),
           "collectives": {}, "measurements": measurements}
    if args.per_slice:
        out["slice"] = "x".join(str(e) for e in shape)
    hop_estimates = []
    for kind in KINDS:
        rows = [m for m in measurements if m["kind"] == kind]
        groups = sorted({(m["dim"], m["group"], m["ring"]) for m in rows})
        latency_terms, intercepts, slopes = [], [], []
        for g in groups:
            pts = [m for m in rows if (m["dim"], m["group"], m["ring"]) == g]
            a, b = fit_line([m["link_bytes"] for m in pts],
                            [m["seconds"] for m in pts])
            latency_terms.append(pts[0]["steps"] * pts[0]["hops"])
            intercepts.append(a)
            slopes.append(b)
        fixed, hop = fit_line(latency_terms, intercepts)
        if hop > 0:
            hop_estimates.append(hop)
        fixed = max(fixed, 1e-9)
        hop = max(hop, 0.0)
        curve = []
        for nbytes in sorted({m["bytes"] for m in rows}):
            pts = [m for m in rows if m["bytes"] == nbytes]
            fracs = []
            for m in pts:
                moving = m["seconds"] - fixed - m["steps"] * m["hops"] * hop
                if moving > 0:
                    fracs.append(m["link_bytes"] / (chip["link"] * moving))
            if fracs:
                curve.append([nbytes, min(1.0, max(1e-3,
                                                   statistics.median(fracs)))])
        entry = {"fixed_seconds": fixed}
        if curve:
            entry["bandwidth_fraction"] = curve
        out["collectives"][kind] = entry
    if hop_estimates:
        out["hop_latency_seconds"] = max(1e-9, statistics.median(hop_estimates))

    if not args.skip_compute:
        out["compute"] = measure_compute(jax, jnp, chip, timed)

    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {args.out} ({len(measurements)} collective measurements)")


def measure_compute(jax, jnp, chip, timed):
    """Achieved fractions of peak on one device: a large bf16 matmul, a
    bf16 attention (jax.nn.dot_product_attention), and an elementwise op
    (as a fraction of HBM bandwidth). INTEGRATION POINT: AoiZora keeps
    these under "compute" for the per-op-class efficiencies of its compute
    model."""
    dev = jax.devices()[0]
    n = 8192
    a = jax.device_put(jnp.ones((n, n), jnp.bfloat16), dev)
    mm = jax.jit(lambda x: x @ x)
    t = timed(mm, a)
    matmul = 2 * n ** 3 / t / chip["peak"]

    b, s, h, d = 1, 4096, 16, 128
    q = jax.device_put(jnp.ones((b, s, h, d), jnp.bfloat16), dev)
    attn = jax.jit(lambda x: jax.nn.dot_product_attention(x, x, x))
    t = timed(attn, q)
    attention = 4 * b * h * s * s * d / t / chip["peak"]

    e = jax.device_put(jnp.ones((64 * 1024 * 1024,), jnp.bfloat16), dev)
    ew = jax.jit(lambda x: x * 2 + 1)
    t = timed(ew, e)
    elementwise = 2 * e.size * 2 / t / chip["hbm"]
    clamp = lambda f: min(1.0, max(1e-3, f))
    return {"matmul": clamp(matmul), "attention": clamp(attention),
            "elementwise": clamp(elementwise)}


if __name__ == "__main__":
    main(sys.argv[1:])
