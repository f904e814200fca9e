"""Everything that talks to JAX. Imported lazily: ``import aoizora`` must
work on a machine without JAX, and only the calls that need it fail, with a
message that says so.

JAX APIs used (public ones only):
  jax.jit(f).lower(*args)                     a Lowered stage
  Lowered.compiler_ir("stablehlo")            the MLIR module (Shardy or GSPMD
                                              annotations, whichever the JAX
                                              version lowers with)
  Operation.get_asm(print_generic_op_form=True, enable_debug_info=False)
                                              generic op form, which aoizora-opt
                                              parses without the dialects
  Lowered.compile().as_text()                 the compiled, partitioned HLO
  jax.sharding.Mesh, NamedSharding, PartitionSpec
  jax.set_mesh (JAX >= 0.7), else jax.sharding.use_mesh, else ``with mesh``
                                              the mesh PartitionSpecs resolve
                                              against while lowering
"""

import re

from .errors import JaxMissingError


def require_jax(what):
    """Imports jax, or raises JaxMissingError naming the call that needs it."""
    try:
        import jax  # noqa: F401
    except ImportError as e:
        raise JaxMissingError(
            f"{what} needs JAX, which cannot be imported here ({e}). Install "
            "it (pip install jax, or jax[tpu] on a TPU VM); the parts of "
            "aoizora that need no JAX (the CLI's --help, reading plans, "
            "finding aoizora-opt) work without it") from None
    return jax


def require_numpy(what):
    try:
        import numpy  # noqa: F401
    except ImportError as e:
        raise JaxMissingError(f"{what} needs numpy ({e})") from None
    return numpy


def mesh_context(mesh):
    """A context manager under which PartitionSpecs resolve against mesh."""
    jax = require_jax("aoizora")
    set_mesh = getattr(jax, "set_mesh", None)
    if set_mesh is not None:
        return set_mesh(mesh)
    use_mesh = getattr(jax.sharding, "use_mesh", None)
    if use_mesh is not None:
        return use_mesh(mesh)
    return mesh  # older JAX: Mesh is itself the context manager


def _lowered(fn_or_jitted, args, kwargs):
    """fn (plain or jitted) or an already Lowered stage -> Lowered."""
    if hasattr(fn_or_jitted, "compiler_ir") and not args and not kwargs:
        return fn_or_jitted
    jax = require_jax("aoizora.export")
    jitted = fn_or_jitted if hasattr(fn_or_jitted, "lower") else jax.jit(
        fn_or_jitted)
    return jitted.lower(*args, **kwargs)


def generic_text(lowered):
    """The Lowered stage's StableHLO module in generic op form."""
    module = lowered.compiler_ir("stablehlo")
    return module.operation.get_asm(print_generic_op_form=True,
                                    enable_debug_info=False)


def export(fn_or_jitted, *args, **kwargs):
    """The generic-form StableHLO text of ``fn_or_jitted`` lowered on args.

    ``fn_or_jitted`` is a function (jitted here), a ``jax.jit`` result, or a
    ``Lowered`` stage (then give no args). ``args``/``kwargs`` are what you
    would pass to ``.lower``: arrays or ``jax.ShapeDtypeStruct``. The module
    keeps its shardings: Shardy (``sdy.mesh``, ``#sdy.sharding``) or GSPMD
    (``mhlo.sharding``) strings, whichever this JAX version lowers with.
    PartitionSpecs resolve against the mesh in context
    (``with jax.set_mesh(mesh): aoizora.export(...)``).
    """
    return generic_text(_lowered(fn_or_jitted, args, kwargs))


_SDY_MESH = re.compile(r"#sdy\.mesh<\[([^\]]*)\]")
_AXIS = re.compile(r'"((?:[^"\\]|\\.)*)"\s*=\s*(\d+)')


def sdy_meshes(text):
    """The axis lists [(name, size), ...] of every #sdy.mesh in text (empty
    for GSPMD-only modules)."""
    return [[(n, int(s)) for n, s in _AXIS.findall(m.group(1))]
            for m in _SDY_MESH.finditer(text)]


class JaxBackend:
    """Lowers and compiles one program on meshes of given sizes.

    The program's shardings must follow the mesh it is lowered under:
    PartitionSpecs in ``jax.jit(in_shardings=..., out_shardings=...)`` or
    ``with_sharding_constraint``, resolved against the mesh in context, or
    ``in_shardings``/``out_shardings`` given here as PartitionSpec pytrees
    (bound to each mesh with NamedSharding).
    """

    def __init__(self, fn, args, kwargs=None, devices=None, in_shardings=None,
                 out_shardings=None):
        self.jax = require_jax("aoizora.plan")
        self.np = require_numpy("aoizora.plan")
        self.fn = fn
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})
        self._devices = list(devices) if devices is not None else None
        self.in_shardings = in_shardings
        self.out_shardings = out_shardings

    def devices(self):
        if self._devices is None:
            self._devices = list(self.jax.devices())
        return self._devices

    def mesh(self, axis_names, sizes, flat_devices):
        devices = self.np.empty(len(flat_devices), dtype=object)
        for i, d in enumerate(flat_devices):
            devices[i] = d
        return self.jax.sharding.Mesh(devices.reshape(tuple(sizes)),
                                      tuple(axis_names))

    def _bind(self, specs, mesh):
        if specs is None:
            return None
        jax = self.jax
        P = jax.sharding.PartitionSpec

        def bind(leaf):
            if isinstance(leaf, P):
                return jax.sharding.NamedSharding(mesh, leaf)
            return leaf
        return jax.tree_util.tree_map(
            bind, specs, is_leaf=lambda x: isinstance(x, P) or x is None)

    def _lower(self, axis_names, sizes, flat_devices):
        mesh = self.mesh(axis_names, sizes, flat_devices)
        fn = self.fn
        if self.in_shardings is not None or self.out_shardings is not None:
            options = {}
            if self.in_shardings is not None:
                options["in_shardings"] = self._bind(self.in_shardings, mesh)
            if self.out_shardings is not None:
                options["out_shardings"] = self._bind(self.out_shardings, mesh)
            fn = self.jax.jit(getattr(fn, "__wrapped__", fn), **options)
        elif not hasattr(fn, "lower"):
            fn = self.jax.jit(fn)
        with mesh_context(mesh):
            return fn.lower(*self.args, **self.kwargs)

    def lower(self, axis_names, sizes, flat_devices):
        """Generic-form StableHLO of the program on that mesh."""
        return generic_text(self._lower(axis_names, sizes, flat_devices))

    def compile(self, axis_names, sizes, flat_devices):
        """(generic-form StableHLO, compiled HLO text) on that mesh."""
        lowered = self._lower(axis_names, sizes, flat_devices)
        return generic_text(lowered), lowered.compile().as_text()

    def make_mesh(self, axis_names, sizes, flat_devices):
        return self.mesh(axis_names, sizes, flat_devices)
