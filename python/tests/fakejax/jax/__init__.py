"""Test double of the jax API surface aoizora/jaxbridge.py uses."""

import os

from . import sharding, tree_util  # noqa: F401

__version__ = "0.0.fake"
_DATA = os.path.join(os.path.dirname(__file__), "..", "..", "data")


class _Device:
    def __init__(self, i, tpu):
        self.id = i
        self.process_index = 0
        if tpu:
            self.platform = "tpu"
            self.device_kind = "TPU v5 lite"
            self.coords = (i % 2, i // 2, 0)
            self.core_on_chip = 0
            self.slice_index = 0
        else:
            self.platform = "cpu"
            self.device_kind = "cpu"

    def __repr__(self):
        return f"FakeJaxDevice({self.id})"


_DEVICES = [_Device(i, os.environ.get("FAKEJAX_PLATFORM") == "tpu")
            for i in range(8)]


def devices():
    return list(_DEVICES)


class ShapeDtypeStruct:
    def __init__(self, shape, dtype):
        self.shape, self.dtype = tuple(shape), dtype


class set_mesh:
    """Dual use like jax.set_mesh; only the context-manager form is used."""

    def __init__(self, mesh):
        self.mesh = mesh

    def __enter__(self):
        self.prev = sharding._CURRENT[0]
        sharding._CURRENT[0] = self.mesh
        return self.mesh

    def __exit__(self, *exc):
        sharding._CURRENT[0] = self.prev


def _read(name):
    with open(os.path.join(_DATA, name), encoding="utf-8") as f:
        return f.read()


def _fill(text, x, y):
    return (text.replace("@X@", str(x)).replace("@Y@", str(y))
            .replace("@ROWS@", str(64 // x)))


class _Operation:
    def __init__(self, text):
        self.text = text

    def get_asm(self, print_generic_op_form=False, enable_debug_info=True):
        assert print_generic_op_form and not enable_debug_info
        return self.text


class _Module:
    def __init__(self, text):
        self.operation = _Operation(text)


class _Compiled:
    def __init__(self, text):
        self._text = text

    def as_text(self):
        return self._text


class _Lowered:
    def __init__(self, mesh):
        if mesh is None:
            raise ValueError("fake jax: PartitionSpec without a mesh in "
                             "context")
        self.sizes = list(mesh.devices.shape)
        assert list(mesh.axis_names) == ["x", "y"], mesh.axis_names

    def compiler_ir(self, dialect=None):
        assert dialect == "stablehlo"
        return _Module(_fill(_read("mlp_xy.mlir.in"), *self.sizes))

    def compile(self):
        label = "x".join(str(s) for s in self.sizes)
        if label in os.environ.get("FAKEJAX_FAIL", "").split(","):
            raise RuntimeError(f"fake XLA: cannot compile mesh {label}")
        return _Compiled(_fill(_read("allreduce.hlo.in"), *self.sizes))


class _Jitted:
    def __init__(self, fn, in_shardings=None, out_shardings=None):
        self.__wrapped__ = fn
        self.in_shardings = in_shardings

    def lower(self, *args, **kwargs):
        mesh = sharding._CURRENT[0]
        bound = [s for s in tree_util.leaves(self.in_shardings)
                 if isinstance(s, sharding.NamedSharding)]
        if bound:
            mesh = bound[0].mesh
        return _Lowered(mesh)


def jit(fn, in_shardings=None, out_shardings=None):
    return _Jitted(fn, in_shardings, out_shardings)
