"""A program for the CLI tests with the fake jax (fakejax/): its shardings
are PartitionSpecs resolved against the mesh in context, as a real program
given to `python3 -m aoizora plan` must be."""

import jax
from jax.sharding import PartitionSpec as P

mesh_axes = {"x": 2, "y": 4}


def _mlp(x, w1, w2):
    return x  # the fake lowers every program to data/mlp_xy.mlir.in


mlp = jax.jit(_mlp, in_shardings=(P("x", None), P(None, "y"), P("y", None)),
              out_shardings=P("x", None))


def example_args():
    return (jax.ShapeDtypeStruct((64, 2048), "bfloat16"),
            jax.ShapeDtypeStruct((2048, 8192), "bfloat16"),
            jax.ShapeDtypeStruct((8192, 2048), "bfloat16"))
