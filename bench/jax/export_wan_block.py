#!/usr/bin/env python3
"""Exports a Wan-2.1-like DiT block from JAX for AoiZora to read.

Builds one block (self-attention with Ulysses-style sequence/head resharding,
an FFN with Megatron tensor parallelism, CFG batch 2) on a mesh of fake CPU
devices, lowers it with shardings, and writes:

  <out>/<name>.generic.mlir   generic-form StableHLO (print_generic_op_form)
  <out>/<name>.after_optimizations.txt   compiled, partitioned HLO text
  <out>/<name>.topology.json  the devices as AoiZora's topology file expects
                              (TPU devices only: others have no coordinates)
  <out>/<name>.versions.json  JAX / jaxlib versions that produced them

Dimensions follow ../../../shared/reference/dit-workloads.md (Wan 2.1 14B:
D=5120, 40 heads of 128, FFN 13824; 480p/81 frames = 32760 tokens), scaled
down by --scale so that a CPU can compile it quickly.

Run on a machine with JAX:
  XLA_FLAGS=--xla_force_host_platform_device_count=16 \\
    python3 bench/jax/export_wan_block.py --out bench/jax/out
Then check that AoiZora reads both outputs (the module through
az-inspect-shardings and az-plan, the compiled HLO as its hlo-dump):
  bash bench/jax/check_outputs.sh bench/jax/out
"""

import argparse
import json
import os


def parse_args():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--name", default="wan_block")
    p.add_argument("--mesh", default="cfg=2,sp=4,tp=2",
                   help="mesh axes and sizes, major to minor")
    p.add_argument("--scale", type=int, default=16,
                   help="divide tokens, hidden and FFN sizes by this")
    p.add_argument("--shardy", action="store_true", default=True,
                   help="lower with the Shardy partitioner (default)")
    p.add_argument("--gspmd", dest="shardy", action="store_false",
                   help="lower with GSPMD (mhlo.sharding strings)")
    return p.parse_args()


def main():
    args = parse_args()
    axes = [kv.split("=") for kv in args.mesh.split(",")]
    names = tuple(a for a, _ in axes)
    sizes = tuple(int(s) for _, s in axes)
    n = 1
    for s in sizes:
        n *= s
    os.environ.setdefault(
        "XLA_FLAGS", f"--xla_force_host_platform_device_count={n}")

    import jax
    import jax.numpy as jnp
    import numpy as np
    from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

    jax.config.update("jax_use_shardy_partitioner", args.shardy)
    devices = jax.devices()
    if len(devices) < n:
        raise SystemExit(f"need {n} devices, JAX sees {len(devices)}; set "
                         "XLA_FLAGS=--xla_force_host_platform_device_count")
    mesh = Mesh(np.array(devices[:n]).reshape(sizes), names)

    # Wan 2.1 14B block dimensions, scaled (dit-workloads.md §1.1-1.2).
    tokens, dim, heads, ffn = 32760, 5120, 40, 13824
    scale = args.scale
    tokens, dim, ffn = tokens // scale, dim // scale, ffn // scale
    heads = max(dim // 128, 1) if dim >= 128 else 1
    head_dim = dim // heads
    batch = 2  # CFG: conditional and unconditional in one batch

    cfg, sp, tp = (names + (None, None, None))[:3]

    def constrain(x, spec):
        return jax.lax.with_sharding_constraint(x, NamedSharding(mesh, spec))

    def block(x, wq, wk, wv, wo, w1, w2):
        q, k, v = x @ wq, x @ wk, x @ wv
        shape = (batch, tokens, heads, head_dim)
        q, k, v = (t.reshape(shape) for t in (q, k, v))
        # Ulysses: move the sequence shard to the heads before attention.
        q, k, v = (constrain(t, P(cfg, None, sp, None)) for t in (q, k, v))
        s = jnp.einsum("bqhd,bkhd->bhqk", q, k) / np.sqrt(head_dim)
        o = jnp.einsum("bhqk,bkhd->bqhd", jax.nn.softmax(s, axis=-1), v)
        # ... and back to the sequence afterwards.
        o = constrain(o, P(cfg, sp, None, None)).reshape(batch, tokens, dim)
        x = x + o @ wo
        h = jax.nn.gelu(x @ w1, approximate=True)
        return x + h @ w2

    bf16 = jnp.bfloat16
    arg_specs = [
        (jax.ShapeDtypeStruct((batch, tokens, dim), bf16), P(cfg, sp, None)),
        *[(jax.ShapeDtypeStruct((dim, dim), bf16), P()) for _ in range(4)],
        (jax.ShapeDtypeStruct((dim, ffn), bf16), P(None, tp)),
        (jax.ShapeDtypeStruct((ffn, dim), bf16), P(tp, None)),
    ]
    shapes = [s for s, _ in arg_specs]
    in_shardings = [NamedSharding(mesh, spec) for _, spec in arg_specs]
    jitted = jax.jit(block, in_shardings=in_shardings,
                     out_shardings=NamedSharding(mesh, P(cfg, sp, None)))
    lowered = jitted.lower(*shapes)

    os.makedirs(args.out, exist_ok=True)
    base = os.path.join(args.out, args.name)
    module = lowered.compiler_ir("stablehlo")
    with open(base + ".generic.mlir", "w") as f:
        f.write(module.operation.get_asm(print_generic_op_form=True,
                                         enable_debug_info=False))
    with open(base + ".after_optimizations.txt", "w") as f:
        f.write(lowered.compile().as_text())
    # Only devices with coordinates (TPU) have a topology file; fake CPU
    # devices are planned on the slice's default order instead.
    if all(getattr(d, "coords", None) is not None for d in devices[:n]):
        import sys
        sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                        "python"))
        import aoizora
        aoizora.write_topology(base + ".topology.json", devices[:n])
    import jaxlib
    with open(base + ".versions.json", "w") as f:
        json.dump({"jax": jax.__version__, "jaxlib": jaxlib.__version__,
                   "platform": devices[0].platform, "mesh": args.mesh,
                   "scale": scale, "shardy": args.shardy}, f, indent=1)
    print(f"wrote {base}.*")


if __name__ == "__main__":
    main()
