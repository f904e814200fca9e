"""AoiZora from JAX: plan a program's device mesh and its placement on a TPU
slice, and get back a jax.sharding.Mesh in the planned order.

    import aoizora
    result = aoizora.plan(step, *example_args, mesh_axes={"sp": 4, "tp": 2},
                          topology="v5e:2x4")
    with jax.set_mesh(result.mesh): ...

Only the standard library is imported here; JAX and numpy are imported by
the calls that need them (export, topology() without devices, plan,
make_mesh). docs/jax.md walks through the whole loop.
"""

from .errors import (AoiZoraError, JaxMissingError, StageError,
                     ToolNotFoundError, TopologyMismatchError)
from .jaxbridge import export, mesh_context
from .plan import (PlanResult, Survivor, make_mesh, mesh_layout, plan,
                   planned_devices)
from .tool import find_aoizora_opt
from .topology import (dumps_topology, read_topology, slice_name, topology,
                       write_topology)

__version__ = "0.1.0"

__all__ = [
    "AoiZoraError", "JaxMissingError", "StageError", "ToolNotFoundError",
    "TopologyMismatchError", "PlanResult", "Survivor", "dumps_topology",
    "export", "find_aoizora_opt", "make_mesh", "mesh_context", "mesh_layout",
    "plan",
    "planned_devices", "read_topology", "slice_name", "topology",
    "write_topology", "__version__",
]
