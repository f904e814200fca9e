#!/usr/bin/env python3
"""Plans a small DiT block with AoiZora, end to end, from JAX.

The block is one diffusion-transformer layer: self-attention with Ulysses
sequence parallelism (the activations are sharded on the sequence over "sp";
an all-to-all moves that shard to the heads for attention and back after
it), an MLP with Megatron tensor parallelism over "tp", and classifier-free
guidance's batch of 2 over "cfg". Its shardings are PartitionSpecs, so they
resolve against whichever mesh is in context: that is what lets AoiZora
lower and compile it on each candidate mesh.

Run it on a TPU slice, or anywhere on 8 fake CPU devices (the plan is then
for the --topology you name, default v5e:2x4):

    PYTHONPATH=python python3 examples/jax/plan_dit_block.py --out out/dit

or through the CLI, which reads `block`, `example_args` and `mesh_axes`:

    PYTHONPATH=python python3 -m aoizora plan \\
        examples/jax/plan_dit_block.py:block --topology v5e:2x4 --cpu-devices 8

aoizora-opt must be built (bash scripts/configure.sh aoizora-opt) or named
by AOIZORA_OPT.
"""

import argparse
import os
import sys

if __name__ == "__main__":
    # Before JAX is imported: 8 host devices when there is no accelerator
    # (harmless on a TPU VM, where the TPU devices are used).
    os.environ.setdefault("XLA_FLAGS",
                          "--xla_force_host_platform_device_count=8")
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                    "python"))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from jax.sharding import PartitionSpec as P  # noqa: E402

# Small enough to compile in seconds on a CPU; the shape of Wan 2.1's block
# (docs/workloads.md) scaled down: batch 2 (CFG), 1024 tokens, width 512,
# 8 heads of 64, MLP 4x.
BATCH, TOKENS, WIDTH, HEADS, HIDDEN = 2, 1024, 512, 8, 2048
HEAD_DIM = WIDTH // HEADS

# The mesh the block is exported on; stage 1 tries every size assignment of
# these axes over the same device count.
mesh_axes = {"cfg": 2, "sp": 2, "tp": 2}


def _block(x, wqkv, wo, w1, w2):
    constrain = jax.lax.with_sharding_constraint
    q, k, v = jnp.split(x @ wqkv, 3, axis=-1)
    q, k, v = (t.reshape(BATCH, TOKENS, HEADS, HEAD_DIM) for t in (q, k, v))
    # Ulysses: all-to-all from the sequence shard to the head shard ...
    q, k, v = (constrain(t, P("cfg", None, "sp", None)) for t in (q, k, v))
    scores = jnp.einsum("bqhd,bkhd->bhqk", q, k) / HEAD_DIM ** 0.5
    o = jnp.einsum("bhqk,bkhd->bqhd", jax.nn.softmax(scores, axis=-1), v)
    # ... and back to the sequence shard after attention.
    o = constrain(o, P("cfg", "sp", None, None)).reshape(BATCH, TOKENS, WIDTH)
    x = x + o @ wo
    h = jax.nn.gelu(x @ w1, approximate=True)  # w1 split on columns over tp
    return x + h @ w2                           # w2 on rows: an all-reduce


block = jax.jit(
    _block,
    in_shardings=(P("cfg", "sp", None), P(), P(), P(None, "tp"),
                  P("tp", None)),
    out_shardings=P("cfg", "sp", None))


def example_args(dtype=jnp.float32):
    shapes = [(BATCH, TOKENS, WIDTH), (WIDTH, 3 * WIDTH), (WIDTH, WIDTH),
              (WIDTH, HIDDEN), (HIDDEN, WIDTH)]
    return tuple(jax.ShapeDtypeStruct(s, dtype) for s in shapes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topology", default=None,
                        help="slice to plan for (default: v5e:2x4 on CPU, "
                             "the TPU's own slice on a TPU VM)")
    parser.add_argument("--out", default=None, help="work folder")
    parser.add_argument("--no-compile", action="store_true")
    args = parser.parse_args()

    import aoizora
    on_cpu = jax.devices()[0].platform == "cpu"
    topology = args.topology or ("v5e:2x4" if on_cpu else None)

    result = aoizora.plan(block, *example_args(), mesh_axes=mesh_axes,
                          topology=topology, work_dir=args.out,
                          compile_survivors=not args.no_compile)
    print(result.summary())

    # Run the block once on the planned mesh: same program, same shardings,
    # only which device holds which shard has changed.
    with aoizora.mesh_context(result.mesh):
        keys = jax.random.split(jax.random.key(0), 5)
        inputs = [jax.random.normal(k, s.shape, s.dtype) * 0.02
                  for k, s in zip(keys, example_args())]
        out = block(*inputs)
    print("ran on the planned mesh:", out.shape, out.sharding)


if __name__ == "__main__":
    main()
